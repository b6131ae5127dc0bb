"""Benchmark ``trainlog compare``: 20 GRPO runs of 100k steps → one HTML report.

Target (issue 7): under 5 s and under 5 MB, spikes kept. Prints the median of several
end-to-end CLI runs plus an in-process breakdown (read / prepare / build).

    python benchmarks/bench_compare.py [--runs 20] [--steps 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPIKE_STEP = 61_234
SPIKE_LOSS = 9.5


def write_log(path: Path, seed: int, steps: int) -> None:
    """A GRPO log in trainlog's layout (one history entry a line), with one loss spike."""
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    loss = 1.5 * np.exp(-step / (steps / 3)) + rng.normal(0, 0.05, steps) + 0.2
    loss[step == SPIKE_STEP] = SPIKE_LOSS
    reward = 2 + np.log1p(step) / 5 + rng.normal(0, 0.1, steps)
    kl = 0.01 + step / steps * 0.05 + rng.normal(0, 0.002, steps)
    fmt = np.clip(0.5 + step / steps * 0.4 + rng.normal(0, 0.05, steps), 0, 1)
    lines = [
        f'    {{"step": {s}, "epoch": {s / steps:.5f}, "samples": {s * 4}, "loss": {a:.6f}, '
        f'"reward": {b:.6f}, "kl": {c:.6f}, "lr": 1e-05, "format": {d:.6f}}}'
        for s, a, b, c, d in zip(step.tolist(), loss.tolist(), reward.tolist(), kl.tolist(),
                                 fmt.tolist(), strict=True)
    ]  # fmt: skip
    val_steps = step[199::200]
    val = [
        f'    {{"step": {s}, "epoch": {s / steps:.5f}, "samples": {s * 4}, '
        f'"val_reward": {2 + np.log1p(s) / 5:.6f}, "val_format": {0.5 + s / steps * 0.4:.6f}}}'
        for s in val_steps.tolist()
    ]
    config = {"model_path": "Qwen/Qwen3-VL-2B-Instruct", "learning_rate": 1e-5 * (1 + seed % 4),
              "kl_coef": 0.1, "num_generations": 4 + seed % 3, "seed": seed}  # fmt: skip
    best = {"step": int(val_steps[-1]), "epoch": 1, "val_reward": 3.0, "path": f"{path}/best"}
    path.mkdir(parents=True, exist_ok=True)
    text = (
        '{\n  "config": ' + json.dumps(config) + ',\n  "train_history": [\n'
        + ",\n".join(lines) + '\n  ],\n  "val_history": [\n' + ",\n".join(val)
        + '\n  ],\n  "best_checkpoint": ' + json.dumps(best)
        + ',\n  "method": "grpo",\n  "status": "completed"\n}\n'
    )  # fmt: skip
    (path / "training_log.json").write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "outputs"
        started = time.perf_counter()
        for seed in range(args.runs):
            write_log(root / f"run{seed:02d}", seed, args.steps)
        size_in = sum(p.stat().st_size for p in root.rglob("training_log.json"))
        print(f"generated {args.runs} GRPO logs × {args.steps:,} steps "
              f"({size_in / 2**20:,.0f} MiB) in {time.perf_counter() - started:.1f} s")  # fmt: skip
        out = Path(tmp) / "comparison_report.html"
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "trainlog", "compare", str(root / "*"), "-o", str(out)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - started)
        size = out.stat().st_size
        html = out.read_text()
        spike_kept = f"{SPIKE_STEP},".encode() in html.encode() and "9.5" in html
        print(f"trainlog compare: median {statistics.median(times):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}); "
              f"report {size / 2**20:.2f} MiB; loss spike at step {SPIKE_STEP} kept: "
              f"{spike_kept}")  # fmt: skip
        breakdown(root)
        ok = statistics.median(times) < 5 and size < 5 * 2**20 and spike_kept
        print("PASS" if ok else "FAIL: target is < 5 s, < 5 MB, spike kept")
        return 0 if ok else 1


def breakdown(root: Path) -> None:
    """Where the time goes, in-process (one pass)."""
    from trainlog.reader import read_log
    from trainlog.report.discover import find_runs
    from trainlog.report.model import assemble, prepare_run
    from trainlog.report.page import build_report

    t0 = time.perf_counter()
    logs = [read_log(p) for p in find_runs(root)]
    t1 = time.perf_counter()
    runs = [prepare_run(log) for log in logs]
    t2 = time.perf_counter()
    build_report(assemble(runs, "bench"))
    t3 = time.perf_counter()
    print(f"breakdown: read {t1 - t0:.2f} s, series+stats+downsample {t2 - t1:.2f} s, "
          f"html {t3 - t2:.2f} s")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
