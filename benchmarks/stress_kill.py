"""Stress: hundreds of SIGKILLs at random moments; nothing flushed is ever lost.

    python benchmarks/stress_kill.py --trials 300 [--chain 6] [--seed 0] [--jobs 1]

Each trial starts tests/reliability/emitter.py (json + csv + tensorboard sinks, flushing
every 20 steps and printing each flushed step), SIGKILLs it (a quarter of the time inside
``init``; half the time with its whole process group), and checks the directory: the JSON
parses strictly and the journal, CSV and TensorBoard hold every flushed step exactly once.
Trials chain in one directory (``--chain`` kills, each resuming the killed run). Prints the
trials run, kills inside init, events flushed vs recovered, and any failure; exits 1 on one.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.kill_harness import Trial, TrialFailure, run_chain  # noqa: E402


def chain(index: int, length: int, seed: int, root: Path) -> list[Trial] | str:
    try:
        return run_chain(root / f"chain{index}", random.Random(seed * 100_003 + index), length)
    except TrialFailure as exc:
        return str(exc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--chain", type=int, default=6, help="kills per run directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="chains run in parallel")
    args = parser.parse_args()
    import logging

    logging.getLogger("tensorboard").setLevel(logging.ERROR)  # purge notices are expected
    chains = max(1, -(-args.trials // args.chain))
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="trainlog-stress-") as tmp,
        ThreadPoolExecutor(args.jobs) as pool,
    ):
        futures = [pool.submit(chain, i, args.chain, args.seed, Path(tmp)) for i in range(chains)]
        results = [future.result() for future in futures]
    trials = [t for r in results if isinstance(r, list) for t in r]
    failures = [r for r in results if isinstance(r, str)]
    in_init = sum(t.flushed is None or t.flushed == (t.resume or 0) for t in trials)
    flushed = sum(t.flushed_events for t in trials)
    recovered = sum(t.recovered_events for t in trials)
    seconds = time.monotonic() - started
    print(f"trials run:                   {len(trials)} in {chains} chains ({seconds:.0f} s)")
    print(f"killed before/at first flush: {in_init}")
    print(
        f"group kills / trainer-only:   {sum(t.group for t in trials)} / "
        f"{sum(not t.group for t in trials)}"
    )
    print(f"events flushed before kills:  {flushed}")
    print(
        f"events recovered (journal):   {recovered} (>= flushed in every trial: "
        f"{all(t.recovered_events >= t.flushed_events for t in trials)})"
    )
    print(f"failures:                     {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
