"""``writer="process"``: the same logs, written by a child process, surviving the trainer."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import trainlog
from tests.conftest import read_json_strict

SINKS = ["json", "csv", "tensorboard"]


def test_process_writer_matches_thread_writer(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    logs = {}
    for writer in ("thread", "process"):
        out = tmp_path / writer
        with trainlog.init(
            "grpo", out, sinks=SINKS, writer=writer, config={"batch_size": 2}
        ) as run:
            for step in range(1, 301):
                run.emit(
                    "train",
                    step,
                    loss=torch.tensor(1.0 / step),
                    reward=np.float32(step / 100),
                    kl=0.01,
                    learning_rate=1e-5,
                    epoch=step / 300,
                )
                if step % 100 == 0:
                    run.emit("eval", step, eval_reward=step / 50.0)
                    run.emit("checkpoint", step, path=f"ckpt-{step}")
        logs[writer] = read_json_strict(out / "training_log.json")
    for key in ("train_history", "val_history", "best_checkpoint", "checkpoints", "status"):
        assert logs["process"][key] == logs["thread"][key]
    assert logs["process"]["train_history"][0]["samples"] == 2
    accumulator = EventAccumulator(str(tmp_path / "process"))
    accumulator.Reload()
    assert [s.step for s in accumulator.Scalars("train/loss")] == list(range(1, 301))


def test_process_writer_resume(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with trainlog.init("lora", out, sinks=SINKS, writer="process") as run:
        for step in range(1, 11):
            run.emit("train", step, loss=1.0, learning_rate=0.1)
    with trainlog.init("lora", out, sinks=SINKS, writer="process", resume_from_step=5) as run:
        for step in range(6, 9):
            run.emit("train", step, loss=2.0, learning_rate=0.1)
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, 9))
    assert [e["loss"] for e in log["train_history"]][4:6] == [1.0, 2.0]


def test_trainer_killed_the_writer_process_finishes_the_log(tmp_path: Path) -> None:
    """SIGKILL of the training process: the child still writes a complete, final log."""
    out = tmp_path / "r"
    code = textwrap.dedent(
        f"""
        import sys, trainlog
        run = trainlog.init("lora", {str(out)!r}, sinks=["json", "csv"], writer="process")
        for step in range(1, 501):
            run.emit("train", step, loss=1.0 / step, learning_rate=0.1)
        run.flush()
        print("flushed", flush=True)
        sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "flushed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    # The writer process notices the closed pipe and finishes the run as interrupted.
    deadline = time.monotonic() + 30
    while read_json_strict(out / "training_log.json")["status"] != "interrupted":
        assert time.monotonic() < deadline, "the writer process did not finish the log"
        time.sleep(0.05)
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, 501))
    assert len((out / "train_history.csv").read_text().splitlines()) == 501


def test_unknown_writer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(trainlog.ConfigError, match="writer must be 'thread' or 'process'"):
        trainlog.init("lora", tmp_path, writer="fork")
