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
from trainlog.journal import entry_line, iter_lines, read_journal
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
    """Commit train entries to the journal as the writer would (JSON not rewritten since).

    Every file is first cut at the last commit, as if the kill had come right after it.
    """
    contents = read_journal(out)
    assert contents is not None
    for name, length in contents.lengths.items():
        os.truncate(out / ".trainlog" / f"{name}.jsonl", length)
    last = contents.histories["train_history"][-1]["step"]
    path = out / ".trainlog" / "train_history.jsonl"
    with open(path, "ab") as journal:
        for step in range(last + 1, last + 1 + extra):
            journal.write(entry_line(dumps_compact({"step": step, "loss": 0.5})).encode())
    lengths = {**contents.lengths, "train_history": path.stat().st_size}
    (out / ".trainlog" / "commit.json").write_text(dumps_compact({"lengths": lengths}))
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
    assert "dropped 1 torn or uncommitted line" in result.stdout and "interrupted" in result.stdout
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


KILLED_BETWEEN_FLUSHES = """
import os, signal, sys
import trainlog
from trainlog.journal import Journal

real_append, real_commit = Journal.append_entry, Journal.commit

def append_entry(self, history, entry_json):
    real_append(self, history, entry_json)
    if history == "train_history" and entry_json.startswith('{"step": 130,'):
        self.die_at_commit = True

def commit(self):
    if getattr(self, "die_at_commit", False):
        # killed between two flushes: train_history reaches the OS, val_history does not
        self._files["train_history"].flush()
        os.kill(os.getpid(), signal.SIGKILL)
    real_commit(self)

Journal.append_entry, Journal.commit = append_entry, commit
run = trainlog.init("lora", sys.argv[1], sinks=["json", "csv"], overwrite=True)
for step in range(1, 131):
    run.emit("train", step, loss=1 / step)
    if step % 10 == 0:
        run.emit("eval", step, eval_loss=2 / step)
    if step == 100:
        run.flush()
run.flush()
"""


def test_a_kill_between_two_journal_flushes_recovers_one_consistent_commit(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BETWEEN_FLUSHES, str(out)], capture_output=True, timeout=60
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    journal = out / ".trainlog"
    on_disk = [r["step"] for _, r in iter_lines(journal / "train_history.jsonl")]
    evals_on_disk = [r["step"] for _, r in iter_lines(journal / "val_history.jsonl")]
    assert on_disk[-1] == 130 and 130 not in evals_on_disk  # the torn state happened

    contents = read_journal(out)
    assert contents is not None
    train = [r["step"] for r in contents.histories["train_history"]]
    val = [r["step"] for r in contents.histories["val_history"]]
    assert 100 <= train[-1] < 130  # flushed steps kept, the uncommitted tail dropped
    assert val == list(range(10, train[-1] + 1, 10))  # every evaluation of the steps kept

    # A trainer resuming after the last step recovered leaves no evaluation missing.
    with trainlog.init("lora", out, sinks=["json", "csv"], resume_from_step=train[-1]) as run:
        for step in range(train[-1] + 1, 141):
            run.emit("train", step, loss=1 / step)
            if step % 10 == 0:
                run.emit("eval", step, eval_loss=2 / step)
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, 141))
    assert [e["step"] for e in log["val_history"]] == list(range(10, 141, 10))
