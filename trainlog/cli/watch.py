"""``trainlog watch LOG_OR_DIR``: the summary and sparklines, redrawn as the run writes.

Replaces the seed's ``watch -n 60 ... --no-plot``: reads the journal when it is fresher
than ``training_log.json``, so the frame is current to the last flushed event.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import Any

CLEAR = "\x1b[H\x1b[2J"
SPARK_WIDTH = 40
MAX_RUNS_SHOWN = 12


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "watch",
        help="live summary and sparklines of a run in the terminal",
        description="Redraw a run's summary and unicode sparklines of its key metrics every "
        "few seconds while it trains (a folder of runs shows each run briefly). Ctrl-C stops.",
    )
    parser.add_argument(
        "target", metavar="LOG_OR_DIR", help="training_log.json, a run folder or a folder of runs"
    )
    parser.add_argument(
        "-n", "--interval", type=float, default=5.0, help="seconds between frames (default 5)"
    )
    parser.add_argument("--once", action="store_true", help="print one frame and exit")
    return parser


def run(args: argparse.Namespace) -> int:
    from trainlog.errors import TrainlogError
    from trainlog.report.discover import expand_inputs

    if args.interval <= 0:
        raise TrainlogError(f"--interval must be positive, got {args.interval}")
    if args.once:
        sys.stdout.write(frame(expand_inputs([args.target]), strict=True))
        return 0
    try:
        while True:
            try:
                paths = expand_inputs([args.target])
                text = frame(paths, strict=False)
            except TrainlogError as exc:
                text = f"waiting for a log: {exc}\n"
            stamp = time.strftime("%H:%M:%S")
            header = f"trainlog watch {args.target} · {stamp} · every {args.interval:g} s · "
            sys.stdout.write(f"{CLEAR}{header}Ctrl-C to stop\n\n{text}")
            sys.stdout.flush()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 0


def frame(paths: list[Path], strict: bool) -> str:
    """One frame: the full summary for one run, a short block per run for several."""
    from trainlog.errors import LogFormatError
    from trainlog.report.live import load_live

    out = io.StringIO()
    for path in paths[:MAX_RUNS_SHOWN]:
        try:
            log = load_live(path)
        except LogFormatError as exc:
            if strict:
                raise
            out.write(f"{path}: {exc}\n\n")
            continue
        if len(paths) == 1:
            summary(log, out)
        else:
            steps = log.train_history[-1].get("step") if len(log.train_history) else "—"
            out.write(f"{log.name}  [{log.method}, {log.status}, step {steps}]\n")
        out.write(sparklines(log))
        out.write("\n")
    if len(paths) > MAX_RUNS_SHOWN:
        out.write(f"... and {len(paths) - MAX_RUNS_SHOWN} more runs\n")
    return out.getvalue()


def summary(log: Any, out: io.StringIO) -> None:
    """The ``summary`` renderer's block, when one is registered."""
    from trainlog.plugins import load_plugins
    from trainlog.renderer import RenderContext

    registry = load_plugins()
    if "summary" in registry.renderers:
        registry.renderers["summary"]().render([log], RenderContext(None, out, {}))
    else:
        out.write(f"{log.name} [{log.method}, {log.status}]\n")


def sparklines(log: Any) -> str:
    """A sparkline per key metric: the method's summary keys, then its validation series."""
    from trainlog.report.model import curve_sets_for, method_spec
    from trainlog.report.sparkline import sparkline
    from trainlog.stats import column, format_number

    spec = method_spec(log.method)
    wanted: dict[tuple[str, str], str] = {}
    for key in spec.summary_keys if spec else ():
        wanted[("train_history", key)] = key
    for curve in curve_sets_for(log, spec):
        for series in curve.series:
            if series.history != "train_history" or not wanted:
                wanted.setdefault((series.history, series.key), series.key)
    lines = []
    for (history, key), label in wanted.items():
        steps, values = column(log.history(history), key)
        if values.size == 0:
            continue
        line = sparkline(values, SPARK_WIDTH)
        lines.append(
            f"  {label:<16} {line:<{SPARK_WIDTH}}  {format_number(float(values[-1])):>10}"
            f"   min {format_number(float(values.min()))}  max {format_number(float(values.max()))}"
            f"  @{format_number(float(steps[-1]))}\n"
        )
    return ("Sparklines\n" + "".join(lines)) if lines else "  (no metrics yet)\n"
