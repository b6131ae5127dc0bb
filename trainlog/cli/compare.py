"""``trainlog compare LOG_OR_DIR... --output comparison_report.html``: runs side by side."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUTPUT = "comparison_report.html"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare",
        help="compare runs in one offline HTML report",
        description="Compare several runs in one self-contained HTML file (works offline): "
        "interactive curves per metric, statistics per run, configs with the keys that "
        "differ highlighted; runs of different methods are grouped by method.",
    )
    parser.add_argument(
        "logs",
        nargs="+",
        metavar="LOG_OR_DIR",
        help="training_log.json files, run folders, folders of runs, or globs "
        "(e.g. 'outputs/*/training_log.json', quoted or not)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"the report to write (a folder gets {DEFAULT_OUTPUT} inside); "
        f"default: ./{DEFAULT_OUTPUT}",
    )
    parser.add_argument("--title", help="the report's title")
    parser.add_argument(
        "--stats", action="store_true", help="also print the statistics table as text"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from trainlog.plugins import load_plugins
    from trainlog.reader import read_log
    from trainlog.renderer import RenderContext
    from trainlog.report.discover import expand_inputs

    skipped: list[Path] = []
    logs = [read_log(path) for path in expand_inputs(args.logs, skipped)]
    for folder in skipped:
        print(f"trainlog: skipped {folder}: no training log under it", file=sys.stderr)
    for log in logs:
        if log.note:
            print(f"trainlog: {log.note}", file=sys.stderr)
    output = Path(args.output)
    if output.is_dir() or args.output.endswith(("/", os.sep)):
        output = output / DEFAULT_OUTPUT
    registry = load_plugins()
    options = {"filename": output.name, "title": args.title}
    ctx = RenderContext(output.parent, sys.stdout, options)
    written = registry.renderer("compare")().render(logs, ctx)
    if args.stats:
        registry.renderer("stats")().render(logs, RenderContext(None, sys.stdout, {}))
    for path in written:
        size = path.stat().st_size / 1024
        print(f"wrote {path} ({len(logs)} run{'s' if len(logs) != 1 else ''}, {size:,.0f} KiB)")
    return 0
