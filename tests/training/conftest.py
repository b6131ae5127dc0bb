"""Shared fixtures for the training tests: one tiny Qwen3-VL + data per session, and helpers
that run a training script in-process and compare its log with the trainer's own state."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

# Nothing in these tests may reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SCRIPT_DATA = {"lora": "qwen_data", "grpo": "qwen_data", "dpo": "dpo_data"}
SUMMARY_KEYS = {"train_runtime", "train_loss", "total_flos"}


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m training.make_tiny`` output, built once: model/, qwen_data/, dpo_data/."""
    from training.make_tiny import main

    root = tmp_path_factory.mktemp("tiny")
    main(["--output", str(root), "--train-size", "8", "--val-size", "4", "--seed", "3"])
    return root


def script_argv(tiny_root: Path, method: str, output_dir: Path, *extra: str) -> list[str]:
    """Arguments for a short CPU run of ``training.train_<method>`` on the tiny model."""
    data = tiny_root / SCRIPT_DATA[method]
    return [
        "--model_path", str(tiny_root / "model"),
        "--train_data", str(data / "train.json"),
        "--val_data", str(data / "val.json"),
        "--output_dir", str(output_dir),
        "--batch_size", "2",
        "--gradient_accumulation", "1",
        "--lora_r", "8",
        "--logging_steps", "1",
        "--no-gradient_checkpointing",
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def run_script(tiny_root: Path) -> Callable[..., Path]:
    """``run_script("grpo", out, "--max_steps", "2")``: train in this process, return ``out``."""
    import importlib

    def run(method: str, output_dir: Path, *extra: str) -> Path:
        module = importlib.import_module(f"training.train_{method}")
        module.main(script_argv(tiny_root, method, output_dir, *extra))
        return output_dir

    return run


def read_log(output_dir: Path) -> dict[str, Any]:
    return json.loads((output_dir / "training_log.json").read_text())


def trainer_log_history(checkpoint: Path) -> list[dict[str, Any]]:
    return json.loads((checkpoint / "trainer_state.json").read_text())["log_history"]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


def assert_log_matches_history(
    log: Mapping[str, Any], history: list[dict[str, Any]], method: str
) -> None:
    """Every trainer log entry is in the training log under the method's names, and nothing
    else is: same steps, same values, each step once."""
    from trainlog.plugins import load_plugins

    spec = load_plugins().method(method)
    expected: dict[str, list[dict[str, Any]]] = {"train_history": [], "val_history": []}
    for entry in history:
        if SUMMARY_KEYS & set(entry):
            continue
        evaluation = any(key.startswith("eval_") for key in entry)
        mapper = spec.eval_key if evaluation else spec.train_key
        mapped = {mapper(k): v for k, v in entry.items() if k != "step"}
        mapped["step"] = entry["step"]
        expected["val_history" if evaluation else "train_history"].append(mapped)
    for name, entries in expected.items():
        logged = log[name]
        assert [e["step"] for e in logged] == [e["step"] for e in entries], name
        for want, got in zip(entries, logged, strict=True):
            for key, value in want.items():
                if value is None:
                    continue
                assert key in got, f"{name} step {want['step']}: {key} missing"
                assert _same(got[key], value), f"{name} step {want['step']}: {key}"


def steps(rows: list[Mapping[str, Any]]) -> list[int]:
    return [int(float(row["step"])) for row in rows]


def csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def tensorboard_steps(logdir: Path, tag: str) -> list[int]:
    """Steps of ``tag`` as TensorBoard's own reader sees them (purges after a restart)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(logdir))
    accumulator.Reload()
    return [event.step for event in accumulator.Scalars(tag)]


@pytest.fixture(scope="session")
def log_checks() -> Any:
    """The comparison helpers above, for the test modules (conftest is not importable)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        read_log=read_log,
        trainer_log_history=trainer_log_history,
        assert_log_matches_history=assert_log_matches_history,
        steps=steps,
        csv_rows=csv_rows,
        tensorboard_steps=tensorboard_steps,
    )
