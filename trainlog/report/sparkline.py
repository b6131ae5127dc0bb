"""Unicode sparklines for the terminal (``trainlog watch``)."""

from __future__ import annotations

import numpy as np

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: np.ndarray, width: int = 40) -> str:
    """``values`` as at most ``width`` bars, each the mean of an equal share of the points."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ""
    if finite.size > width:
        edges = np.linspace(0, finite.size, width + 1).astype(int)
        finite = np.add.reduceat(finite, edges[:-1]) / np.diff(edges)
    low, high = float(finite.min()), float(finite.max())
    if high - low <= 1e-12 * max(abs(high), abs(low), 1e-300):
        return BARS[3] * finite.size
    levels = np.round((finite - low) / (high - low) * (len(BARS) - 1)).astype(int)
    return "".join(BARS[i] for i in levels)
