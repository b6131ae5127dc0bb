"""Kill -9 trials shared by tests/reliability/test_kill.py and benchmarks/stress_kill.py.

A trial starts ``emitter.py`` (json + csv + tensorboard sinks, flushing every N steps and
printing each flushed step), SIGKILLs it at a random moment (during ``init`` too), then
checks what is on disk: ``training_log.json`` parses strictly, and the log rebuilt from the
journal, the CSV and TensorBoard hold every step flushed before the kill, none twice.
Trials chain in one directory: each resumes the killed run at a step it still holds.
"""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from trainlog.journal import read_journal
from trainlog.jsonio import loads_strict
from trainlog.recover import run_is_live

EMITTER = Path(__file__).with_name("emitter.py")
EVAL_EVERY = 10
CHECKPOINT_EVERY = 25


class TrialFailure(AssertionError):
    """What a trial found wrong, with the directory and the trial's story."""


@dataclass
class Trial:
    """One kill: where the run resumed, what it reported flushed, what was found after."""

    resume: int | None
    flushed: int | None = None
    """Last step the child reported flushed; None if killed before its first flush."""
    signal: int | None = None
    group: bool = False
    """Killed with its whole process group (else the trainer process alone)."""
    json_steps: int = 0
    recovered_steps: int = 0
    last_checkpoint: int = 0
    """The last checkpoint event the journal recovered (0 if none)."""
    flushed_events: int = 0
    recovered_events: int = 0
    lines: list[str] = field(default_factory=list)


def run_trial(
    out: Path,
    rng: random.Random,
    resume: int | None,
    max_delay: float = 0.3,
    init_window: float = 0.4,
    flush_every: int = 20,
    sinks: str = "json,csv,tensorboard",
) -> Trial:
    """Start the emitter, SIGKILL it after a random delay, return what it said it flushed."""
    command = [sys.executable, str(EMITTER), str(out), "--flush-every", str(flush_every)]
    command += ["--sinks", sinks]
    if resume is not None:
        command += ["--resume", str(resume)]
    trial = Trial(resume=resume)
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    started = threading.Event()
    running = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            trial.lines.append(line.strip())
            started.set()
            if line.startswith("flushed"):
                running.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not started.wait(30):
        child.kill()
        raise TrialFailure(f"emitter did not start: {child.communicate()[1][-2000:]}")
    # The random kill moment: a quarter of the trials inside ``init`` (opening, trimming the
    # journal on resume), the rest while emitting. Sleeping picks the moment; no I/O waits.
    if rng.random() < 0.25:
        time.sleep(rng.uniform(0.0, init_window))
    else:
        running.wait(30)
        time.sleep(rng.uniform(0.0, max_delay))
    trial.group = rng.random() < 0.5
    if trial.group:
        os.killpg(child.pid, signal.SIGKILL)  # the trainer and any writer process it started
    else:
        child.send_signal(signal.SIGKILL)  # the trainer alone
    child.wait(30)
    reader.join(30)  # the reader thread owns stdout; it ends at EOF
    child.stdout.close()
    assert child.stderr is not None
    stderr = child.stderr.read()
    child.stderr.close()
    wait_until_unlocked(out)
    trial.signal = -child.returncode if child.returncode < 0 else None
    if trial.signal != signal.SIGKILL:
        raise TrialFailure(f"emitter exited {child.returncode} before the kill: {stderr[-2000:]}")
    flushed = [int(line.split()[1]) for line in trial.lines if line.startswith("flushed ")]
    trial.flushed = max(flushed) if flushed else None
    return trial


def wait_until_unlocked(out: Path, timeout: float = 30.0) -> None:
    """Wait for every process of the killed run to be gone (a writer process may finish)."""
    deadline = time.monotonic() + timeout
    while run_is_live(out):
        if time.monotonic() > deadline:
            raise TrialFailure(f"{out} is still locked {timeout:g} s after the kill")
        time.sleep(0.01)


def _contiguous(steps: list[int], what: str, start: int = 1, every: int = 1) -> None:
    expected = list(range(start * every, (len(steps) + start) * every, every))
    if steps != expected:
        dups = sorted({s for s in steps if steps.count(s) > 1})
        raise TrialFailure(f"{what}: steps not {start * every}.. every {every} (dup {dups[:5]})")


