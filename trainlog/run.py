"""A run: the object trainers emit into. ``emit`` is the hot path; the rest is setup/teardown."""

from __future__ import annotations

import collections
import logging
import operator
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from trainlog.errors import ConfigError, RunExistsError, TrainlogError
from trainlog.journal import journal_dir
from trainlog.jsonio import to_jsonable
from trainlog.lock import DirectoryLock
from trainlog.logfile import LOG_FILE
from trainlog.markers import Marker
from trainlog.method import MethodSpec
from trainlog.pipeline import start_writer
from trainlog.process_writer import ProcessWriter
from trainlog.writer import Writer

logger = logging.getLogger("trainlog")
_now = time.time  # one global lookup on the hot path instead of a module attribute

CORE_OPTIONS = {
    "overwrite": False,
    "resume_from_step": None,
    "best_metric": None,
    "best_mode": None,
    "sink_timeout": 30.0,
    "max_queue": None,
    "json_interval": 5.0,
    "all_ranks": False,
    "fsync": False,
    "writer": "thread",
    "max_backlog_bytes": 512 << 20,
}
DEFAULT_MAX_QUEUE = {"thread": 8192, "process": 32768}
"""Events ``emit`` may queue before it waits. The thread writer's events stay in this
process until the sinks are done with them, so its bound is smaller; the process writer
ships them out within milliseconds, so a larger queue absorbs bursts at little cost."""
SINK_OPTIONS = {"tensorboard_dir", "csv_dir", "run_name"}


@dataclass
class FinishReport:
    """What ``finish`` returns: the final status and the sinks that failed, with reasons."""

    status: str
    output_dir: Path | None
    failed_sinks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed_sinks


class Run:
    """One training run writing into ``output_dir``. Also a context manager.

    Create it with ``trainlog.init``; it writes only on rank 0 unless ``all_ranks=True``.
    """

    def __init__(
        self,
        spec: MethodSpec,
        output_dir: Path,
        config: Mapping[str, Any] | None,
        sink_names: Sequence[str],
        options: Mapping[str, Any],
        sink_factories: Mapping[str, Any],
    ):
        self.method = spec
        self.output_dir = output_dir
        self.options = {**CORE_OPTIONS, **options}
        self.config = to_jsonable(dict(config or {}))
        self.sink_names = list(sink_names)
        self.status: str | None = None
        if self.options["writer"] not in ("thread", "process"):
            raise ConfigError(
                f"writer must be 'thread' or 'process', not {self.options['writer']!r}"
            )
        if self.options["max_queue"] is None:
            self.options["max_queue"] = DEFAULT_MAX_QUEUE[self.options["writer"]]
        self._max_queue = int(self.options["max_queue"])
        self._pending: collections.deque[Any] = collections.deque()
        self._append = self._pending.append
        self._kinds = spec.kinds
        self._finish_lock = threading.Lock()
        self._throttled = False
        resume = self.options["resume_from_step"]
        if resume is not None:
            resume = self.options["resume_from_step"] = operator.index(resume)
        self._lock = DirectoryLock(journal_dir(output_dir))
        self._prepare_directory(resume)
        try:
            self._writer = self._start(spec, sink_factories)
        except BaseException:
            self._lock.release()
            raise
        _register(self)

    # -- hot path -------------------------------------------------------------------------
    def emit(self, kind: str, step: int, /, **values: Any) -> None:
        """Record ``values`` for ``kind`` (train, eval, checkpoint) at ``step``.

        Cheap: checks, stamps and queues. Values are read (tensors included) on the writer
        thread, so a CUDA tensor costs the caller no device sync.
        """
        if kind not in self._kinds:
            self._bad_kind(kind)
        if type(step) is not int or step < 0:
            step = _check_step(step)
        if len(self._pending) >= self._max_queue:
            self._wait_for_room()
        self._append((kind, step, values, _now()))

    # -- control --------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> None:
        """Return once everything emitted so far is written by every live sink."""
        if self.status is not None:
            return
        marker = Marker("flush")
        self._pending.append(marker)
        self._writer.wake.set()
        marker.done.wait(timeout)

    def finish(self, status: str = "completed") -> FinishReport:
        """Drain the queue, close every sink, release the directory; safe to call twice."""
        with self._finish_lock:
            if self.status is not None:
                return FinishReport(self.status, self.output_dir, self._writer.failures)
            self.status = status
            self._kinds = frozenset()
            marker = Marker("finish", status)
            self._pending.append(marker)
            self._writer.wake.set()
            marker.done.wait()
            self._lock.release()
            _unregister(self)
            report = FinishReport(status, self.output_dir, self._writer.failures)
            if report.failed_sinks:
                failed = "; ".join(f"{k}: {v}" for k, v in report.failed_sinks.items())
                logger.warning(
                    "trainlog: run in %s finished with failed sinks: %s", self.output_dir, failed
                )
            return report

    @property
    def failed_sinks(self) -> dict[str, str]:
        return self._writer.failures

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exit_status(exc))

    # -- setup ----------------------------------------------------------------------------
    def _prepare_directory(self, resume: int | None) -> None:
        existing = (self.output_dir / LOG_FILE).exists() or (
            journal_dir(self.output_dir) / "run.json"
        ).exists()
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(self.output_dir)
        if existing and resume is None and not self.options["overwrite"]:
            self._lock.release()
            raise RunExistsError(
                f"{self.output_dir} already holds a training log ({LOG_FILE}); pass "
                "overwrite=True to replace it, or resume_from_step=S to continue after step S"
            )
        if resume is None:
            for name in (LOG_FILE,):
                (self.output_dir / name).unlink(missing_ok=True)
            for stale in journal_dir(self.output_dir).glob("*.jsonl"):
                stale.unlink()

    def _start(self, spec: MethodSpec, factories: Mapping[str, Any]) -> Writer | ProcessWriter:
        if self.options["writer"] == "thread":
            return start_writer(
                spec,
                self.output_dir,
                self.config,
                self.sink_names,
                self.options,
                factories,
                self._pending,
            )
        setup = {
            "method": spec.name,
            "output_dir": str(self.output_dir),
            "config": self.config,
            "sinks": self.sink_names,
            "options": to_jsonable(self.options),
        }
        lock_fd = self._lock.fileno()
        writer = ProcessWriter(setup, self._pending, keep_fds=() if lock_fd is None else (lock_fd,))
        writer.start()
        return writer

    def _bad_kind(self, kind: str) -> None:
        if self.status is not None:
            raise TrainlogError(f"emit after finish: the run in {self.output_dir} is closed")
        known = ", ".join(sorted(self._kinds))
        raise ValueError(f"unknown event kind {kind!r} for method {self.method.name}; use {known}")

    def _wait_for_room(self) -> None:
        """Backpressure: the queue is full, so wait until the writer has taken half of it."""
        if not self._throttled:
            self._throttled = True
            logger.warning(
                "trainlog: %d events are queued (max_queue); emit waits for the sinks to catch "
                "up rather than drop anything (reported once)",
                self._max_queue,
            )
        self._writer.wake.set()
        while len(self._pending) > self._max_queue // 2:
            time.sleep(0.0005)


