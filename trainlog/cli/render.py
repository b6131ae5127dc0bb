"""``trainlog render``: summary, curve plots and CSV export of a training log.

Renderers write into a staging folder next to the output folder; their files are moved into
place only once every renderer has finished, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_RENDERERS = ("summary", "plots")
DEFAULT_OUTPUT = "plots"
"""Folder created in the run directory when ``--output`` is not given."""

DESCRIPTION = """\
Render a training log: print the Training Summary, write one PNG per curve set of the
run's method (loss_curve.png, reward_curve.png, ...) and, with --export-csv, export
train_history.csv and val_history.csv.

PATH is a training_log.json or a run directory. A run whose training_log.json is missing
or corrupt is rendered from its journal (.trainlog/), and a note says so on stderr. Logs
of a run still being written render as they are.

Without --output, files go to <run dir>/plots/ (the folder holding the log) and the
summary is only printed; with --output DIR, files go to DIR and the summary is also
saved as DIR/summary.txt. Nothing is written when the log cannot be read or a renderer
fails."""

EPILOG = """\
examples:
  trainlog render --log outputs/qwen3vl_grpo/training_log.json
  trainlog render --log outputs/qwen3vl_grpo --output plots/
  trainlog render --log outputs/qwen3vl_grpo --export-csv --output exports/
  trainlog render --log outputs/qwen3vl_grpo --no-plot
  trainlog render --log outputs/qwen3vl_grpo --plugins summary,csv,my_report

renderers: summary, plots, csv, and any a plugin registers (see `trainlog plugins`)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "render",
        help="print the summary and write plots/CSV of a training log",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--log",
        required=True,
        type=Path,
        metavar="PATH",
        help="training_log.json, or the run directory that holds it",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help=f"folder for the files (default: <run dir>/{DEFAULT_OUTPUT}/); "
        "also saves summary.txt there",
    )
    parser.add_argument(
        "--plugins",
        metavar="NAMES",
        help="comma-separated renderers to run, built-in or third-party "
        f"(default: {','.join(DEFAULT_RENDERERS)})",
    )
    parser.add_argument(
        "--export-csv",
        action="store_true",
        help="also write train_history.csv and val_history.csv (adds the csv renderer)",
    )
    parser.add_argument(
        "--no-plot",
        action="store_true",
        help="do not draw plots (with no other flags: print the summary only)",
    )
    return parser


def selected_renderers(args: argparse.Namespace) -> list[str]:
    """Renderer names in run order, from --plugins, --export-csv and --no-plot."""
    from trainlog.errors import TrainlogError

    if args.plugins is not None:
        names = [n.strip() for n in args.plugins.split(",") if n.strip()]
        if not names:
            raise TrainlogError("--plugins: give at least one renderer name")
    else:
        names = list(DEFAULT_RENDERERS)
    if args.no_plot:
        names = [n for n in names if n != "plots"]
    if args.export_csv:
        names.append("csv")
    names = list(dict.fromkeys(names))
    if not names:
        raise TrainlogError("nothing to render: --no-plot left no renderer to run")
    return names


def run(args: argparse.Namespace) -> int:
    from trainlog.plugins import load_plugins
    from trainlog.reader import read_log
    from trainlog.renderer import RenderContext

    names = selected_renderers(args)
    registry = load_plugins()
    factories = {name: registry.renderer(name) for name in names}
    log = read_log(args.log)
    if log.note:
        print(f"trainlog: note: {log.note}", file=sys.stderr)
    renderers = [_build(name, factory) for name, factory in factories.items()]
    options = {"save_summary": args.output is not None}
    if args.output is None and names == ["summary"]:
        _render_all(renderers, [log], RenderContext(None, sys.stdout, options))
        return 0
    target = args.output if args.output is not None else log.path.parent / DEFAULT_OUTPUT
    with staged(target) as staging:
        _render_all(renderers, [log], RenderContext(staging, sys.stdout, options))
        moved = publish(staging, target)
    for path in moved:
        print(f"trainlog: wrote {path}", file=sys.stderr)
    return 0


def _build(name: str, factory: Any) -> Any:
    from trainlog.errors import PluginError

    try:
        return factory()
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f'renderer "{name}" failed to load: {type(exc).__name__}: {exc}') from exc


def _render_all(renderers: list[Any], logs: list[Any], ctx: Any) -> None:
    from trainlog.errors import TrainlogError

    for renderer in renderers:
        try:
            renderer.render(logs, ctx)
        except TrainlogError:
            raise
        except OSError as exc:
            where = exc.filename or ctx.output_dir
            raise TrainlogError(f"{where}: cannot write ({exc.strerror or exc})") from exc
        except Exception as exc:
            name = getattr(renderer, "name", type(renderer).__name__)
            raise TrainlogError(f'renderer "{name}" failed: {type(exc).__name__}: {exc}') from exc


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` (same file system), removed whatever happens."""
    import shutil
    import tempfile

    from trainlog.errors import TrainlogError

    if target.exists() and not target.is_dir():
        raise TrainlogError(f"{target}: exists and is not a directory")
    anchor = target.absolute()
    while not anchor.exists():
        anchor = anchor.parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=".trainlog-render-", dir=anchor))
    except OSError as exc:
        raise TrainlogError(f"{anchor}: cannot write ({exc.strerror})") from exc
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, target: Path) -> list[Path]:
    """Move every file out of ``staging`` into ``target``; create ``target`` only if needed."""
    import os

    from trainlog.errors import TrainlogError

    moved: list[Path] = []
    files = sorted(p for p in staging.rglob("*") if p.is_file() and not p.name.startswith("."))
    try:
        for source in files:
            destination = target / source.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
            moved.append(destination)
    except OSError as exc:
        raise TrainlogError(f"{target}: cannot write ({exc.strerror})") from exc
    return moved
