"""Fixtures for the render tests: real logs written through trainlog, and the seed's files."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import trainlog

SEED_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "seed"
METHODS = ("lora", "grpo", "dpo")


def write_run(run_dir: Path, method: str, steps: int = 60, eval_every: int = 20) -> Path:
    """A finished run of ``method`` with TRL-style metric names; returns the run folder."""
    config = {
        "model_path": "Qwen/Qwen3-VL-2B-Instruct",
        "output_dir": str(run_dir),
        "num_train_epochs": 2,
        "per_device_train_batch_size": 1,
        "learning_rate": 1e-05,
        "gradient_accumulation_steps": 4,
    }
    trainlog.init(method, run_dir, config=config)
    for step in range(1, steps + 1):
        wiggle = 0.05 * math.sin(step * 1.7)
        epoch = round(step / steps * 2, 4)
        if method == "lora":
            values = {"loss": 1.5 / step**0.3 + wiggle, "learning_rate": 2e-4 * (1 - step / 100)}
        elif method == "grpo":
            values = {
                "loss": 0.5 / step**0.5 + wiggle,
                "reward": 2 + step / 50 + wiggle,
                "kl": 0.01 + step / 1e4,
                "learning_rate": 1e-05,
                "rewards/format_reward/mean": 0.5 + step / 200,
                "rewards/bbox_reward/mean": 0.3 + step / 300,
            }
        else:
            values = {
                "loss": 0.69 - step / 200 + wiggle,
                "rewards/accuracies": 0.5 + step / 200,
                "rewards/margins": step / 40,
            }
        trainlog.emit("train", step, epoch=epoch, **values)
        if step % eval_every == 0:
            trainlog.emit("eval", step, epoch=epoch, **_eval_values(method, step))
            trainlog.emit("checkpoint", step, path=str(run_dir / f"checkpoint-{step}"))
    trainlog.finish()
    return run_dir


def _eval_values(method: str, step: int) -> dict[str, float]:
    if method == "lora":
        return {"eval_loss": 1.2 / step**0.2}
    if method == "grpo":
        return {
            "eval_reward": 2.1 + step / 50,
            "eval_rewards/format_reward/mean": 0.6 + step / 200,
            "eval_rewards/bbox_reward/mean": 0.35 + step / 300,
        }
    return {
        "eval_loss": 0.6 - step / 300,
        "eval_rewards/accuracies": 0.55 + step / 200,
        "eval_rewards/margins": step / 35,
    }


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """``make_run(method, steps=60)`` writes a finished run under tmp_path and returns its dir."""

    def make(method: str, steps: int = 60, name: str | None = None) -> Path:
        return write_run(tmp_path / (name or f"run_{method}"), method, steps)

    return make


@pytest.fixture
def seed_log(tmp_path: Path) -> Callable[[str], Path]:
    """``seed_log("grpo")``: a copy of the seed's example file in a folder of its own."""

    def copy(method: str) -> Path:
        target = tmp_path / f"seed_{method}"
        target.mkdir(exist_ok=True)
        return Path(shutil.copy(SEED_DIR / f"{method}.json", target / "training_log.json"))

    return copy
