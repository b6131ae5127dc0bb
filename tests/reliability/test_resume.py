"""Resume: no step duplicated or missing in JSON, CSV and TensorBoard, however often a run
is resumed, after a clean stop or a kill -9, before, at or beyond its last step."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

import trainlog
from tests.conftest import read_json_strict
from tests.reliability.kill_harness import run_trial, tensorboard_steps

SINKS = ["json", "csv", "tensorboard"]


def _session(out: Path, resume: int | None, steps: range, status: str = "interrupted") -> None:
    run = trainlog.init("lora", out, sinks=SINKS, resume_from_step=resume, overwrite=not resume)
    for step in steps:
        run.emit("train", step, loss=1.0 / step, learning_rate=1e-4, marker=steps.start)
        if step % 10 == 0:
            run.emit("eval", step, eval_loss=2.0 / step)
        if step % 25 == 0:
            run.emit("checkpoint", step, path=f"ckpt-{step}")
    assert run.finish(status).ok


def _steps_everywhere(out: Path) -> dict[str, list[int]]:
    log = read_json_strict(out / "training_log.json")
    with open(out / "train_history.csv", newline="", encoding="utf-8") as handle:
        csv_steps = [int(row["step"]) for row in csv.DictReader(handle)]
    with open(out / "val_history.csv", newline="", encoding="utf-8") as handle:
        csv_val = [int(row["step"]) for row in csv.DictReader(handle)]
    return {
        "json": [e["step"] for e in log["train_history"]],
        "json_val": [e["step"] for e in log["val_history"]],
        "csv": csv_steps,
        "csv_val": csv_val,
        "tensorboard": tensorboard_steps(out),
        "tensorboard_val": tensorboard_steps(out, "eval/eval_loss"),
    }


def _assert_steps(out: Path, train: list[int]) -> None:
    val = [s for s in train if s % 10 == 0]
    for where, steps in _steps_everywhere(out).items():
        assert steps == (val if where.endswith("_val") else train), where


def test_several_resumes_leave_each_step_once_everywhere(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _session(out, None, range(1, 31))
    _session(out, 20, range(21, 51))  # back before the last step
    _session(out, 35, range(36, 61))
    _session(out, 60, range(61, 71))  # exactly at the last step
    _session(out, 70, range(71, 81), status="completed")
    _assert_steps(out, list(range(1, 81)))
    log = read_json_strict(out / "training_log.json")
    assert log["train_history"][40]["marker"] == 36  # step 41 comes from the third session
    assert log["status"] == "completed"
    assert [c["step"] for c in log["checkpoints"]] == [25, 50, 75]


def test_resume_beyond_the_last_step_keeps_everything(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _session(out, None, range(1, 21))
    _session(out, 50, range(51, 61), status="completed")
    _assert_steps(out, [*range(1, 21), *range(51, 61)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resume_after_kill_leaves_each_step_once(tmp_path: Path, seed: int) -> None:
    out = tmp_path / "run"
    rng = random.Random(seed)
    trial = run_trial(out, rng, None)
    while not trial.flushed:
        trial = run_trial(out, rng, None)
    trial = run_trial(out, rng, trial.flushed - 7)  # killed again, mid-resume or later
    resume = trial.flushed or rng.randrange(1, 20)
    _session(out, resume, range(resume + 1, resume + 31), status="completed")
    _assert_steps(out, list(range(1, resume + 31)))
