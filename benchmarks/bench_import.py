"""Start-up costs: ``import trainlog`` and ``trainlog --help``, each in fresh processes.

    python benchmarks/bench_import.py [--repeats N]

* ``import trainlog``: ``perf_counter`` around the import inside a fresh interpreter
  (interpreter start-up excluded), median of N (goal < 60 ms); plus the heaviest modules
  it pulls in, from ``python -X importtime`` (one run, cumulative µs).
* ``trainlog --help``: wall time of the console script as a subprocess, start-up
  included, median of N (goal < 0.2 s); ``python -c pass`` is timed the same way as the
  floor any Python command pays.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from _common import median, num, table, worker_env

IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); import trainlog; print(time.perf_counter() - t)"
)


def _import_seconds() -> float:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_SNIPPET],
        capture_output=True,
        text=True,
        check=True,
        env=worker_env(),
    )
    return float(out.stdout.strip().splitlines()[-1])


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=worker_env())
    return time.perf_counter() - started


def heaviest_imports(count: int = 8) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) of the slowest imports under ``import trainlog``."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import trainlog"],
        capture_output=True,
        text=True,
        check=True,
        env=worker_env(),
    )
    rows: list[tuple[str, int, int]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, raw = line.removeprefix("import time:").split("|")
        name = raw.rstrip()
        if name.strip() == "trainlog" and name.startswith(" ") and not name.startswith("  "):
            rows.append((name.strip(), int(own), int(cumulative)))
            break  # lines before it that were deeper belong to its tree
        if not name.startswith("  "):
            rows = []  # another top-level import (interpreter start-up): not trainlog's
            continue
        rows.append((name.strip(), int(own), int(cumulative)))
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:count]


def _trainlog_command() -> list[str]:
    script = shutil.which("trainlog", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "trainlog"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="5 repeats")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else args.repeats
    _import_seconds()  # warm the file cache once; not counted
    imports = [_import_seconds() for _ in range(repeats)]
    command = _trainlog_command()
    _wall([*command, "--help"])
    helps = [_wall([*command, "--help"]) for _ in range(repeats)]
    bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(repeats)]
    rows = [
        [
            "`import trainlog` (in-process, start-up excluded)",
            f"{num(median(imports) * 1e3)} ({num(min(imports) * 1e3)}–{num(max(imports) * 1e3)})",
            "< 60 ms",
            "met" if median(imports) < 0.060 else "NOT met",
        ],
        [
            f"`{' '.join(os.path.basename(c) for c in command)} --help` (wall, subprocess)",
            f"{num(median(helps) * 1e3)} ({num(min(helps) * 1e3)}–{num(max(helps) * 1e3)})",
            "< 200 ms",
            "met" if median(helps) < 0.200 else "NOT met",
        ],
        [
            "`python -c pass` (wall, the floor of any command)",
            f"{num(median(bare) * 1e3)} ({num(min(bare) * 1e3)}–{num(max(bare) * 1e3)})",
            "",
            "",
        ],
    ]
    print(f"### Start-up: median of {repeats} fresh processes\n")
    print(table(["what", "ms median (min–max)", "goal", "status"], rows))
    print("\nHeaviest imports under `import trainlog` (`-X importtime`, one run):\n")
    print(
        table(
            ["module", "self µs", "cumulative µs"],
            [
                [f"`{name.strip()}`", f"{own:,}", f"{cum:,}"]
                for name, own, cum in heaviest_imports()
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
