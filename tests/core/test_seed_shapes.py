"""The seed's example values pushed through ``emit`` come out in exactly the seed's shapes."""

from __future__ import annotations

from pathlib import Path

import trainlog
from tests.conftest import read_json_strict

SEED_TOP_LEVEL = {
    "lora": ["config", "train_history", "val_history", "final_metrics"],
    "grpo": ["config", "train_history", "val_history", "best_checkpoint"],
    "dpo": ["config", "train_history", "val_history", "best_checkpoint"],
}


def _contract_keys(log: dict, method: str) -> list[str]:
    return [key for key in log if key in SEED_TOP_LEVEL[method]]


def test_lora_seed_example(tmp_path: Path) -> None:
    config = {
        "model_path": "Qwen/Qwen3-VL-2B-Instruct",
        "train_data": "data/qwen_data/train.json",
        "val_data": "data/qwen_data/val.json",
        "num_epochs": 3,
        "batch_size": 2,
        "learning_rate": 0.0002,
        "lora_r": 64,
        "use_4bit": True,
        "bf16": True,
    }
    out = tmp_path / "qwen3vl_lora"
    with trainlog.init("qlora", out, config=config) as run:
        run.emit("train", 10, epoch=0.1, loss=1.2345, learning_rate=0.00002)
        run.emit("train", 20, epoch=0.2, loss=1.1234, learning_rate=0.00004)
        run.emit("eval", 500, epoch=1.0, eval_loss=0.9876)
        run.emit("checkpoint", 1500, path="outputs/qwen3vl_lora/checkpoint-1500", best=True)
    log = read_json_strict(out / "training_log.json")
    assert _contract_keys(log, "lora") == SEED_TOP_LEVEL["lora"]
    assert log["config"] == config
    assert log["train_history"] == [
        {"step": 10, "epoch": 0.1, "loss": 1.2345, "learning_rate": 0.00002},
        {"step": 20, "epoch": 0.2, "loss": 1.1234, "learning_rate": 0.00004},
    ]
    assert log["val_history"] == [{"step": 500, "epoch": 1.0, "eval_loss": 0.9876}]
    assert log["final_metrics"] == {
        "best_metric": 0.9876,
        "best_checkpoint": "outputs/qwen3vl_lora/checkpoint-1500",
    }
    assert log["method"] == "lora"
    assert log["status"] == "completed"


def test_grpo_seed_example_with_trl_names(tmp_path: Path) -> None:
    config = {
        "model_path": "Qwen/Qwen3-VL-2B-Instruct",
        "train_data": "data/qwen_data/train.json",
        "val_data": "data/qwen_data/val.json",
        "num_generations": 4,
        "temperature": 0.7,
        "kl_coef": 0.1,
    }
    out = tmp_path / "qwen3vl_grpo"
    with trainlog.init("grpo", out, config=config) as run:
        run.emit(
            "train",
            10,
            epoch=1,
            samples=40,
            loss=0.5432,
            reward=2.3456,
            kl=0.0123,
            learning_rate=0.00001,
        )
        run.emit(
            "eval",
            200,
            epoch=1,
            samples=800,
            eval_reward=2.5678,
            **{
                "eval_rewards/format_reward/mean": 0.92,
                "eval_rewards/bbox_reward/mean": 0.78,
                "eval_rewards/category_reward/mean": 0.85,
                "eval_rewards/completeness_reward/mean": 0.88,
            },
        )
        run.emit("eval", 400, epoch=1, samples=1600, val_reward=2.7890)
        run.emit("checkpoint", 400, path="outputs/qwen3vl_grpo/best", best=True)
    log = read_json_strict(out / "training_log.json")
    assert _contract_keys(log, "grpo") == SEED_TOP_LEVEL["grpo"]
    assert log["train_history"] == [
        {
            "step": 10,
            "epoch": 1,
            "samples": 40,
            "loss": 0.5432,
            "reward": 2.3456,
            "kl": 0.0123,
            "lr": 0.00001,
        }
    ]
    assert log["val_history"][0] == {
        "step": 200,
        "epoch": 1,
        "samples": 800,
        "val_reward": 2.5678,
        "val_format": 0.92,
        "val_bbox": 0.78,
        "val_category": 0.85,
        "val_completeness": 0.88,
    }
    assert log["best_checkpoint"] == {
        "step": 400,
        "epoch": 1,
        "samples": 1600,
        "val_reward": 2.7890,
        "path": "outputs/qwen3vl_grpo/best",
    }


