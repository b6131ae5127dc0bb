"""Readers during a run never see invalid JSON; a crashed run's lock does not stay stuck."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trainlog
from tests.conftest import read_json_strict

READER = textwrap.dedent(
    """
    import json, os, sys
    path, stop = sys.argv[1], sys.argv[2]
    def reject(name):
        raise ValueError(name)
    reads = invalid = 0
    lengths = set()
    print("ready", flush=True)
    while not os.path.exists(stop):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        reads += 1
        try:
            log = json.loads(data, parse_constant=reject)
            lengths.add(len(log["train_history"]))
        except ValueError as exc:
            invalid += 1
            print("INVALID", repr(exc)[:200], flush=True)
    print(json.dumps({"reads": reads, "invalid": invalid, "versions": len(lengths)}), flush=True)
    """
)


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_reader_in_a_tight_loop_never_sees_invalid_json(tmp_path: Path, writer: str) -> None:
    out = tmp_path / "run"
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(out / "training_log.json"), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
    try:
        run = trainlog.init(
            "lora", out, sinks=["json", "csv", "tensorboard"], json_interval=0.0, writer=writer
        )
        for step in range(1, 3001):
            run.emit("train", step, loss=float("nan") if step % 97 == 0 else 1.0 / step)
            if step % 2 == 0:
                run.emit("eval", step, eval_loss=1.0 / step)  # every eval rewrites the JSON
            if step % 100 == 0:
                run.emit("checkpoint", step, path=f"ckpt-{step}")
                run.flush()
        assert run.finish().ok
    finally:
        stop.touch()
        output = reader.communicate(timeout=60)[0]
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["invalid"] == 0, output
    assert summary["reads"] > 20 and summary["versions"] > 5, summary
    assert len(read_json_strict(out / "training_log.json")["train_history"]) == 3000


HOLDER = textwrap.dedent(
    """
    import sys, trainlog
    run = trainlog.init("lora", sys.argv[1], sinks=["json", "csv"], writer=sys.argv[2])
    run.emit("train", 1, loss=1.0)
    run.flush()
    print("ready", flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_a_killed_run_does_not_leave_its_directory_locked(tmp_path: Path, writer: str) -> None:
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), writer],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        with pytest.raises(trainlog.RunLockedError, match="in use by a live run"):
            trainlog.init("lora", out, resume_from_step=1)
        repair = subprocess.run(
            [sys.executable, "-m", "trainlog", "repair", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert repair.returncode == 2 and "in use by a live run" in repair.stderr
        assert len(repair.stderr.strip().splitlines()) == 1
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # the trainer and its writer process, if any
        holder.wait(30)
    from tests.reliability.kill_harness import wait_until_unlocked

    wait_until_unlocked(out)
    run = trainlog.init("lora", out, sinks=["json", "csv"], resume_from_step=1)
    run.emit("train", 2, loss=0.5)
    assert run.finish().ok
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == [1, 2]
