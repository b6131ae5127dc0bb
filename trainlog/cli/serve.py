"""``trainlog serve DIR``: a local page listing the runs under DIR, with curves that update live.

Standard library only (``http.server``); binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="serve a live page of the runs under a folder",
        description="Serve a local web page listing every run under DIR (found recursively), "
        "with interactive curves that update as the runs write. Nothing to build or install.",
    )
    parser.add_argument("root", metavar="DIR", type=Path, help="folder holding run folders")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes the "
        "runs to your network)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    parser.add_argument(
        "--refresh", type=float, default=2.0, help="seconds between page updates (default 2)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser


def run(args: argparse.Namespace) -> int:
    from trainlog.errors import TrainlogError
    from trainlog.report.server import LiveServer

    if not args.root.is_dir():
        raise TrainlogError(f"{args.root}: not a directory")
    if args.refresh <= 0:
        raise TrainlogError(f"--refresh must be positive, got {args.refresh}")
    try:
        server = LiveServer(args.root, args.host, args.port, int(args.refresh * 1000), args.verbose)
    except OSError as exc:
        raise TrainlogError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    print(f"serving runs under {args.root} at http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
