"""The ``html`` renderer: one run's self-contained, offline HTML report (``report.html``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer

REPORT_FILE = "report.html"


def target_dir(logs: Sequence[RunLog], ctx: RenderContext) -> Path:
    """``--output`` when given, else the run's own folder (next to its training_log.json)."""
    return ctx.output_dir if ctx.output_dir is not None else logs[0].path.parent


class HtmlRenderer(Renderer):
    """Interactive charts of the method's curve sets, statistics, best checkpoint, config."""

    name = "html"
    description = "report.html: interactive charts, statistics and config (offline, one file)"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        from trainlog.report.write import report_html, write_atomic

        if not logs:
            return []
        if len(logs) == 1:
            title = f"{logs[0].name} — training report"
        else:
            title = f"Training report — {len(logs)} runs"
        path = target_dir(logs, ctx) / str(ctx.options.get("html_file", REPORT_FILE))
        return [write_atomic(path, report_html(logs, title))]
