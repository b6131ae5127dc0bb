"""The ``compare`` renderer: several runs in one offline HTML file (``comparison_report.html``).

Runs are grouped by method; configs are tabled with differing keys highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer

COMPARISON_FILE = "comparison_report.html"


class CompareRenderer(Renderer):
    """Writes ``ctx.options["filename"]`` (default comparison_report.html) in the output folder."""

    name = "compare"
    description = "comparison_report.html: runs side by side, grouped by method (offline)"
    multi_run = True

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        from trainlog.report.write import report_html, write_atomic

        if not logs:
            return []
        folder = ctx.output_dir if ctx.output_dir is not None else Path.cwd()
        path = folder / str(ctx.options.get("filename", COMPARISON_FILE))
        title = str(ctx.options.get("title") or f"Run comparison — {len(logs)} runs")
        return [write_atomic(path, report_html(logs, title))]
