"""Per-metric statistics of a run (final, best, mean, std, min, max, trend), computed with numpy.

One module so that the HTML report, the comparison report and the text ``stats`` renderer
print the same numbers. Histories are lists of dicts; each metric becomes two float arrays
(steps, values) once, which keeps 20 runs of 100k steps well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal

import numpy as np

Direction = Literal["min", "max"]
TREND_FRACTION = 0.2
"""The trend is the least-squares slope over the last 20% of the run's steps."""
TREND_PER = 1000
"""Trend unit: change per 1,000 steps."""
NOT_METRICS = frozenset({"step", "epoch", "samples", "time", "timestamp", "wall_time"})
_LOWER_IS_BETTER = ("loss", "kl", "perplexity", "ppl", "error", "err", "wer", "cer")
_NO_BEST = ("lr", "learning_rate")


@dataclass(frozen=True)
class MetricStats:
    """Summary of one metric of one run; ``best``/``best_step`` are None when no direction."""

    count: int
    final: float
    best: float | None
    best_step: float | None
    mean: float
    std: float
    min: float
    max: float
    trend: float | None
    """Least-squares slope per ``TREND_PER`` steps over the last ``TREND_FRACTION`` of steps."""
    last_step: float

    def as_dict(self) -> dict[str, Any]:
        return {k: _finite_or_none(v) for k, v in self.__dict__.items()}


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def column(entries: Sequence[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` as float arrays, keeping only entries where both are finite numbers.

    Non-numeric values (null, strings) are dropped rather than failing the whole report.
    """
    return columns(entries, [key])[key]


def columns(
    entries: Sequence[dict[str, Any]], keys: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``column(entries, key)`` for each of ``keys``, in one pass over ``entries``.

    Entries without a ``step`` anywhere are ordered by their index instead.

    A lazily read history is parsed a chunk at a time and its entries are not kept: for a
    report of many long runs this is the difference between reusing a few megabytes and
    allocating (and page-faulting) a hundred per history.
    """
    from trainlog.history import History

    chunks = entries.chunks() if isinstance(entries, History) else [entries]
    names = list(dict.fromkeys(["step", *keys]))
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for chunk in chunks:
        for name in names:
            # map(dict.get, ...) is a C-level pass: about twice a comprehension's speed
            parts[name].append(_floats(list(map(dict.get, chunk, repeat(name)))))
    joined = {name: np.concatenate(got) if got else np.empty(0) for name, got in parts.items()}
    steps = _steps_or_index(joined["step"])
    return {key: _finite_pairs(steps, joined[key]) for key in keys}


def _floats(raw: list[Any]) -> np.ndarray:
    """``raw`` as a float array; anything but a number (null, a string, a list) becomes NaN."""
    try:
        values = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.array([_as_float(v) for v in raw], dtype=np.float64)
    if values.ndim != 1:
        values = np.array([_as_float(v) for v in raw], dtype=np.float64)
    return values


def _steps_or_index(steps: np.ndarray) -> np.ndarray:
    """A log without steps still has an order: the entry index stands in for the step."""
    if steps.size and not np.isfinite(steps).any():
        return np.arange(steps.size, dtype=np.float64)
    return steps


def _finite_pairs(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(values) & np.isfinite(steps)
    if keep.all():
        return steps, values
    return steps[keep], values[keep]


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def direction(metric: str, best_metric: str | None = None, best_mode: str | None = None) -> Any:
    """Which way is better for ``metric``: the method's rule for its best metric, else by name.

    Losses, KL and error rates are minimised; learning rates have no best; anything else
    (rewards, accuracies, margins) is maximised.
    """
    if best_metric and metric == best_metric and best_mode in ("min", "max"):
        return best_mode
    name = metric.lower()
    if name in _NO_BEST or name.endswith("_lr"):
        return None
    tokens = name.replace("/", "_").split("_")
    if any(token in _LOWER_IS_BETTER for token in tokens):
        return "min"
    return "max"


def trend(steps: np.ndarray, values: np.ndarray, fraction: float = TREND_FRACTION) -> float | None:
    """Least-squares slope per ``TREND_PER`` steps over the last ``fraction`` of the step range."""
    if values.size < 2:
        return None
    first, last = steps[0], steps[-1]
    start = last - fraction * (last - first)
    window = steps >= start
    if int(window.sum()) < 2:
        window = np.zeros(steps.size, dtype=bool)
        window[-2:] = True
    x = steps[window]
    y = values[window]
    dx = x - x.mean()
    denominator = float(np.dot(dx, dx))
    if denominator == 0.0:
        return None
    return float(np.dot(dx, y - y.mean()) / denominator) * TREND_PER


def metric_stats(steps: np.ndarray, values: np.ndarray, better: Any = None) -> MetricStats | None:
    """Statistics of one series; None when it holds no finite value."""
    if values.size == 0:
        return None
    if better == "min":
        index = int(np.argmin(values))
    elif better == "max":
        index = int(np.argmax(values))
    else:
        index = -1
    mean, std = float(values.mean()), float(values.std())
    return MetricStats(
        count=int(values.size),
        final=float(values[-1]),
        best=float(values[index]) if index >= 0 else None,
        best_step=float(steps[index]) if index >= 0 else None,
        mean=mean,
        std=std if std > 1e-12 * max(abs(mean), 1e-300) else 0.0,
        min=float(values.min()),
        max=float(values.max()),
        trend=trend(steps, values),
        last_step=float(steps[-1]),
    )


def format_number(value: float | None) -> str:
    """Compact, aligned-friendly text for a statistic (``—`` for missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.3e}"
    if float(value).is_integer() and magnitude < 1e5:
        return str(int(value))
    return f"{value:.4g}" if magnitude < 1 else f"{value:.5g}"
