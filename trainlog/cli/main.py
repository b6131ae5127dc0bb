"""Entry point of the ``trainlog`` command. Subcommand modules import their heavy parts lazily."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from trainlog import __version__
from trainlog.errors import TrainlogError

SUBCOMMANDS = ("compare", "plugins", "render", "repair", "serve", "watch")
"""Modules under ``trainlog.cli``; each defines ``add_parser(subparsers)`` and ``run(args)``."""

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlog",
        description=(
            "Record and render fine-tuning runs: one training_log.json per run (LoRA/QLoRA "
            "SFT, GRPO, DPO), with TensorBoard and CSV alongside."
        ),
    )
    parser.add_argument("--version", action="version", version=f"trainlog {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"trainlog.cli.{name}")
        module.add_parser(subparsers).set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args) or 0)
    except TrainlogError as exc:
        print(f"trainlog: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trainlog: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
