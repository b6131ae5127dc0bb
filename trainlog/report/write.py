"""From parsed logs to a report file, written atomically (never a half-written report).

Preparing a run (parsing its history, statistics, downsampling) is CPU-bound and
independent per run, so many large runs are prepared in forked worker processes: the
children inherit the already-read logs, and only the small prepared data comes back.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.reader import RunLog
from trainlog.report.model import assemble, prepare_run
from trainlog.report.page import build_report

PARALLEL_MIN_ENTRIES = 200_000
"""Below this many history entries in total, workers cost more than they save."""
_shared: Sequence[RunLog] = ()


def _prepare_index(index: int) -> dict[str, Any]:
    return prepare_run(_shared[index])


def _workers(count: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, count, 16))


def prepare_all(logs: Sequence[RunLog]) -> list[dict[str, Any]]:
    """``prepare_run`` for each log, in parallel when the logs are many and large."""
    global _shared
    total = sum(len(log.train_history) + len(log.val_history) for log in logs)
    workers = _workers(len(logs))
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or total < PARALLEL_MIN_ENTRIES or not can_fork:
        return [prepare_run(log) for log in logs]
    from trainlog.plugins import load_plugins

    load_plugins()  # once in the parent: the children inherit the registry
    _shared = logs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_prepare_index, range(len(logs)), chunksize=1)
    finally:
        _shared = ()


def report_html(logs: Sequence[RunLog], title: str) -> str:
    """The self-contained HTML report of ``logs`` (one run or a comparison)."""
    return build_report(assemble(prepare_all(logs), title))


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
