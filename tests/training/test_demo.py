"""The README's main job, ``python -m training.demo``, as a subprocess from start to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_trains_every_method_through_every_sink_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "training.demo", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for method in ("lora", "grpo", "dpo"):
        run = out / method
        log = json.loads((run / "training_log.json").read_text())
        assert log["status"] == "completed" and log["method"] == method
        assert log["train_history"] and log["val_history"]
        assert (run / "train_history.csv").is_file() and (run / "val_history.csv").is_file()
        assert list(run.glob("events.out.tfevents.*"))
        assert (run / "best").is_dir() and (run / "final").is_dir()
        report = run / "report"
        assert (report / "summary.txt").is_file() and list(report.glob("*.png"))
        assert f"{method} (" in result.stdout

    # The warmed-up model gives GRPO rewards that differ within a group, hence gradients.
    grpo = json.loads((out / "grpo" / "training_log.json").read_text())["train_history"]
    assert max(entry["reward"] for entry in grpo) > 0
    assert max(entry["reward_std"] for entry in grpo) > 0
    assert max(entry["grad_norm"] for entry in grpo) > 0.01
