"""The main demo: tiny Qwen3-VL and data, a short LoRA, GRPO and DPO run each, then reports.

    python -m training.demo --output outputs/demo

Everything is offline and CPU-sized (about a minute on two cores). Each run writes
training_log.json, TensorBoard events and CSV files through trainlog, checkpoints, best/
and final/; ``trainlog render`` then writes a summary, the curve plots and a CSV export.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# The demo never downloads anything: the model and data are built locally.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED = [
    "--batch_size", "2",
    "--gradient_accumulation", "1",
    "--lora_r", "8",
    "--logging_steps", "1",
    "--eval_steps", "4",
    "--save_steps", "6",
    "--max_steps", "12",
    "--sinks", "json,tensorboard,csv",
    "--no-gradient_checkpointing",
]  # fmt: skip
WARMUP_STEPS = 120
"""make_tiny's warm-up: enough for the random model to write answer-shaped JSON, so GRPO's
rewards vary between completions and its curves move (see training/make_tiny.py)."""
RUNS = {
    "lora": ("qwen_data", ["--learning_rate", "1e-3"]),
    "grpo": (
        "qwen_data",
        # Generation dominates GRPO's cost on CPU: fewer steps; completions long enough
        # for a one- or two-object answer, so the warmed-up model earns varying rewards.
        [
            "--num_generations",
            "4",
            "--temperature",
            "1.0",
            "--max_completion_length",
            "48",
            "--learning_rate",
            "1e-4",
            "--max_steps",
            "8",
            "--save_steps",
            "4",
        ],
    ),
    "dpo": ("dpo_data", ["--learning_rate", "1e-3"]),
}


def train(method: str, tiny: Path, output_dir: Path, quiet: bool) -> float:
    """Run ``training.train_<method>`` in this process; returns seconds taken."""
    data, extra = RUNS[method]
    argv = [
        "--model_path", str(tiny / "model"),
        "--train_data", str(tiny / data / "train.json"),
        "--val_data", str(tiny / data / "val.json"),
        "--output_dir", str(output_dir),
        *SHARED, *extra,
    ]  # fmt: skip
    shutil.rmtree(output_dir, ignore_errors=True)  # a rerun starts clean
    started = time.perf_counter()
    module = importlib.import_module(f"training.train_{method}")
    with _quiet(quiet):
        module.main(argv)
    return time.perf_counter() - started


def render(run_dir: Path) -> Path | None:
    """``trainlog render --log RUN --output RUN/report --export-csv``; None if unavailable."""
    report = run_dir / "report"
    try:
        from trainlog.cli.main import main as trainlog_cli

        with _quiet(True):
            code = trainlog_cli(
                ["render", "--log", str(run_dir), "--output", str(report), "--export-csv"]
            )
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # the demo still reports where the runs are
        print(f"  render {run_dir.name}: not available ({type(exc).__name__}: {exc})")
        return None
    if code not in (0, None):
        print(f"  render {run_dir.name}: trainlog render exited with {code}")
        return None
    return report


@contextlib.contextmanager
def _quiet(enabled: bool):  # type: ignore[no-untyped-def]
    """Hide the trainers' progress bars and warnings; errors still propagate."""
    if not enabled:
        yield
        return
    import warnings

    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        warnings.simplefilter("ignore")
        yield


def _rel(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe(run: Path, report: Path | None, seconds: float) -> list[str]:
    """One run's block of the closing table: what it wrote and where."""
    import json

    log = json.loads((run / "training_log.json").read_text())
    found = run.glob("checkpoint-*")
    checkpoints = [p.name + "/" for p in sorted(found, key=lambda p: int(p.name.split("-")[-1]))]
    plots = sorted(p.name for p in report.glob("*.png")) if report else []
    rows = [
        f"{run.name} ({seconds:.0f}s) {_rel(run)}/",
        f"  log          training_log.json  status {log.get('status')}, "
        f"{len(log['train_history'])} train / {len(log['val_history'])} val entries",
        "  csv          train_history.csv, val_history.csv",
        "  tensorboard  " + ", ".join(p.name for p in run.glob("events.out.tfevents.*")),
        "  models       best/ final/ " + " ".join(checkpoints),
    ]
    if report is None:
        rows.append("  report       (trainlog render unavailable)")
    else:
        rows.append(f"  report       {_rel(report)}/: summary.txt, {len(plots)} plots, csv export")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("outputs/demo"))
    parser.add_argument("--verbose", action="store_true", help="show the trainers' output")
    args = parser.parse_args(argv)
    output = args.output.resolve()

    from training.make_tiny import main as make_tiny

    print(f"building the tiny model and data in {_rel(output / 'tiny')} ...")
    with _quiet(not args.verbose):
        make_tiny([
            "--output", str(output / "tiny"), "--train-size", "32", "--val-size", "4",
            "--warmup-steps", str(WARMUP_STEPS),
        ])  # fmt: skip

    seconds: dict[str, float] = {}
    reports: dict[str, Path | None] = {}
    for method in RUNS:
        print(f"training {method} ...", flush=True)
        seconds[method] = train(method, output / "tiny", output / method, not args.verbose)
        reports[method] = render(output / method)
    print()
    for method, report in reports.items():
        print("\n".join(describe(output / method, report, seconds[method])))
    print(f"\nTensorBoard: tensorboard --logdir {_rel(output)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
