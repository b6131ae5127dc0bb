"""Time ``trainlog render`` on a generated 1M-entry GRPO log, and ``trainlog --help``.

    python benchmarks/bench_render.py                 # seed-shaped entries (7 keys)
    python benchmarks/bench_render.py --wide          # + format/bbox/category/completeness
    python benchmarks/bench_render.py --entries 200000 --runs 5

Each command runs as a subprocess, as a user runs it; the table shows the median of the runs.
Goals (issue 3): ``render --no-plot`` < 2 s, all plots < 5 s, ``--help`` < 0.2 s.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GOALS = {"render --no-plot": 2.0, "render (summary + plots)": 5.0, "trainlog --help": 0.2}
SUB_REWARDS = ("format", "bbox", "category", "completeness")
EVAL_EVERY = 200


def write_log(path: Path, entries: int, wide: bool, seed: int = 0) -> None:
    """A GRPO log in trainlog's layout (one entry a line), written directly, not through emit.

    Values look like a TRL run's: loss rounded to 4 decimals (as transformers logs it),
    reward/kl/lr full-precision floats, noisy, with a few KL spikes.
    """
    rng = np.random.default_rng(seed)
    steps = np.arange(1, entries + 1)
    loss = np.round(0.5 * np.exp(-steps / (entries / 3)) + rng.normal(0, 0.05, entries), 4)
    reward = 2 + np.log1p(steps / (entries / 10)) + rng.normal(0, 0.3, entries)
    kl = np.abs(0.01 + rng.normal(0, 0.004, entries))
    kl[rng.integers(0, entries, 20)] *= 40
    lr = 1e-5 * np.minimum(1, steps / (entries / 100)) * (1 - steps / (entries + 1))
    columns = [steps.tolist(), np.round(steps / entries * 3, 4).tolist(), (steps * 4).tolist()]
    columns += [loss.tolist(), reward.tolist(), kl.tolist(), lr.tolist()]
    names = ["step", "epoch", "samples", "loss", "reward", "kl", "lr"]
    if wide:
        columns += [np.clip(rng.normal(0.7, 0.2, entries), 0, 1).tolist() for _ in SUB_REWARDS]
        names += list(SUB_REWARDS)
    template = "    {" + ", ".join(f'"{n}": %r' for n in names) + "}"
    val_steps = range(EVAL_EVERY, entries + 1, EVAL_EVERY)
    val_reward = [2 + math.log1p(s / (entries / 10)) for s in val_steps]
    val = [
        f'    {{"step": {s}, "epoch": {round(s / entries * 3, 4)!r}, "samples": {s * 4}, '
        f'"val_reward": {r!r}, "val_format": 0.8}}'
        for s, r in zip(val_steps, val_reward, strict=True)
    ]
    with open(path, "w", encoding="utf-8") as out:
        out.write('{\n  "config": {"model_path": "Qwen/Qwen3-VL-2B-Instruct", "batch_size": 1, ')
        out.write('"gradient_accumulation_steps": 4, "learning_rate": 1e-05},\n')
        out.write('  "train_history": [\n')
        out.write(",\n".join(template % row for row in zip(*columns, strict=True)))
        out.write('\n  ],\n  "val_history": [\n')
        out.write(",\n".join(val))
        out.write("\n  ]")
        if val:
            step, reward = val_steps[-1], val_reward[-1]
            best = f'{{"step": {step}, "val_reward": {reward!r}, "path": "outputs/best"}}'
            out.write(f',\n  "best_checkpoint": {best}')
        out.write(',\n  "method": "grpo",\n  "status": "completed"\n}\n')


def trainlog_command() -> list[str]:
    script = Path(sys.executable).with_name("trainlog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trainlog"]


def time_command(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed: {result.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per render command")
    parser.add_argument("--wide", action="store_true", help="11 keys an entry instead of 7")
    parser.add_argument("--keep", type=Path, help="write the log here and keep it")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="trainlog-bench-"))
    try:
        log = args.keep or work / "training_log.json"
        if not log.exists():
            start = time.perf_counter()
            write_log(log, args.entries, args.wide)
            print(f"generated {log} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        size = log.stat().st_size / 1e6
        cmd = trainlog_command()
        cases = {
            "render --no-plot": [*cmd, "render", "--log", str(log), "--no-plot"],
            "render (summary + plots)": [*cmd, "render", "--log", str(log), "--output", str(work)],
            "trainlog --help": [*cmd, "--help"],
        }
        print(f"\n{args.entries:,} GRPO entries, {size:.0f} MB, {os.cpu_count()} CPUs")
        print(f"{'command':<26} {'median s':>9} {'min s':>7} {'goal s':>7}  ok")
        for name, argv in cases.items():
            runs = args.runs if name.startswith("render") else max(5, args.runs)
            times = time_command(argv, runs)
            median = statistics.median(times)
            ok = "yes" if median < GOALS[name] else "NO"
            print(f"{name:<26} {median:>9.2f} {min(times):>7.2f} {GOALS[name]:>7.1f}  {ok}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
