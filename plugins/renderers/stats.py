"""The ``stats`` renderer: the report's per-metric statistics as a text table.

Same numbers as the HTML report (both come from ``trainlog.stats`` via the report model).
Printed to stdout; written to ``stats.txt`` too when there is an output folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer
from trainlog.stats import TREND_FRACTION, TREND_PER, format_number

STATS_FILE = "stats.txt"
COLUMNS = (
    "n",
    "final",
    "best",
    "@step",
    "mean",
    "std",
    "min",
    "max",
    f"trend/{TREND_PER // 1000}k",
)


class StatsRenderer(Renderer):
    """final/best/mean/std/min/max/trend of each curve-set metric, per run, grouped by method."""

    name = "stats"
    description = "per-metric statistics (final, best, mean, std, min, max, trend) as text"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        from trainlog.report.model import assemble, prepare_run

        payload = assemble([prepare_run(log) for log in logs], "stats")
        text = stats_text(payload)
        ctx.stdout.write(text)
        if ctx.output_dir is None or not ctx.options.get("save_stats", True):
            return []
        from trainlog.report.write import write_atomic

        return [write_atomic(ctx.output_dir / STATS_FILE, text)]


def stats_text(payload: dict[str, Any]) -> str:
    """One table per method group and metric; a row per run."""
    runs = payload["runs"]
    lines = [
        "=" * 60,
        "Statistics",
        "=" * 60,
        f"best: min for losses/KL/errors, max otherwise; trend: least-squares slope per "
        f"{TREND_PER:,} steps over the last {int(TREND_FRACTION * 100)}% of steps",
    ]
    for group in payload["groups"]:
        members = [runs[i] for i in group["runs"]]
        width = max(12, *(len(r["name"]) for r in members))
        lines.append("")
        lines.append(f"[{group['method']}] {len(members)} run{'s' if len(members) != 1 else ''}")
        seen: set[str] = set()
        for chart in group["charts"]:
            for series in chart["series"]:
                if series["id"] in seen:
                    continue
                seen.add(series["id"])
                lines.append("")
                lines.append(f"  {series['label']} ({series['id']})")
                header = "".join(f"{c:>11}" for c in COLUMNS)
                lines.append(f"    {'run':<{width}}{header}")
                for run in members:
                    lines.append(
                        f"    {run['name']:<{width}}{_row(run['stats'].get(series['id']))}"
                    )
        lines.append("")
        lines.append("  best checkpoint")
        for run in members:
            lines.append(f"    {run['name']:<{width}} {_best(run.get('best'))}")
    lines.append("=" * 60)
    return "\n".join(lines) + "\n"


def _row(stats: dict[str, Any] | None) -> str:
    if stats is None:
        return f"{'no data':>11}"
    keys = ("count", "final", "best", "best_step", "mean", "std", "min", "max", "trend")
    return "".join(f"{format_number(stats[k]):>11}" for k in keys)


def _best(best: dict[str, Any] | None) -> str:
    if not best:
        return "none yet"
    parts = [f"step {best.get('step', '—')}"]
    parts += [
        f"{k} {format_number(v) if isinstance(v, (int, float)) else v}"
        for k, v in best.items()
        if k not in ("step", "epoch", "samples", "path")
    ]
    parts.append(f"path {best.get('path') or '—'}")
    return ", ".join(parts)
