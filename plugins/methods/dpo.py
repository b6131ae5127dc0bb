"""DPO: loss, preference accuracy and reward margin; best by highest ``val_accuracy``."""

from __future__ import annotations

from typing import Any

from trainlog.hookspecs import hookimpl
from trainlog.method import CurveSet, MethodSpec, Series, best_record_section, eval_to_val

_TRAIN_RENAMES = {
    "rewards/accuracies": "accuracy",
    "rewards/margins": "reward_margin",
    "rewards/chosen": "reward_chosen",
    "rewards/rejected": "reward_rejected",
    "logps/chosen": "logp_chosen",
    "logps/rejected": "logp_rejected",
    "logits/chosen": "logit_chosen",
    "logits/rejected": "logit_rejected",
}
_EVAL_RENAMES = {f"eval_{key}": f"val_{value}" for key, value in _TRAIN_RENAMES.items()}


def _pair(name: str, title: str, ylabel: str) -> CurveSet:
    return CurveSet(
        name,
        title,
        ylabel,
        (
            Series("train_history", name, f"train {name}"),
            Series("val_history", f"val_{name}", f"val_{name}"),
        ),
    )


DPO = MethodSpec(
    name="dpo",
    description="Direct Preference Optimization (TRL DPOTrainer)",
    train_fields=("loss", "accuracy", "reward_margin"),
    val_fields=("val_loss", "val_accuracy", "val_reward_margin"),
    train_key=lambda key: _TRAIN_RENAMES.get(key, key),
    eval_key=lambda key: eval_to_val(key, _EVAL_RENAMES),
    best_metric="val_accuracy",
    best_mode="max",
    best_fields=("val_accuracy", "val_loss", "val_reward_margin"),
    final_section=best_record_section,
    summary_keys=("loss", "accuracy", "reward_margin"),
    curve_sets=(
        _pair("loss", "DPO Loss", "loss"),
        _pair("accuracy", "Preference Accuracy (chosen > rejected)", "accuracy"),
        _pair("reward_margin", "Reward Margin (chosen - rejected)", "margin"),
    ),
)


@hookimpl
def register_methods(register: Any) -> None:
    register(DPO)