def _check_step(step: Any) -> int:
    try:
        value = operator.index(step)
    except TypeError:
        raise TypeError(f"step must be an int, got {type(step).__name__}") from None
    if value < 0:
        raise ValueError(f"step must be >= 0, got {value}")
    return value


def exit_status(exc: BaseException | None) -> str:
    """The status a run gets when its scope ends with ``exc`` (None: completed)."""
    if exc is None:
        return "completed"
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return "interrupted"
    return "failed"


class NullRun:
    """What ``init`` returns on a non-zero rank: the same interface, writing nothing."""

    def __init__(self, spec: MethodSpec, output_dir: Path):
        self.method = spec
        self.output_dir = output_dir
        self.status: str | None = None
        self.sink_names: list[str] = []

    def emit(self, kind: str, step: int, /, **values: Any) -> None:
        return None

    def flush(self, timeout: float | None = None) -> None:
        return None

    def finish(self, status: str = "completed") -> FinishReport:
        self.status = self.status or status
        return FinishReport(self.status, None)

    @property
    def failed_sinks(self) -> dict[str, str]:
        return {}

    def __enter__(self) -> NullRun:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.finish(exit_status(exc))


_open_runs: list[Run] = []
_atexit_registered = False


def _register(run: Run) -> None:
    global _atexit_registered
    _open_runs.append(run)
    if not _atexit_registered:
        import atexit

        atexit.register(_finish_open_runs)
        _atexit_registered = True


def _unregister(run: Run) -> None:
    if run in _open_runs:
        _open_runs.remove(run)


def _finish_open_runs() -> None:
    """At interpreter exit: finish runs left open, as failed after an uncaught exception."""
    status = exit_status(getattr(sys, "last_value", None))
    if status == "completed":
        status = "interrupted"
    for run in list(_open_runs):
        try:
            run.finish(status)
        except Exception as exc:  # pragma: no cover - last resort at exit
            logger.warning("trainlog: could not finish run in %s: %s", run.output_dir, exc)


def validate_options(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - set(CORE_OPTIONS) - SINK_OPTIONS)
    if unknown:
        known = ", ".join(sorted(set(CORE_OPTIONS) | SINK_OPTIONS))
        raise ConfigError(f"unknown init option {unknown[0]!r}; known options: {known}")
