"""GRPO: policy loss, reward, KL, per-function rewards; best by highest ``val_reward``.

``samples`` (prompts seen so far) is derived from the config when the trainer does not
send it: ``step × batch_size × gradient_accumulation × world_size``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trainlog.hookspecs import hookimpl
from trainlog.method import (
    CurveSet,
    Deriver,
    MethodSpec,
    Series,
    best_record_section,
    eval_to_val,
    trl_reward_name,
)

_TRAIN_RENAMES = {"learning_rate": "lr"}
_EVAL_RENAMES = {"eval_reward": "val_reward", "eval_reward_std": "val_reward_std"}
SUB_REWARDS = ("format", "bbox", "category", "completeness")


def train_key(key: str) -> str:
    if key in _TRAIN_RENAMES:
        return _TRAIN_RENAMES[key]
    reward = trl_reward_name(key, "")
    if reward is not None:
        return reward
    if key.startswith("rewards/") and key.endswith("/std"):
        return key[len("rewards/") : -len("/std")].removesuffix("_reward") + "_std"
    return key


def samples_per_step(config: Mapping[str, Any]) -> int | None:
    """Prompts consumed per optimizer step, from the run's config (None if unknown)."""
    explicit = config.get("samples_per_step")
    if isinstance(explicit, int) and explicit > 0:
        return explicit
    batch = config.get("batch_size", config.get("per_device_train_batch_size"))
    accumulation = config.get("gradient_accumulation", config.get("gradient_accumulation_steps", 1))
    world = config.get("world_size", 1)
    if not all(isinstance(v, int) and v > 0 for v in (batch, accumulation, world)):
        return None
    return batch * accumulation * world


def derive_samples(config: Mapping[str, Any]) -> Deriver | None:
    """``samples = step × samples per step`` for train and eval entries that lack it."""
    per_step = samples_per_step(config)
    if per_step is None:
        return None

    def fill(kind: str, step: int, values: dict[str, Any]) -> None:
        if kind in ("train", "eval") and "samples" not in values:
            values["samples"] = step * per_step

    return fill


def _sub_reward_curve(name: str) -> CurveSet:
    return CurveSet(
        name,
        f"{name.capitalize()} Reward",
        "reward",
        (
            Series("train_history", name, f"train {name}"),
            Series("val_history", f"val_{name}", f"val_{name}"),
        ),
    )


GRPO = MethodSpec(
    name="grpo",
    description="Group Relative Policy Optimization (TRL GRPOTrainer)",
    train_fields=("loss", "reward", "kl", "lr"),
    val_fields=("val_reward", *(f"val_{name}" for name in SUB_REWARDS)),
    train_key=train_key,
    eval_key=lambda key: eval_to_val(key, _EVAL_RENAMES),
    best_metric="val_reward",
    best_mode="max",
    best_fields=("val_reward",),
    final_section=best_record_section,
    derive=derive_samples,
    summary_keys=("loss", "reward", "kl", "lr"),
    curve_sets=(
        CurveSet("loss", "Policy Loss", "loss", (Series("train_history", "loss", "train loss"),)),
        CurveSet(
            "reward",
            "Reward",
            "reward",
            (
                Series("train_history", "reward", "train reward"),
                Series("val_history", "val_reward", "val_reward"),
            ),
        ),
        CurveSet("kl", "KL Divergence", "KL", (Series("train_history", "kl", "kl"),)),
        CurveSet("lr", "Learning Rate", "learning rate", (Series("train_history", "lr", "lr"),)),
        *(_sub_reward_curve(name) for name in SUB_REWARDS),
    ),
)


@hookimpl
def register_methods(register: Any) -> None:
    register(GRPO)
