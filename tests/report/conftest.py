"""Fixtures for report tests: runs written through trainlog's API, a hostile log, Chromium."""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _chromium import Browser, chromium_path

import trainlog

EVIL_SCRIPT = "</script><script>window.__xss = 1</script>"
EVIL_IMG = '<img src=x onerror="window.__xss = 2">'
EVIL_METRIC = "<img src=x onerror=window.__xss=3>"
EVIL_METHOD = "<svg onload=window.__xss=4>"
EVIL_COMMENT = "<!--<script>window.__xss=5</script>-->"


def write_run(
    root: Path,
    name: str,
    method: str = "grpo",
    steps: int = 300,
    config: dict[str, Any] | None = None,
    seed: int = 0,
) -> Path:
    """A finished run of ``method`` with train, eval and checkpoint events."""
    out = root / name
    run = trainlog.init(method, out, config=config or {"learning_rate": 1e-5, "seed": seed})
    for step in range(10, steps + 1, 10):
        noise = math.sin(step * 0.37 + seed) * 0.05
        values: dict[str, Any] = {"loss": 1.5 * math.exp(-step / 400) + 0.2 + noise}
        if method == "grpo":
            values.update(reward=1 + step / 300 + noise, kl=0.01 + step / 1e4, learning_rate=1e-5)
        elif method == "dpo":
            values.update({"rewards/accuracies": 0.5 + step / 1000, "rewards/margins": step / 200})
        else:
            values["learning_rate"] = 2e-4
        run.emit("train", step, **values)
        if step % 100 == 0:
            if method == "grpo":
                run.emit("eval", step, eval_reward=1 + step / 250)
            elif method == "dpo":
                run.emit("eval", step, eval_loss=0.5, **{"eval_rewards/accuracies": step / 500})
            else:
                run.emit("eval", step, eval_loss=1.2 * math.exp(-step / 400))
            run.emit("checkpoint", step, path=f"{out}/checkpoint-{step}")
    run.finish()
    return out


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, method: str = "grpo", **kwargs: Any) -> Path:
        return write_run(tmp_path / "outputs", name, method, **kwargs)

    return make


@pytest.fixture
def evil_run(tmp_path: Path) -> Path:
    """A hand-written log whose every log-supplied string tries to inject markup or script."""
    out = tmp_path / "outputs" / "run<b>bold</b>"
    out.mkdir(parents=True)
    log = {
        "method": EVIL_METHOD,
        "config": {
            "model_path": EVIL_SCRIPT,
            EVIL_IMG: EVIL_COMMENT,
            "nested": {"x": "</SCRIPT ><script>window.__xss=6</script>"},
        },
        "train_history": [{"step": s, EVIL_METRIC: 1.0 / s, "loss": 2.0 / s} for s in range(1, 60)],
        "val_history": [{"step": 50, "val_" + EVIL_METRIC: 0.5}],
        "best_checkpoint": {"step": 50, "val_" + EVIL_METRIC: 0.5, "path": EVIL_IMG},
    }
    (out / "training_log.json").write_text(json.dumps(log), encoding="utf-8")
    return out


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    binary = chromium_path()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    instance = Browser(tmp_path / "chromium-profile", binary)
    instance.call(
        "Emulation.setDeviceMetricsOverride",
        width=1400,
        height=1000,
        deviceScaleFactor=1,
        mobile=False,
    )
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[Browser, str], Path]:
    """Screenshot helper; copies to $TRAINLOG_SCREENSHOTS when set, to look at them."""

    def take(browser: Browser, name: str) -> Path:
        path = browser.screenshot(tmp_path / f"{name}.png")
        keep = os.environ.get("TRAINLOG_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        assert path.stat().st_size > 10_000  # a blank page compresses to almost nothing
        return path

    return take
