"""The JSON log sink: keeps ``training_log.json`` (the user's contract) current.

The writer thread has already journaled every event; this sink composes the file from the
journal. When it rewrites (after evaluations and checkpoints, every ``json_interval``
seconds otherwise, on ``flush`` and at the end) is bounded so that rewriting stays a small
share of the run's I/O however long the log grows; see ``RewritePolicy``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trainlog import _version
from trainlog.events import BEST, CHECKPOINT, EVAL, Event
from trainlog.hookspecs import hookimpl
from trainlog.journal import EVENTS_FILE, iter_lines, journal_dir
from trainlog.logfile import LogState, compose
from trainlog.sink import RunContext, Sink

_STATE_KINDS = frozenset({BEST, CHECKPOINT, "nonfinite", "status"})


@dataclass
class RewritePolicy:
    """Decides whether a rewrite is due.

    Small files (under ``small_bytes``) are rewritten after every evaluation and every
    ``interval`` seconds. Once the file is large, a rewrite also needs the journal to have
    doubled since the last one, or ``stale_seconds`` (at least 20× the last rewrite's
    duration) to have passed: total bytes rewritten then stay within ~2-3× the final size.
    """

    interval: float = 5.0
    small_bytes: int = 1 << 20
    stale_seconds: float = 60.0
    last_time: float = 0.0
    last_size: int = 0
    last_journal: int = 0
    last_duration: float = 0.0

    def due(self, now: float, journal_bytes: int, after_eval: bool) -> bool:
        elapsed = now - self.last_time
        if not after_eval and elapsed < self.interval:
            return False
        if self.last_size < self.small_bytes:
            return True
        if journal_bytes >= 2 * max(self.last_journal, 1):
            return True
        return elapsed >= max(self.stale_seconds, 20 * self.last_duration)

    def wrote(self, started: float, size: int, journal_bytes: int) -> None:
        now = time.monotonic()
        self.last_time, self.last_size, self.last_journal = now, size, journal_bytes
        self.last_duration = now - started


class JsonLogSink(Sink):
    """Writes ``output_dir/training_log.json`` from the journal, whole and atomically."""

    name = "json"

    def open(self, run: RunContext) -> None:
        if run.journal is None:
            raise RuntimeError("the json sink needs the run's journal")
        self.run = run
        self.journal = run.journal
        self.histories = run.method.history_keys()
        self.state = LogState(
            method=run.method.name,
            config=dict(run.config),
            started_at=run.started_at,
            version=_version.__version__,
            best_metric=str(run.options.get("best_metric") or run.method.best_metric),
        )
        if run.resume_from_step is not None:
            for _, record in iter_lines(journal_dir(run.output_dir) / EVENTS_FILE):
                self.state.apply(record["kind"], record.get("step", 0), record.get("entry", {}))
            self.state.status = "running"
            self.state.finished_at = None
        self.policy = RewritePolicy(interval=float(run.options.get("json_interval", 5.0)))
        self.dirty = True
        self.bytes_written = 0
        self._compose()

    def write(self, events: Sequence[Event]) -> None:
        after_eval = False
        for event in events:
            if event.kind in _STATE_KINDS:
                self.state.apply(event.kind, event.step, event.entry)
                after_eval = after_eval or event.kind != "nonfinite"
            elif event.kind == EVAL:
                after_eval = True
        self.dirty = True
        if self.policy.due(time.monotonic(), self._journal_bytes(), after_eval):
            self._compose()

    def flush(self) -> None:
        if self.dirty:
            self._compose()

    def close(self, status: str) -> None:
        self.state.status = status
        if self.state.finished_at is None:
            self.state.finished_at = time.time()
        self._compose()

    def _journal_bytes(self) -> int:
        return sum(self.journal.committed.get(h, 0) for h in self.histories)

    def _compose(self) -> None:
        started = time.monotonic()
        offsets = dict(self.journal.committed)
        size = compose(
            self.run.output_dir,
            self.state,
            self.histories,
            offsets,
            self.run.method.final_section,
        )
        self.dirty = False
        self.policy.wrote(started, size, sum(offsets.get(h, 0) for h in self.histories))
        self.bytes_written += size


@hookimpl
def register_sinks(register: Any) -> None:
    register("json", JsonLogSink)
