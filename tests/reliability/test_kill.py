"""Kill -9 at random moments: the log parses, and the journal holds every flushed event."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import trainlog
from tests.conftest import read_json_strict
from tests.reliability.kill_harness import (
    Trial,
    check_after_kill,
    run_chain,
    run_trial,
    tensorboard_steps,
)
from trainlog.journal import entry_line, read_journal
from trainlog.jsonio import dumps_compact
from trainlog.reader import read_log

CHAINS = 5
TRIALS_PER_CHAIN = 4


@pytest.mark.parametrize("chain", range(CHAINS))
def test_sigkill_at_random_moments_loses_nothing_flushed(tmp_path: Path, chain: int) -> None:
    seed = int(os.environ.get("TRAINLOG_KILL_SEED", "0")) * 1000 + chain
    trials = run_chain(tmp_path / "run", random.Random(seed), TRIALS_PER_CHAIN)
    assert len(trials) == TRIALS_PER_CHAIN
    assert all(t.recovered_events >= t.flushed_events for t in trials)


def _killed_run(tmp_path: Path, seed: int = 7) -> tuple[Path, Trial]:
    """A run killed while emitting (after its first flush), with the journal checked."""
    out = tmp_path / "run"
    rng = random.Random(seed)
    for _ in range(5):
        trial = run_trial(out, rng, None)
        if trial.flushed:
            check_after_kill(out, trial, 0)
            return out, trial
    pytest.fail("the emitter was killed before its first flush five times")


def _journal_ahead(out: Path, extra: int = 5) -> int:
    """Append train entries to the journal as the writer would (JSON not rewritten since)."""
    contents = read_journal(out)
    assert contents is not None
    last = contents.histories["train_history"][-1]["step"]
    with open(out / ".trainlog" / "train_history.jsonl", "a", encoding="utf-8") as journal:
        for step in range(last + 1, last + 1 + extra):
            journal.write(entry_line(dumps_compact({"step": step, "loss": 0.5})))
    return last + extra


def test_repair_cli_rebuilds_the_log_and_says_what_it_recovered(tmp_path: Path) -> None:
    out, _ = _killed_run(tmp_path)
    last = _journal_ahead(out)
    with open(out / ".trainlog" / "train_history.jsonl", "a", encoding="utf-8") as journal:
        journal.write('    {"step": 99999999, "loss"')  # a line torn by the kill
    result = subprocess.run(
        [sys.executable, "-m", "trainlog", "repair", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{last} train_history entries" in result.stdout
    assert "dropped 1 torn line" in result.stdout and "interrupted" in result.stdout
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, last + 1))
    assert log["status"] == "interrupted"


def test_init_with_resume_recomposes_the_json_from_the_journal(tmp_path: Path) -> None:
    out, _ = _killed_run(tmp_path)
    last = _journal_ahead(out)
    (out / "training_log.json").write_bytes(b'{"train_history": [')  # and the JSON is lost
    run = trainlog.init("lora", out, sinks=["json", "csv", "tensorboard"], resume_from_step=last)
    run.flush()
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, last + 1))
    assert log["status"] == "running"
    run.emit("train", last + 1, loss=0.1)
    run.finish()
    assert len(read_json_strict(out / "training_log.json")["train_history"]) == last + 1
    assert tensorboard_steps(out) == list(range(1, last + 2))


def test_read_log_and_render_recover_a_killed_run(tmp_path: Path) -> None:
    out, _ = _killed_run(tmp_path)
    last = _journal_ahead(out)
    log = read_log(out)
    assert log.source == "journal" and "stopped without finishing" in log.note
    assert len(log.train_history) == last and log.status == "interrupted"
    result = subprocess.run(
        [sys.executable, "-m", "trainlog", "render", "--log", str(out), "--no-plot"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "rebuilt from the journal" in result.stderr
    assert "Traceback" not in result.stderr
