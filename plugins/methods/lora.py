"""LoRA / QLoRA supervised fine-tuning: loss and learning rate, best by lowest ``eval_loss``."""

from __future__ import annotations

from typing import Any

from trainlog.hookspecs import hookimpl
from trainlog.method import CurveSet, MethodSpec, Series

_TRAIN_RENAMES = {"lr": "learning_rate", "train_loss": "loss"}
_EVAL_RENAMES = {"val_loss": "eval_loss", "loss": "eval_loss"}


def final_metrics(best: dict[str, Any] | None, metric: str) -> dict[str, Any]:
    """The seed's ``final_metrics`` block: the best value and its checkpoint path."""
    return {
        "final_metrics": {
            "best_metric": best.get(metric) if best else None,
            "best_checkpoint": best.get("path") if best else None,
        }
    }


LORA = MethodSpec(
    name="lora",
    aliases=("qlora", "sft"),
    description="LoRA/QLoRA supervised fine-tuning (transformers Trainer, TRL SFTTrainer)",
    train_fields=("loss", "learning_rate"),
    val_fields=("eval_loss",),
    train_key=lambda key: _TRAIN_RENAMES.get(key, key),
    eval_key=lambda key: _EVAL_RENAMES.get(key, key),
    best_metric="eval_loss",
    best_mode="min",
    best_fields=("eval_loss",),
    final_section=final_metrics,
    summary_keys=("loss", "learning_rate"),
    curve_sets=(
        CurveSet(
            "loss",
            "Loss",
            "loss",
            (
                Series("train_history", "loss", "train loss"),
                Series("val_history", "eval_loss", "validation loss"),
            ),
        ),
        CurveSet(
            "lr",
            "Learning Rate",
            "learning rate",
            (Series("train_history", "learning_rate", "learning rate"),),
        ),
    ),
)


@hookimpl
def register_methods(register: Any) -> None:
    register(LORA)
