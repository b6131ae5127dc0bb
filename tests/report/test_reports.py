"""html/compare/stats renderers and the compare and watch commands, driven as a user would."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EVIL_IMG, EVIL_METRIC, EVIL_SCRIPT

from trainlog.cli.main import main
from trainlog.report.page import embed_json


def data_block(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="tl-data">(.*?)</script>', html, re.S)
    assert match, "no embedded data"
    return json.loads(match.group(1))


def test_render_html_writes_a_self_contained_report(
    make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run("grpo-a")
    assert main(["render", "--log", str(run), "--plugins", "html", "--output", "out"]) == 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "fetches something"
    assert "<link" not in html and "@import" not in html
    data = data_block(html)
    assert [g["method"] for g in data["groups"]] == ["grpo"]
    charts = {c["name"] for c in data["groups"][0]["charts"]}
    assert {"loss", "reward", "kl", "lr"} <= charts
    stats = data["runs"][0]["stats"]["train_history/loss"]
    assert stats["count"] == 30 and set(stats) >= {"final", "best", "mean", "std", "trend"}
    assert "Best checkpoints" in html and "checkpoint-300" in html


def test_compare_groups_by_method_and_highlights_differing_config(
    make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run("a", config={"learning_rate": 1e-5, "beta": 0.1, "model_path": "m"})
    make_run("b", config={"learning_rate": 3e-5, "beta": 0.1, "model_path": "m"})
    make_run("c", "dpo", config={"learning_rate": 5e-7, "beta": 0.1, "model_path": "m"})
    make_run("d", "lora", config={"learning_rate": 2e-4, "beta": 0.1, "model_path": "m"})
    # a quoted glob, a run folder and a log file; duplicates collapse
    args = ["compare", "outputs/[ab]", "outputs/c", "outputs/d/training_log.json", "outputs/a"]
    assert main([*args, "--output", "reports/", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "wrote reports/comparison_report.html (4 runs" in out
    assert "Statistics" in out and "[dpo] 1 run" in out and "trend/1k" in out
    html = (tmp_path / "reports" / "comparison_report.html").read_text()
    data = data_block(html)
    assert [(g["method"], len(g["runs"])) for g in data["groups"]] == [
        ("grpo", 2),
        ("dpo", 1),
        ("lora", 1),
    ]
    diff_rows = re.findall(r'<tr class="diff"><td class="key">([^<]*)</td>', html)
    assert "learning_rate" in diff_rows and "beta" not in diff_rows
    assert "model_path" not in diff_rows
    assert diff_rows.count("learning_rate") == 1 and len(diff_rows) == 1


def test_compare_accepts_a_folder_of_runs_and_reports_bad_input(
    make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run("a")
    make_run("b")
    assert main(["compare", "outputs"]) == 0
    assert "(2 runs" in capsys.readouterr().out
    assert (tmp_path / "comparison_report.html").is_file()
    for bad in (["nothing/*.json"], ["missing"], [str(tmp_path / "empty")]):
        (tmp_path / "empty").mkdir(exist_ok=True)
        assert main(["compare", *bad, "-o", "bad.html"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("trainlog: error:") and err.count("\n") == 1
        assert not (tmp_path / "bad.html").exists()


def test_compare_glob_skips_folders_without_runs(
    make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run("a")
    make_run("b")
    (tmp_path / "outputs" / "tiny" / "model").mkdir(parents=True)  # not a run
    assert main(["compare", "outputs/*", "-o", "cmp.html"]) == 0
    captured = capsys.readouterr()
    assert "(2 runs" in captured.out
    assert captured.err.strip() == "trainlog: skipped outputs/tiny: no training log under it"
    assert (tmp_path / "cmp.html").is_file()


def test_stats_renderer_prints_and_saves(
    make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run("a", "dpo")
    assert main(["render", "--log", str(run), "--plugins", "stats", "--output", "s"]) == 0
    printed = capsys.readouterr().out
    assert "train accuracy (train_history/accuracy)" in printed
    assert "val_accuracy" in printed and "best checkpoint" in printed
    assert (tmp_path / "s" / "stats.txt").read_text() == printed


def test_hostile_log_is_escaped_everywhere(
    evil_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(evil_run), "-o", "evil.html"]) == 0
    html = (tmp_path / "evil.html").read_text()
    # exactly our three script elements, and no tag from the log survives as markup
    assert len(re.findall(r"<script\b", html, re.I)) == 3
    assert html.count("</script>") == 3
    for raw in (EVIL_IMG, EVIL_METRIC, "<svg onload", "<b>bold</b>", "<!--"):
        assert raw not in html, raw
    assert "&lt;img src=x onerror=&quot;window.__xss = 2&quot;&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;" in html
    data = data_block(html)  # the JSON block still round-trips to the original strings
    assert data["runs"][0]["config"]["model_path"] == EVIL_SCRIPT
    assert "train_history/" + EVIL_METRIC in data["runs"][0]["series"]


def test_embed_json_cannot_close_the_script_element() -> None:
    text = embed_json({"a": "</script><!-- & -->", "</b>": 1})
    assert "</" not in text and "<!--" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & -->", "</b>": 1}


def test_watch_once_prints_summary_and_sparklines(
    make_run: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run("a")
    assert main(["watch", str(run), "--once"]) == 0
    out = capsys.readouterr().out
    assert "Training Summary" in out and "Sparklines" in out
    assert re.search(r"loss\s+[▁▂▃▄▅▆▇█]{20,}", out)
    assert "\x1b[2J" not in out  # --once draws one frame, no screen clearing
    make_run("b", "lora")
    assert main(["watch", "outputs", "--once"]) == 0
    several = capsys.readouterr().out
    assert "a  [grpo, completed, step 300]" in several and "b  [lora" in several
    assert main(["watch", "nowhere", "--once"]) == 2


def test_watch_is_live_while_the_run_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import trainlog

    run = trainlog.init("lora", tmp_path / "live", json_interval=3600)
    run.emit("train", 1, loss=2.0, learning_rate=1e-4)
    run.flush()
    assert main(["watch", str(tmp_path / "live"), "--once"]) == 0
    assert "2" in capsys.readouterr().out
    run.emit("train", 2, loss=0.4321, learning_rate=1e-4)
    run.flush()
    assert main(["watch", str(tmp_path / "live"), "--once"]) == 0
    assert "0.4321" in capsys.readouterr().out
    run.finish()