def csv_complete_rows(path: Path) -> list[list[str]]:
    """Rows of a CSV, ignoring a last line torn by the kill; checks the table is rectangular."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if rows:
        width = len(rows[0])
        ragged = [i for i, row in enumerate(rows) if len(row) != width]
        if ragged:
            raise TrialFailure(f"{path.name}: rows {ragged[:5]} differ from the header's width")
    return rows


def tensorboard_steps(out: Path, tag: str = "train/loss") -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(out))
    accumulator.Reload()
    if tag not in accumulator.Tags().get("scalars", []):
        return []
    return [event.step for event in accumulator.Scalars(tag)]


def check_after_kill(out: Path, trial: Trial, must_hold: int, tensorboard: bool = True) -> None:
    """Everything on disk after the kill; ``must_hold``: steps 1..must_hold were flushed."""
    need = max(must_hold, trial.flushed or 0)
    log_path = out / "training_log.json"
    if log_path.exists() or need > 0:
        try:
            log = loads_strict(log_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise TrialFailure(f"training_log.json unreadable after the kill: {exc}") from exc
        steps = [entry["step"] for entry in log["train_history"]]
        _contiguous(steps, "training_log.json train_history")
        if trial.flushed is not None and len(steps) < trial.flushed:
            raise TrialFailure(f"training_log.json holds {len(steps)} < {trial.flushed} flushed")
        trial.json_steps = len(steps)
    contents = read_journal(out)
    if contents is None:
        if need:
            raise TrialFailure("no readable journal although steps were flushed")
        return
    train = [record["step"] for record in contents.histories["train_history"]]
    val = [record["step"] for record in contents.histories["val_history"]]
    _contiguous(train, "journal train_history")
    _contiguous(val, "journal val_history", every=EVAL_EVERY)
    if len(train) < need:
        raise TrialFailure(f"journal holds steps 1..{len(train)}, but 1..{need} were flushed")
    if len(train) < trial.json_steps and trial.flushed is not None:
        # (killed inside init, the JSON may still be the version from before the resume)
        raise TrialFailure("the journal holds less than training_log.json")
    leftovers = [p.name for p in out.glob(".*.tmp")]
    if trial.flushed is not None and len(leftovers) > 3:
        raise TrialFailure(f"temporary files pile up: {leftovers}")
    if len(val) < need // EVAL_EVERY:
        raise TrialFailure(f"journal holds {len(val)} evaluations, {need // EVAL_EVERY} flushed")
    trial.recovered_steps = len(train)
    checkpoints = [r["step"] for r in contents.events if r["kind"] == "checkpoint"]
    trial.last_checkpoint = max(checkpoints, default=0)
    trial.flushed_events = (trial.flushed or 0) + (trial.flushed or 0) // EVAL_EVERY
    trial.recovered_events = len(train) + len(val)
    for history in ("train_history", "val_history"):
        path = out / f"{history}.csv"
        if not path.exists():
            continue
        rows = csv_complete_rows(path)
        every = EVAL_EVERY if history == "val_history" else 1
        csv_steps = [int(row[0]) for row in rows[1:]]
        _contiguous(csv_steps, f"{history}.csv", every=every)
        if len(csv_steps) < (trial.flushed or 0) // every:
            raise TrialFailure(f"{history}.csv lacks flushed steps ({len(csv_steps)} rows)")
    if tensorboard:
        tb = tensorboard_steps(out)
        if len(set(tb)) != len(tb):
            raise TrialFailure("TensorBoard shows a step twice")
        if not set(range(1, (trial.flushed or 0) + 1)) <= set(tb):
            raise TrialFailure("TensorBoard lacks flushed steps")


def next_resume(rng: random.Random, trial: Trial) -> int:
    """Where a restarted trainer resumes: a checkpoint the journal recorded, or the last flush.

    Not the last train step recovered: a step's evaluation may not have been committed yet,
    and a trainer resuming after that step would never evaluate it again. A checkpoint is
    emitted after its step's evaluation, so a recovered checkpoint means a complete step.
    """
    flushed = trial.flushed or 0
    choices = [trial.last_checkpoint, flushed, flushed - flushed % CHECKPOINT_EVERY]
    return rng.choice(choices)


def run_chain(out: Path, rng: random.Random, trials: int, **kwargs: object) -> list[Trial]:
    """``trials`` kills in one directory, each resuming where the previous one left off."""
    results: list[Trial] = []
    resume: int | None = None
    for index in range(trials):
        trial = run_trial(out, rng, resume, **kwargs)  # type: ignore[arg-type]
        try:
            check_after_kill(out, trial, resume or 0)
        except TrialFailure as exc:
            story = f"trial {index} in {out} (resume={resume}, flushed={trial.flushed})"
            raise TrialFailure(f"{story}: {exc}") from None
        results.append(trial)
        resume = next_resume(rng, trial)
    return results
