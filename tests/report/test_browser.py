"""The report and the live page in headless Chromium: drawn, error-free, escaped, live.

Needs Debian's ``chromium``; skipped with that reason when it is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from _chromium import Browser

import trainlog
from trainlog.cli.main import main
from trainlog.report.server import LiveServer

LINES = "document.querySelectorAll('svg.tl-chart path.tl-line').length"
CARDS = "document.querySelectorAll('.card').length"


def test_comparison_report_draws_every_chart_without_errors(
    make_run: Callable[..., Path],
    tmp_path: Path,
    browser: Browser,
    shots: Callable[[Browser, str], Path],
) -> None:
    make_run("grpo-lr1e-5", config={"learning_rate": 1e-5, "kl_coef": 0.1})
    make_run("grpo-lr3e-5", config={"learning_rate": 3e-5, "kl_coef": 0.1}, seed=1)
    make_run("dpo-beta0.1", "dpo", config={"learning_rate": 5e-7, "beta": 0.1})
    assert main(["compare", "outputs/*", "-o", "cmp.html"]) == 0
    browser.open((tmp_path / "cmp.html").as_uri())
    # charts are drawn in an animation frame after the load event: wait for them
    assert browser.wait_for(f"{LINES} >= {2 * 4 + 3}")
    assert browser.eval(CARDS) == 4 + 3  # grpo loss/reward/kl/lr (no sub-rewards) + dpo 3
    assert browser.eval(
        "[...document.querySelectorAll('path.tl-line')]"
        ".every(p => /^M[^M]*L/.test(p.getAttribute('d')))"
    )
    assert browser.errors() == []

    # legend toggles a run off, the log button switches the axis, smoothing redraws
    before = browser.eval(LINES)
    browser.eval("document.querySelector('.legend button').click()")
    browser.wait_for(f"{LINES} < {before}")
    browser.eval("document.querySelector('.card .head button').click()")
    assert browser.wait_for("document.querySelector('.card .head button.on') !== null")
    slider = "document.getElementById('tl-smoothing')"
    browser.eval(f"{slider}.value = '0'; {slider}.dispatchEvent(new Event('input'))")
    browser.wait_for("document.querySelectorAll('path.tl-raw').length === 0")
    # hover shows the values at the cursor
    box = browser.eval(
        "(() => { const s = document.querySelectorAll('svg.tl-chart')[1]; s.scrollIntoView();"
        "const r = s.getBoundingClientRect();"
        "return [r.x + r.width * 0.6, r.y + r.height / 2]; })()"
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    tip = browser.wait_for(
        "[...document.querySelectorAll('.tooltip')].map(t => t.innerText).join('')"
    )
    assert "step" in tip and "grpo-lr3e-5" in tip
    assert browser.errors() == []
    browser.eval("document.querySelector('.legend button').click(); window.scrollTo(0, 0)")
    browser.wait_for(f"{LINES} >= {before}")
    shots(browser, "comparison_report")


def test_hostile_log_injects_nothing_into_the_dom(
    evil_run: Path,
    tmp_path: Path,
    browser: Browser,
    shots: Callable[[Browser, str], Path],
) -> None:
    assert main(["render", "--log", str(evil_run), "--plugins", "html", "--output", "r"]) == 0
    browser.open((tmp_path / "r" / "report.html").as_uri())
    assert browser.wait_for(f"{LINES} >= 1")  # drawn: the hostile metric charts, as text labels
    assert browser.eval("window.__xss === undefined")
    assert browser.eval("document.querySelectorAll('img, svg:not(.tl-chart)').length") == 0
    assert browser.eval("[...document.querySelectorAll('b')].every(b => b.textContent !== 'bold')")
    assert browser.eval("document.scripts.length") == 3
    assert browser.eval("[...document.scripts].every(s => !s.src)")
    text = browser.eval("document.body.innerText")
    assert "<img src=x onerror=window.__xss=3>" in text  # shown as text, not as an element
    assert "</script><script>window.__xss = 1</script>" in text
    assert browser.errors() == []
    shots(browser, "hostile_report")


def test_live_page_shows_a_value_emitted_after_it_opened(
    tmp_path: Path,
    browser: Browser,
    shots: Callable[[Browser, str], Path],
) -> None:
    run = trainlog.init(
        "grpo", tmp_path / "outputs" / "live-run", config={"lr": 1e-5}, json_interval=3600
    )
    for step in range(1, 41):
        run.emit("train", step, loss=1.0 / step, reward=step / 40, kl=0.01, learning_rate=1e-5)
    run.emit("eval", 20, eval_reward=0.5)
    run.flush()
    server = LiveServer(tmp_path / "outputs", port=0, interval_ms=250)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        browser.open(f"http://127.0.0.1:{server.server_address[1]}/")
        browser.wait_for(f"{LINES} >= 4")
        assert "live-run" in browser.eval("document.getElementById('tl-runs').innerText")
        assert "9.8765" not in browser.eval("document.body.innerText")
        run.emit("train", 41, loss=0.5, reward=9.8765, kl=0.02, learning_rate=1e-5)
        run.flush()
        browser.wait_for("document.body.innerText.includes('9.8765')")
        assert browser.eval("document.querySelector('table.live-stats').innerText").count("41")
        assert browser.errors() == []
        shots(browser, "live_page")
    finally:
        run.finish()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
