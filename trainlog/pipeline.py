"""Builds the writing side of a run — journal, normaliser, sink workers, writer thread.

Shared by both writer modes: in ``thread`` mode it runs inside the training process, in
``process`` mode inside the child started by ``trainlog.child``.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trainlog import _version
from trainlog.journal import Journal, header_record, read_journal
from trainlog.method import MethodSpec
from trainlog.normalize import Normalizer
from trainlog.sink import RunContext
from trainlog.sink_worker import SinkWorker
from trainlog.writer import Writer


def start_writer(
    spec: MethodSpec,
    output_dir: Path,
    config: dict[str, Any],
    sink_names: Sequence[str],
    options: Mapping[str, Any],
    factories: Mapping[str, Any],
    pending: collections.deque[Any],
) -> Writer:
    """Open the journal (truncating it on resume), restore the best checkpoint, start sinks."""
    resume = options.get("resume_from_step")
    started = time.time()
    previous = read_journal(output_dir) if resume is not None else None
    if previous is not None:
        started = float(previous.header.get("started_at", started))
    journal = Journal(output_dir, spec.history_keys())
    run = RunContext(
        output_dir=output_dir,
        method=spec,
        config=config,
        options=options,
        started_at=started,
        resume_from_step=resume,
        journal=journal,
    )
    writer: Writer | None = None

    def warn(key: str, why: str) -> None:
        if writer is not None:
            writer.warn_once(key, why)

    normalizer = Normalizer(
        spec,
        config,
        warn=warn,
        best_metric=options.get("best_metric"),
        best_mode=options.get("best_mode"),
    )
    header = header_record(
        spec.name,
        config,
        {"best_metric": normalizer.tracker.metric, "best_mode": normalizer.tracker.mode},
        spec.history_keys(),
        started,
        _version.__version__,
    )
    journal.open(header, resume)
    if resume is not None:
        _restore(normalizer, output_dir)
    timeout = float(options.get("sink_timeout", 30.0))
    workers = [SinkWorker(name, factories[name](), timeout) for name in sink_names]
    writer = Writer(run, normalizer, journal, workers, pending)
    writer.start()
    return writer


def _restore(normalizer: Normalizer, output_dir: Path) -> None:
    contents = read_journal(output_dir)
    if contents is None:
        return
    best = None
    checkpoints = []
    for record in contents.events:
        if record.get("kind") == "best":
            best = record.get("entry")
        elif record.get("kind") == "checkpoint":
            checkpoints.append(record.get("entry", {}))
    normalizer.restore(best, [c for c in checkpoints if "path" in c and "step" in c])
