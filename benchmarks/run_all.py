"""Run every trainlog benchmark and print all the tables.

    python benchmarks/run_all.py            # ~5-10 minutes
    python benchmarks/run_all.py --quick    # ~2 minutes

Each benchmark runs as its own script (and each measurement in its own process); progress
goes to stderr, tables to stdout. Nothing is asserted: goals are reported as met or not.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from importlib import metadata

from _common import worker_env

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = ("bench_loggers.py", "bench_drain.py", "bench_slow_sink.py", "bench_import.py")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def header() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("trainlog", "tensorboard", "tensorboardX", "torch")
    )
    return (
        f"# trainlog benchmarks, {time.strftime('%Y-%m-%d %H:%M')}\n\n"
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load} at start; {versions}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, ~2 minutes")
    args = parser.parse_args(argv)
    print(header(), flush=True)
    started = time.perf_counter()
    failed = 0
    for script in BENCHMARKS:
        command = [sys.executable, os.path.join(HERE, script)]
        if args.quick:
            command.append("--quick")
        print(f"== {script}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        proc = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=worker_env())
        print(proc.stdout.rstrip(), flush=True)
        print(f"\n({script}: {time.perf_counter() - began:.0f} s)\n", flush=True)
        if proc.returncode != 0:
            failed += 1
            print(f"{script} exited with {proc.returncode}\n", flush=True)
    print(f"All benchmarks: {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
