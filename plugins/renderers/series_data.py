"""Numbers behind a curve: columns out of a history, min/max downsampling, EMA smoothing.

Kept apart from matplotlib so it can be tested (and timed) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from trainlog.report.downsample import downsample
from trainlog.stats import columns as stats_columns

MAX_POINTS = 4000
"""A series longer than this is drawn from min/max buckets (2 points per bucket)."""
NOISE_RATIO = 0.5
"""Noisy: the median second difference is at least this share of the median first one
(about 1.7 for white noise, near 0 for a smooth schedule or a clean decay)."""
EMPTY = (np.empty(0), np.empty(0))
SMOOTH_POINTS = 30
"""The EMA spans about 1/SMOOTH_POINTS of the series (at least 5 points)."""


def columns(
    history: Sequence[dict[str, Any]], keys: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``column(history, key)`` for each of ``keys``, in one (chunked) pass over the history."""
    return {key: in_step_order(x, y) for key, (x, y) in stats_columns(history, keys).items()}


def column(history: Sequence[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` of the entries that hold a finite number under ``key``, in step
    order (a resumed or merged log may hold steps out of order; a line must not go back)."""
    return columns(history, [key])[key]


def in_step_order(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) > 1 and (np.diff(x) < 0).any():
        order = np.argsort(x, kind="stable")
        return x[order], y[order]
    return x, y


def minmax_downsample(
    x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points keeping each bucket's min and max, in step order.

    A single spike in a million points survives (unlike striding or averaging), so the
    picture shows the same envelope as the raw series. Shared with the HTML reports.
    """
    return downsample(x, y, buckets=max(1, max_points // 2 - 1))


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
