"""Numbers behind a curve: columns out of a history, min/max downsampling, EMA smoothing.

Kept apart from matplotlib so it can be tested (and timed) on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_POINTS = 4000
"""A series longer than this is drawn from min/max buckets (2 points per bucket)."""
NOISE_RATIO = 0.5
"""Noisy: the median second difference is at least this share of the median first one
(about 1.7 for white noise, near 0 for a smooth schedule or a clean decay)."""
EMPTY = (np.empty(0), np.empty(0))
SMOOTH_POINTS = 30
"""The EMA spans about 1/SMOOTH_POINTS of the series (at least 5 points)."""


def keys_of(history: Sequence[dict[str, Any]]) -> set[str]:
    """Every key any entry holds. Entries share a handful of key layouts, so collecting the
    distinct layouts (a C-level pass) and merging those is far cheaper than a Python loop."""
    layouts = set(map(tuple, history))
    return set().union(*layouts)


def steps_of(history: Sequence[dict[str, Any]]) -> np.ndarray:
    """The ``step`` of every entry (NaN where missing); entry numbers when no entry has one."""
    x = _floats([e.get("step", math.nan) for e in history])
    return np.arange(len(x), dtype=float) if len(x) and np.isnan(x).all() else x


def column(
    history: Sequence[dict[str, Any]], key: str, steps: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` of the entries that hold a finite number under ``key``.

    ``steps`` is ``steps_of(history)`` when the caller already has it (one pass saved a key).
    """
    nan = math.nan
    y = _floats([e.get(key, nan) for e in history])
    x = steps_of(history) if steps is None else steps
    keep = np.isfinite(y) & np.isfinite(x)
    if not keep.all():
        x, y = x[keep], y[keep]
    if len(x) > 1 and (np.diff(x) < 0).any():
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    return x, y


def _floats(values: list[Any]) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return np.array([_float(v) for v in values], dtype=float)


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def minmax_downsample(
    x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points keeping each bucket's min and max, in step order.

    A single spike in a million points survives (unlike striding or averaging), so the
    picture shows the same envelope as the raw series.
    """
    n = len(y)
    if n <= max_points:
        return x, y
    buckets = max_points // 2
    size = -(-n // buckets)
    pad = size * buckets - n
    grid = np.concatenate([y, np.full(pad, y[-1])]).reshape(buckets, size)
    base = np.arange(buckets) * size
    lo, hi = base + grid.argmin(axis=1), base + grid.argmax(axis=1)
    index = np.minimum(np.stack([np.minimum(lo, hi), np.maximum(lo, hi)], axis=1).ravel(), n - 1)
    return x[index], y[index]


def bucket_means(
    x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each of at most ``max_points`` equal buckets (the input to smoothing)."""
    n = len(y)
    if n <= max_points:
        return x, y
    edges = np.linspace(0, n, max_points + 1).astype(np.int64)
    starts = edges[:-1]
    counts = np.diff(edges)
    return (
        np.add.reduceat(x, starts) / counts,
        np.add.reduceat(y, starts) / counts,
    )


def ema(y: np.ndarray, span: float) -> np.ndarray:
    """Exponential moving average, debiased at the start (as TensorBoard smooths)."""
    alpha = 2.0 / (span + 1.0)
    out = np.empty(len(y))
    weight = 1.0 - alpha
    mean = 0.0
    norm = 0.0
    for i, value in enumerate(y.tolist()):
        mean = weight * mean + alpha * value
        norm = weight * norm + alpha
        out[i] = mean / norm
    return out


def smoothed(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The EMA line drawn over a noisy series (computed on bucket means when it is long)."""
    bx, by = bucket_means(x, y)
    return bx, ema(by, max(5.0, len(by) / SMOOTH_POINTS))


def is_noisy(y: np.ndarray) -> bool:
    """True when the series jitters from step to step rather than following a smooth path."""
    if len(y) < 20:
        return False
    sample = y[:200_000]
    first = float(np.median(np.abs(np.diff(sample))))
    if first == 0:
        return False
    second = float(np.median(np.abs(np.diff(sample, n=2))))
    return second >= NOISE_RATIO * first