def test_dpo_seed_example_with_trl_names(tmp_path: Path) -> None:
    config = {
        "model_path": "Qwen/Qwen3-VL-2B-Instruct",
        "train_data": "data/dpo_data/train.json",
        "val_data": "data/dpo_data/val.json",
        "beta": 0.1,
    }
    out = tmp_path / "qwen3vl_dpo"
    with trainlog.init("dpo", out, config=config) as run:
        run.emit(
            "train",
            10,
            epoch=1,
            loss=0.4523,
            **{"rewards/accuracies": 0.75, "rewards/margins": 1.2345},
        )
        run.emit(
            "eval",
            500,
            epoch=1,
            eval_loss=0.3456,
            **{"eval_rewards/accuracies": 0.82, "eval_rewards/margins": 1.5678},
        )
        run.emit("checkpoint", 500, path="outputs/qwen3vl_dpo/checkpoint-500")
        run.emit(
            "eval", 1000, epoch=1, val_loss=0.3123, val_accuracy=0.85, val_reward_margin=1.6789
        )
        run.emit("checkpoint", 1000, path="outputs/qwen3vl_dpo/best", best=True)
    log = read_json_strict(out / "training_log.json")
    assert _contract_keys(log, "dpo") == SEED_TOP_LEVEL["dpo"]
    assert log["train_history"] == [
        {"step": 10, "epoch": 1, "loss": 0.4523, "accuracy": 0.75, "reward_margin": 1.2345}
    ]
    assert log["val_history"] == [
        {
            "step": 500,
            "epoch": 1,
            "val_loss": 0.3456,
            "val_accuracy": 0.82,
            "val_reward_margin": 1.5678,
        },
        {
            "step": 1000,
            "epoch": 1,
            "val_loss": 0.3123,
            "val_accuracy": 0.85,
            "val_reward_margin": 1.6789,
        },
    ]
    assert log["best_checkpoint"] == {
        "step": 1000,
        "epoch": 1,
        "val_accuracy": 0.85,
        "val_loss": 0.3123,
        "val_reward_margin": 1.6789,
        "path": "outputs/qwen3vl_dpo/best",
    }


def test_grpo_samples_derived_from_config(tmp_path: Path) -> None:
    config = {"batch_size": 1, "gradient_accumulation": 4}
    with trainlog.init("grpo", tmp_path / "r", config=config) as run:
        run.emit("train", 10, epoch=1, loss=0.5, reward=2.0, kl=0.01, learning_rate=1e-5)
        run.emit("eval", 200, epoch=1, eval_reward=2.5)
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["train_history"][0]["samples"] == 40
    assert log["val_history"][0]["samples"] == 800
    assert log["best_checkpoint"]["samples"] == 800
    assert log["best_checkpoint"]["path"] is None


def test_best_checkpoint_follows_the_metric_direction(tmp_path: Path) -> None:
    with trainlog.init("lora", tmp_path / "r") as run:
        for step, loss in [(100, 0.9), (200, 0.5), (300, 0.7)]:
            run.emit("eval", step, eval_loss=loss)
            run.emit("checkpoint", step, path=f"ckpt-{step}")
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["final_metrics"] == {"best_metric": 0.5, "best_checkpoint": "ckpt-200"}


def test_best_metric_can_be_overridden(tmp_path: Path) -> None:
    with trainlog.init("dpo", tmp_path / "r", best_metric="val_loss", best_mode="min") as run:
        run.emit("eval", 1, val_loss=0.5, val_accuracy=0.9)
        run.emit("eval", 2, val_loss=0.3, val_accuracy=0.6)
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["best_checkpoint"]["step"] == 2
    assert log["best_checkpoint"]["val_loss"] == 0.3


def test_extra_values_are_kept(tmp_path: Path) -> None:
    with trainlog.init("lora", tmp_path / "r") as run:
        run.emit("train", 1, loss=1.0, learning_rate=1e-4, grad_norm=3.5)
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["train_history"] == [
        {"step": 1, "loss": 1.0, "learning_rate": 1e-4, "grad_norm": 3.5}
    ]


def test_checkpoint_marked_best_wins_and_both_are_listed(tmp_path: Path) -> None:
    with trainlog.init("dpo", tmp_path / "r") as run:
        run.emit("eval", 100, val_accuracy=0.9)
        run.emit("checkpoint", 100, path="out/best", best=True)
        run.emit("checkpoint", 100, path="out/checkpoint-100")
        run.emit("checkpoint", 200, path="out/checkpoint-200")
        run.emit("eval", 200, val_accuracy=0.5)
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["best_checkpoint"]["path"] == "out/best"
    assert [(c["step"], c["path"]) for c in log["checkpoints"]] == [
        (100, "out/best"),
        (100, "out/checkpoint-100"),
        (200, "out/checkpoint-200"),
    ]
