"""Min/max-per-bucket downsampling: few points per series, every spike still visible.

Plain striding drops a one-step loss spike with high probability; keeping each bucket's
minimum and maximum (plus the first and last point) keeps the envelope a reader must see.
"""

from __future__ import annotations

import numpy as np

DEFAULT_BUCKETS = 600
"""Buckets per series: ≤ 1,202 points, plenty for a chart a few hundred pixels wide."""


def minmax_indices(values: np.ndarray, buckets: int = DEFAULT_BUCKETS) -> np.ndarray:
    """Sorted indices to keep: first, last, and the argmin and argmax of each bucket."""
    n = int(values.size)
    if n <= 2 * buckets + 2:
        return np.arange(n)
    size = -(-n // buckets)
    rows = -(-n // size)
    padded_low = np.full(rows * size, np.inf)
    padded_low[:n] = values
    padded_high = np.full(rows * size, -np.inf)
    padded_high[:n] = values
    offsets = np.arange(rows) * size
    lows = padded_low.reshape(rows, size).argmin(axis=1) + offsets
    highs = padded_high.reshape(rows, size).argmax(axis=1) + offsets
    keep = np.concatenate(([0, n - 1], lows, highs))
    return np.unique(keep)


def downsample(
    steps: np.ndarray, values: np.ndarray, buckets: int = DEFAULT_BUCKETS
) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` reduced to the min/max envelope of ``buckets`` equal-count buckets."""
    if values.size <= 2 * buckets + 2:
        return steps, values
    keep = minmax_indices(values, buckets)
    return steps[keep], values[keep]
