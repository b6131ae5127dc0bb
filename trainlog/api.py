"""The module-level facade: ``trainlog.init/emit/flush/finish`` act on the current run."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

from trainlog.errors import NoActiveRunError

if TYPE_CHECKING:
    from trainlog.run import FinishReport, NullRun, Run

_current: Run | NullRun | None = None
_lock = threading.Lock()


def init(
    method: str,
    output_dir: str | PathLike[str],
    config: Mapping[str, Any] | None = None,
    sinks: Sequence[str] | str | None = None,
    **options: Any,
) -> Run | NullRun:
    """Start a run of ``method`` (lora/qlora/sft, grpo, dpo or a plugin's) in ``output_dir``.

    ``sinks`` defaults to ``TRAINLOG_SINKS``, then the YAML settings file, then ``["json"]``.
    Options: ``overwrite``, ``resume_from_step``, ``best_metric``, ``best_mode``,
    ``sink_timeout``, ``max_queue``, ``json_interval``, ``all_ranks``, ``fsync``, ``writer``
    (``"thread"`` or ``"process"``), ``max_backlog_bytes``.
    """
    import logging
    from pathlib import Path

    from trainlog import settings
    from trainlog.distributed import process_rank
    from trainlog.plugins import load_plugins
    from trainlog.run import NullRun, Run, validate_options

    global _current
    sink_names, merged = settings.resolve(sinks, dict(options))
    validate_options(merged)
    registry = load_plugins()
    spec = registry.method(method)
    factories = {name: registry.sink(name) for name in sink_names}
    path = Path(output_dir)
    with _lock:
        previous = _current
    if previous is not None and previous.status is None:
        logging.getLogger("trainlog").warning(
            "trainlog: init while a run is open; finishing the run in %s", previous.output_dir
        )
        previous.finish()
    if process_rank() != 0 and not merged.get("all_ranks"):
        run: Run | NullRun = NullRun(spec, path)
    else:
        run = Run(spec, path, config, sink_names, merged, factories)
    with _lock:
        _current = run
    return run


def current_run() -> Run | NullRun:
    """The run that ``init`` started last; raises if there is none."""
    run = _current
    if run is None:
        raise NoActiveRunError("no trainlog run: call trainlog.init(method, output_dir) first")
    return run


def emit(kind: str, step: int, /, **values: Any) -> None:
    """Record ``values`` for ``kind`` at ``step`` in the current run (see ``Run.emit``)."""
    run = _current
    if run is None:
        raise NoActiveRunError("trainlog.emit before trainlog.init: call trainlog.init first")
    run.emit(kind, step, **values)


def flush(timeout: float | None = None) -> None:
    """Return once everything emitted so far to the current run is on disk."""
    current_run().flush(timeout)


def finish(status: str = "completed") -> FinishReport:
    """Finish the current run with ``status``; returns which sinks failed."""
    return current_run().finish(status)
