"""What a training method declares: key names, entry fields, best-checkpoint rule, curves.

Methods are plugins: the built-in ``lora``, ``grpo`` and ``dpo`` are ``MethodSpec`` objects
registered through the same hook as a third-party one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from trainlog.events import CHECKPOINT, EVAL, TRAIN

Direction = Literal["min", "max"]
KeyMapper = Callable[[str], str]
Deriver = Callable[[str, int, dict[str, Any]], None]


def same_key(key: str) -> str:
    """The default key mapper: the trainer's name is the log's name."""
    return key


@dataclass(frozen=True)
class Series:
    """One line on a curve plot: ``key`` read from the ``history`` list of the log."""

    history: Literal["train_history", "val_history"]
    key: str
    label: str


@dataclass(frozen=True)
class CurveSet:
    """One figure (``<name>_curve.png``): several series that share an axis."""

    name: str
    title: str
    ylabel: str
    series: tuple[Series, ...]
    log_y: bool = False


@dataclass(frozen=True)
class MethodSpec:
    """Everything trainlog needs to know about one training method.

    ``train_key``/``eval_key`` map a trainer's metric name (TRL's, say) onto the log's name;
    names already in the log's form must map to themselves. ``best_fields`` are the
    validation values copied into the best-checkpoint record; ``final_section`` turns that
    record (or None) into the top-level keys that close the log.
    """

    name: str
    train_fields: tuple[str, ...]
    val_fields: tuple[str, ...]
    best_metric: str
    best_mode: Direction
    final_section: Callable[[dict[str, Any] | None, str], dict[str, Any]]
    train_key: KeyMapper = same_key
    eval_key: KeyMapper = same_key
    best_fields: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    curve_sets: tuple[CurveSet, ...] = ()
    summary_keys: tuple[str, ...] = ()
    """Train metrics the summary lists first, in this order; others follow."""
    histories: Mapping[str, str] = field(
        default_factory=lambda: {TRAIN: "train_history", EVAL: "val_history"}
    )
    """Event kind → top-level list it is recorded in. A plugin may add kinds."""
    derive: Callable[[Mapping[str, Any]], Deriver | None] | None = None
    """Optional: ``derive(config)`` returns a ``fill(kind, step, values)`` that adds derived
    fields in place (or None when the config allows none); called once per run."""
    description: str = ""

    @property
    def kinds(self) -> frozenset[str]:
        """Event kinds this method accepts from ``emit``."""
        return frozenset(self.histories) | {CHECKPOINT}

    def history_keys(self) -> tuple[str, ...]:
        return tuple(self.histories.values())


def trl_reward_name(key: str, prefix: str) -> str | None:
    """``<prefix>rewards/format_reward/mean`` → ``format``; None if ``key`` is not such a name.

    TRL logs one ``rewards/<function name>/mean`` per reward function; the log names it
    after the function with a trailing ``_reward`` dropped.
    """
    head = f"{prefix}rewards/"
    if not key.startswith(head) or not key.endswith("/mean"):
        return None
    name = key[len(head) : -len("/mean")]
    if "/" in name or not name:
        return None
    return name[: -len("_reward")] if name.endswith("_reward") and name != "_reward" else name


def memoize(mapper: KeyMapper) -> KeyMapper:
    """Cache a key mapper: the same few keys arrive at every step."""
    cache: dict[str, str] = {}

    def cached(key: str) -> str:
        try:
            return cache[key]
        except KeyError:
            cache[key] = result = mapper(key)
            return result

    return cached


def improves(value: float, best: float | None, mode: Direction) -> bool:
    """True when ``value`` beats ``best`` in direction ``mode`` (a tie keeps the earlier one)."""
    if best is None:
        return True
    return value < best if mode == "min" else value > best


class BestTracker:
    """Keeps the best evaluation so far and the checkpoint path that belongs to it.

    The path comes from a checkpoint saved at the best evaluation's step, or from a
    checkpoint the trainer marks as best (``emit("checkpoint", s, path=..., best=True)``).
    """

    def __init__(self, metric: str, mode: Direction, fields: tuple[str, ...]):
        self.metric = metric
        self.mode = mode
        self.fields = fields if metric in fields else (metric, *fields)
        self.best: dict[str, Any] | None = None
        self._paths: dict[int, str] = {}
        self._marked: dict[int, str] = {}

    def on_eval(self, entry: Mapping[str, Any]) -> dict[str, Any] | None:
        """Record an evaluation; return the new best record if it improved."""
        value = entry.get(self.metric)
        if type(value) not in (int, float) or not math.isfinite(value):
            return None
        if self.best is not None and not improves(value, self.best[self.metric], self.mode):
            return None
        record: dict[str, Any] = {"step": entry["step"]}
        for key in ("epoch", "samples"):
            if key in entry:
                record[key] = entry[key]
        for key in self.fields:
            if key in entry:
                record[key] = entry[key]
        record["path"] = self._marked.get(entry["step"]) or self._paths.get(entry["step"])
        self.best = record
        return dict(record)

    def on_checkpoint(self, step: int, path: str, marked_best: bool) -> dict[str, Any] | None:
        """Record a saved checkpoint; return the best record if its path changed.

        A checkpoint the trainer marked as best wins over a plain one saved at the same step.
        """
        if marked_best:
            self._marked[step] = path
        elif step in self._marked:
            return None
        self._paths[step] = path
        if self.best is None:
            return None
        if marked_best or (self.best["step"] == step and self.best.get("path") is None):
            if self.best.get("path") == path:
                return None
            self.best["path"] = path
            return dict(self.best)
        return None


def eval_to_val(key: str, renames: Mapping[str, str]) -> str:
    """Evaluation names in the ``val_`` form: explicit renames, TRL reward functions, then
    ``eval_x`` → ``val_x``; names already starting with ``val_`` pass unchanged."""
    if key in renames:
        return renames[key]
    reward = trl_reward_name(key, "eval_")
    if reward is not None:
        return f"val_{reward}"
    if key.startswith("eval_rewards/") and key.endswith("/std"):
        name = key[len("eval_rewards/") : -len("/std")].removesuffix("_reward")
        return f"val_{name}_std"
    if key.startswith("eval_"):
        return "val_" + key[len("eval_") :]
    return key


def best_record_section(best: dict[str, Any] | None, metric: str) -> dict[str, Any]:
    """``{"best_checkpoint": record}`` once there is a best evaluation (grpo, dpo, ...)."""
    return {"best_checkpoint": best} if best is not None else {}
