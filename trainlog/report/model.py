"""The data behind a report: per-run series (downsampled) and statistics, grouped by method.

``prepare_run`` does the per-run work once (the live server caches its result per file
version); ``assemble`` combines runs into the payload the chart script draws and the HTML
tables are built from. Everything here is plain JSON-able data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trainlog.method import CurveSet, MethodSpec, Series
from trainlog.reader import RunLog
from trainlog.report.downsample import DEFAULT_BUCKETS, downsample
from trainlog.stats import NOT_METRICS, columns, direction, metric_stats

PALETTE = (
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#9333ea", "#ea580c", "#0d9488", "#4f46e5", "#b91c1c", "#15803d", "#a16207", "#c026d3",
    "#0369a1", "#be123c", "#4d7c0f", "#475569",
)  # fmt: skip
"""Distinct run colours; runs beyond 20 cycle."""


def method_spec(name: str) -> MethodSpec | None:
    """The registered spec for ``name`` (aliases too), or None for a method not installed."""
    from trainlog.plugins import load_plugins

    registry = load_plugins()
    canonical = registry.method_aliases.get(name.lower())
    return registry.methods.get(canonical) if canonical else None


def curve_sets_for(log: RunLog, spec: MethodSpec | None) -> tuple[CurveSet, ...]:
    """The method's curve sets; for an unknown method, one chart per numeric key found."""
    if spec is not None and spec.curve_sets:
        return spec.curve_sets
    sets: list[CurveSet] = []
    for history in ("train_history", "val_history"):
        entries = log.history(history)
        keys: dict[str, None] = {}
        for entry in entries[:200]:
            for key, value in entry.items():
                if key not in NOT_METRICS and isinstance(value, (int, float)):
                    keys.setdefault(key)
        for key in keys:
            sets.append(CurveSet(key, key, key, (Series(history, key, key),)))  # type: ignore[arg-type]
    return tuple(sets)


def series_id(series: Series) -> str:
    return f"{series.history}/{series.key}"


def _compact(array: np.ndarray, integral: bool) -> list[Any]:
    if integral:
        return array.astype(np.int64).tolist()
    return [float(f"{value:.6g}") for value in array.tolist()]


def prepare_run(log: RunLog, buckets: int = DEFAULT_BUCKETS) -> dict[str, Any]:
    """One run's JSON-able data: identity, config, best checkpoint, series and statistics."""
    spec = method_spec(log.method)
    best_metric = spec.best_metric if spec else None
    best_mode = spec.best_mode if spec else None
    series: dict[str, list[list[Any]]] = {}
    stats: dict[str, dict[str, Any]] = {}
    charts = curve_sets_for(log, spec)
    wanted: dict[str, dict[str, None]] = {}
    for curve in charts:
        for item in curve.series:
            wanted.setdefault(item.history, {})[item.key] = None
    found_columns = {
        history: columns(log.history(history), list(keys)) for history, keys in wanted.items()
    }
    for curve in charts:
        for item in curve.series:
            sid = series_id(item)
            if sid in series:
                continue
            steps, values = found_columns[item.history][item.key]
            if values.size == 0:
                continue
            found = metric_stats(steps, values, direction(item.key, best_metric, best_mode))
            if found is not None:
                stats[sid] = found.as_dict()
            small_steps, small_values = downsample(steps, values, buckets)
            integral = bool(np.all(np.mod(small_steps, 1) == 0))
            series[sid] = [_compact(small_steps, integral), _compact(small_values, False)]
    train = log.train_history
    return {
        "name": log.name,
        "path": str(log.path),
        "method": log.method,
        "status": log.status,
        "source": log.source,
        "steps": train[-1].get("step") if train else None,
        "config": log.config,
        "best": log.best,
        "best_metric": best_metric,
        "charts": [_chart_spec(curve) for curve in charts],
        "series": series,
        "stats": stats,
    }


def _chart_spec(curve: CurveSet) -> dict[str, Any]:
    return {
        "name": curve.name,
        "title": curve.title,
        "ylabel": curve.ylabel,
        "logY": curve.log_y,
        "series": [
            {
                "id": series_id(s),
                "key": s.key,
                "label": s.label,
                "val": s.history != "train_history",
            }
            for s in curve.series
        ],
    }


def assemble(runs: Sequence[dict[str, Any]], title: str, live: bool = False) -> dict[str, Any]:
    """Combine prepared runs into the report payload: colours, method groups, chart list.

    A group's charts are the union of its runs' curve sets, minus series no run has.
    """
    groups: dict[str, dict[str, Any]] = {}
    unique_names(runs)
    for index, run in enumerate(runs):
        run["color"] = PALETTE[index % len(PALETTE)]
        run["index"] = index
        group = groups.setdefault(
            run["method"], {"method": run["method"], "runs": [], "charts": {}}
        )
        group["runs"].append(index)
        for chart in run["charts"]:
            group["charts"].setdefault(chart["name"], chart)
    out_groups = []
    for group in groups.values():
        present = {sid for i in group["runs"] for sid in runs[i]["series"]}
        charts = []
        for chart in group["charts"].values():
            shown = [s for s in chart["series"] if s["id"] in present]
            if shown:
                charts.append({**chart, "series": shown})
        out_groups.append({"method": group["method"], "runs": group["runs"], "charts": charts})
    return {"title": title, "live": live, "groups": out_groups, "runs": list(runs)}


MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()
"""Marks a config key a run does not have (distinct from a ``null`` value)."""


def unique_names(runs: Sequence[dict[str, Any]]) -> None:
    """Runs in folders of the same name get ``parent/name``, then ``#n``: legends need ids."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["name"]] = counts.get(run["name"], 0) + 1
    seen: set[str] = set()
    for run in runs:
        name = run["name"]
        if counts[name] > 1:
            parts = Path(run["path"]).parts
            name = "/".join(parts[-3:-1]) if len(parts) >= 3 else name
        base, n = name, 2
        while name in seen:
            name, n = f"{base} #{n}", n + 1
        seen.add(name)
        run["name"] = name


def flatten_config(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config dicts as dotted keys, so a table row holds one comparable value."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_config(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def config_rows(runs: Sequence[dict[str, Any]]) -> list[tuple[str, list[Any], bool]]:
    """``(key, value per run, differs)``; a key missing from some runs counts as differing."""
    flats = [flatten_config(run["config"]) for run in runs]
    keys: dict[str, None] = {}
    for flat in flats:
        keys.update(dict.fromkeys(flat))
    rows = []
    for key in keys:
        values = [flat.get(key, MISSING) for flat in flats]
        texts = {repr(v) for v in values}
        rows.append((key, values, len(texts) > 1))
    return rows
