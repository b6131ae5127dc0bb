"""Shared pieces of the benchmarks: the workload, CPU/RSS readings, worker plumbing, tables.

Only public tools: ``time.perf_counter``, ``resource.getrusage`` and ``/proc``.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

EVAL_EVERY = 200
"""One evaluation (a dict of 3 values) every this many logged steps."""

_TICKS = os.sysconf("SC_CLK_TCK")


# -- the workload ------------------------------------------------------------------------
def drive(
    train: Callable[[int, dict], Any],
    evaluate: Callable[[int, dict], Any],
    steps: int,
    first: int = 1,
):
    """Positional style, ``log(step, dict)``: five scalars a step, an eval every 200 steps.

    Steps ``first`` to ``steps`` inclusive, so a run can be driven in segments.
    """
    for step in range(first, steps + 1):
        x = step * 1e-6
        train(
            step, {"loss": 2.0 - x, "reward": x, "kl": 0.01 + x, "learning_rate": 1e-5, "epoch": x}
        )
        if step % EVAL_EVERY == 0:
            evaluate(step, {"eval_loss": 1.0 - x, "eval_reward": x, "eval_kl": x})


def drive_emit(emit: Callable[..., Any], steps: int, every: int = EVAL_EVERY, first: int = 1):
    """The same workload through trainlog's signature, ``emit(kind, step, **values)``.

    Steps ``first`` to ``steps`` inclusive, so a run can be driven in segments.
    """
    for step in range(first, steps + 1):
        x = step * 1e-6
        emit("train", step, loss=2.0 - x, reward=x, kl=0.01 + x, learning_rate=1e-5, epoch=x)
        if step % every == 0:
            emit("eval", step, eval_loss=1.0 - x, eval_reward=x, eval_kl=x)


# -- process readings --------------------------------------------------------------------
def vmrss_mb(pid: int | str = "self") -> float:
    """Resident set size now, from ``/proc/<pid>/status`` (VmRSS), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as children:
                kids = [int(k) for k in children.read().split()]
        except OSError:
            continue
        for kid in kids:
            found.append(kid)
            found.extend(_descendants(kid))
    return found


def live_children_cpu() -> float:
    """CPU seconds (user+sys) used so far by this process's live descendants (/proc)."""
    total = 0
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICKS


class CpuMeter:
    """CPU used between ``start`` and ``stop``: this process (all threads) and its children.

    Children: reaped ones through ``RUSAGE_CHILDREN``, live ones through ``/proc``; what a
    child had already used when ``start`` ran (its start-up) is not counted.
    """

    def start(self) -> None:
        self._self = _rusage_cpu(resource.RUSAGE_SELF)
        self._reaped = _rusage_cpu(resource.RUSAGE_CHILDREN)
        self._live = live_children_cpu()

    def stop(self) -> tuple[float, float]:
        """(own CPU seconds, children's CPU seconds) since ``start``."""
        own = _rusage_cpu(resource.RUSAGE_SELF) - self._self
        reaped = _rusage_cpu(resource.RUSAGE_CHILDREN) - self._reaped
        return own, max(0.0, reaped + live_children_cpu() - self._live)


def _rusage_cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> tuple[float, float]:
    """(this process's peak RSS, the largest reaped child's peak RSS), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


# -- workers -----------------------------------------------------------------------------
def worker_env() -> dict[str, str]:
    """The environment for worker processes: no trainlog settings leaking in from outside."""
    env = dict(os.environ)
    for name in ("TRAINLOG_SINKS", "TRAINLOG_CONFIG", "TRAINLOG_PLUGINS"):
        env.pop(name, None)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_worker(script: str, args: Sequence[str], timeout: float = 900) -> dict[str, Any]:
    """Run ``script --worker ...`` in a fresh interpreter; its last stdout line is JSON."""
    proc = subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=worker_env(),
        cwd=os.path.dirname(os.path.abspath(script)),
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    result = json.loads(lines[-1])
    warnings = [line for line in proc.stderr.splitlines() if "warn" in line.lower()]
    if warnings:
        result.setdefault("stderr_warnings", warnings[:3])
    return result


def emit_result(result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


# -- formatting --------------------------------------------------------------------------
def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def num(value: float, digits: int | None = None) -> str:
    """A figure with a sensible number of digits (3 significant, at least)."""
    if value != value:  # NaN
        return "n/a"
    if digits is not None:
        return f"{value:,.{digits}f}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def spread(values: Sequence[float]) -> str:
    """``median (min–max)`` of repeated measurements."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return num(values[0])
    return f"{num(median(values))} ({num(min(values))}–{num(max(values))})"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of already sorted values (nearest rank)."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


# -- trainlog ----------------------------------------------------------------------------
class OptionMissing(Exception):
    """The installed trainlog has no such init option."""


def init_trainlog(out: str, sinks: Sequence[str], writer: str | None, **options: Any):
    """``trainlog.init("grpo", out, ...)``, passing ``writer=`` only when one is named.

    Returns ``(run, note)``. Without a ``writer`` option in this trainlog, ``"thread"``
    falls back to the default writer (the note says so) and other writers raise
    ``OptionMissing``.
    """
    import trainlog
    from trainlog.errors import ConfigError

    extra = {} if writer is None else {"writer": writer}
    try:
        return trainlog.init("grpo", out, sinks=list(sinks), overwrite=True, **options, **extra), ""
    except (ConfigError, TypeError) as exc:
        if "writer" not in str(exc):
            raise
        if writer != "thread":
            raise OptionMissing(f"this trainlog has no writer={writer!r} ({exc})") from None
    run = trainlog.init("grpo", out, sinks=list(sinks), overwrite=True, **options)
    return run, "no writer option in this trainlog: its default (thread) writer ran"


class WarningLog(logging.Handler):
    """Collects the warnings of the ``trainlog`` logger (e.g. the max_queue one)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> WarningLog:
        logging.getLogger("trainlog").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("trainlog").removeHandler(self)


def is_queue_warning(message: str) -> bool:
    """trainlog's once-only warning that emit had to wait for room in the queue."""
    return "max_queue" in message or "are queued" in message
