"""The ``plots`` renderer: one ``<name>_curve.png`` per curve set the log's method declares.

matplotlib is imported here, inside the renderer, and only its Agg canvas is used (no pyplot,
no display). Long series are drawn from min/max buckets; noisy ones get an EMA over the raw
line; validation points are marked, and so is the best checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlog.jsonio import atomic_writer
from trainlog.method import CurveSet, Series
from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer
from trainlog_plugins.renderers import series_data

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

FIGSIZE = (10.0, 6.0)
DPI = 110
POSITION_KEYS = frozenset({"step", "epoch", "samples"})
VAL_MARKERS_MAX = 300
"""Validation series longer than this are drawn without a marker per point."""


class PlotsRenderer(Renderer):
    """Writes the method's curve sets as PNG files; a set with no data is skipped."""

    name = "plots"
    description = "one <name>_curve.png per curve set of the log's method"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        if ctx.output_dir is None:
            return []
        written: list[Path] = []
        for log in logs:
            curves = curve_sets_for(log)
            columns = ColumnCache(log, curves)
            for curve in curves:
                path = ctx.output_dir / f"{curve.name}_curve.png"
                if draw_curve(log, curve, columns, path):
                    written.append(path)
        return written


class ColumnCache:
    """Every column the log's curve sets draw, pulled out in one pass per history."""

    def __init__(self, log: RunLog, curves: Sequence[CurveSet]):
        wanted: dict[str, dict[str, None]] = {}
        for curve in curves:
            for series in curve.series:
                wanted.setdefault(series.history, {})[series.key] = None
        self._columns = {
            history: series_data.columns(log.history(history), list(keys))
            for history, keys in wanted.items()
        }

    def get(self, series: Series) -> tuple[np.ndarray, np.ndarray]:
        return self._columns[series.history][series.key]


def curve_sets_for(log: RunLog) -> tuple[CurveSet, ...]:
    """The method's curve sets; for a method no plugin declares, one set per train metric."""
    from trainlog.plugins import load_plugins

    registry = load_plugins()
    name = registry.method_aliases.get(log.method.lower())
    if name is not None and registry.methods[name].curve_sets:
        return registry.methods[name].curve_sets
    return generic_curve_sets(log)


def generic_curve_sets(log: RunLog) -> tuple[CurveSet, ...]:
    keys: dict[str, None] = {}
    for entry in [*log.train_history[:50], *log.train_history[-50:]]:
        keys.update(dict.fromkeys(k for k in entry if k not in POSITION_KEYS))
    return tuple(
        CurveSet(
            key.replace("/", "_"),
            key,
            key,
            (
                Series("train_history", key, f"train {key}"),
                Series("val_history", f"val_{key}", f"val_{key}"),
                Series("val_history", f"eval_{key}", f"eval_{key}"),
            ),
        )
        for key in keys
    )


def draw_curve(log: RunLog, curve: CurveSet, columns: ColumnCache, path: Path) -> bool:
    """Draw one curve set into ``path``; False (nothing written) when it has no data."""
    data = [(series, *columns.get(series)) for series in curve.series]
    data = [(series, x, y) for series, x, y in data if len(y)]
    if not data:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    fig.subplots_adjust(left=0.08, right=0.975, top=0.92, bottom=0.09)
    ax = fig.add_subplot()
    for index, (series, x, y) in enumerate(data):
        color = f"C{index}"
        if series.history == "val_history":
            _draw_validation(ax, series, x, y, color)
        else:
            _draw_train(ax, series, x, y, color)
    _mark_best(ax, log.best, [series for series, _, _ in data])
    _decorate(ax, curve, log, all(float(y.min()) > 0 for _, _, y in data))
    with atomic_writer(path, "wb") as handle:
        fig.savefig(handle, format="png")
    return True


def _draw_train(ax: Axes, series: Series, x: np.ndarray, y: np.ndarray, color: str) -> None:
    raw_x, raw_y = series_data.minmax_downsample(x, y)
    if not series_data.is_noisy(y):
        ax.plot(raw_x, raw_y, color=color, linewidth=1.6, label=series.label)
        return
    ax.plot(raw_x, raw_y, color=color, linewidth=0.8, alpha=0.3, label=f"{series.label} (raw)")
    smooth_x, smooth_y = series_data.smoothed(x, y)
    ax.plot(smooth_x, smooth_y, color=color, linewidth=2.0, label=f"{series.label} (EMA)")


def _draw_validation(ax: Axes, series: Series, x: np.ndarray, y: np.ndarray, color: str) -> None:
    marker = "o" if len(y) <= VAL_MARKERS_MAX else None
    x, y = series_data.minmax_downsample(x, y)
    ax.plot(
        x,
        y,
        color=color,
        linewidth=1.6,
        linestyle="--",
        marker=marker,
        markersize=6,
        markeredgecolor="white",
        markeredgewidth=0.8,
        label=series.label,
        zorder=3,
    )


def _mark_best(ax: Axes, best: dict[str, Any] | None, drawn: list[Series]) -> None:
    step = (best or {}).get("step")
    if best is None or isinstance(step, bool) or not isinstance(step, (int, float)):
        return
    ax.axvline(
        step, color="0.35", linestyle=":", linewidth=1.3, label=f"best checkpoint (step {step})"
    )
    for series in drawn:
        value = best.get(series.key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ax.plot(
                [step],
                [value],
                marker="*",
                markersize=18,
                color="gold",
                markeredgecolor="black",
                linestyle="none",
                zorder=5,
                label=f"best {series.key} = {value:.4g}",
            )


def _decorate(ax: Axes, curve: CurveSet, log: RunLog, positive: bool) -> None:
    ax.set_title(f"{curve.title} — {log.name}", fontsize=13)
    ax.set_xlabel("step")
    ax.set_ylabel(curve.ylabel)
    if curve.log_y and positive:
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useMathText=True)
    if max(ax.get_xlim()) >= 10_000:
        from matplotlib.ticker import EngFormatter

        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    else:
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=9, framealpha=0.85)
