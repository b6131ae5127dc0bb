"""``trainlog repair DIR``: rebuild training_log.json from the journal after a crash."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "repair",
        help="rebuild training_log.json from the run's journal",
        description="Rebuild DIR/training_log.json from every complete line of the run's "
        "append-only journal (DIR/.trainlog/), and say what was recovered.",
    )
    parser.add_argument("run_dir", metavar="DIR", type=Path, help="the run's output directory")
    return parser


def run(args: argparse.Namespace) -> int:
    from trainlog.errors import LogFormatError
    from trainlog.journal import HEADER_FILE, journal_dir
    from trainlog.lock import DirectoryLock
    from trainlog.recover import repair

    if not (journal_dir(args.run_dir) / HEADER_FILE).is_file():
        raise LogFormatError(f"{args.run_dir}: no trainlog journal (.trainlog/run.json) here")
    lock = DirectoryLock(args.run_dir / ".trainlog")
    lock.acquire(args.run_dir)
    try:
        report = repair(args.run_dir)
    finally:
        lock.release()
    print(report.describe())
    return 0
