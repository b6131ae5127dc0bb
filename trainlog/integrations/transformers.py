"""``TrainlogCallback``: any ``transformers.Trainer`` (and TRL's SFT/GRPO/DPO trainers) → trainlog.

    trainer = GRPOTrainer(..., callbacks=[TrainlogCallback("grpo", config=vars(script_args))])

transformers' ``report_to`` registry is closed to third parties, so a callback is the way in.
The callback emits the trainer's own metric names; the method plugin maps them (``eval_reward``
→ ``val_reward``...). Only the main process writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

import trainlog
from trainlog.run import NullRun, Run

logger = logging.getLogger("trainlog")

CheckpointNamer = Callable[[TrainingArguments, TrainerState], str]

TRAINING_ARGUMENTS = (
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "per_device_eval_batch_size",
    "gradient_accumulation_steps",
    "logging_steps",
    "eval_strategy",
    "eval_steps",
    "save_steps",
    "lr_scheduler_type",
    "warmup_steps",
    "weight_decay",
    "bf16",
    "fp16",
    "seed",
    "world_size",
)
"""TrainingArguments copied into the run's config (after the script's own config)."""

SUMMARY_KEYS = frozenset({"train_runtime", "train_loss", "total_flos"})
"""Keys of the log ``Trainer`` writes once at the end of ``train()``; not a training step."""

EVAL_PREFIX = "eval_"


def default_checkpoint_path(args: TrainingArguments, state: TrainerState) -> str:
    """Where ``Trainer._save_checkpoint`` puts the checkpoint of ``state.global_step``."""
    return os.path.join(args.output_dir, f"checkpoint-{state.global_step}")


def training_config(args: TrainingArguments) -> dict[str, Any]:
    """The TrainingArguments worth keeping with the log (enums as their values)."""
    config: dict[str, Any] = {}
    for name in TRAINING_ARGUMENTS:
        value = getattr(args, name, None)
        config[name] = getattr(value, "value", value)
    return config


def is_eval_log(logs: Mapping[str, Any]) -> bool:
    """``Trainer.evaluate`` logs its metrics with the ``eval_`` prefix (TRL adds its own)."""
    return any(key.startswith(EVAL_PREFIX) for key in logs)


def is_summary_log(logs: Mapping[str, Any]) -> bool:
    return not SUMMARY_KEYS.isdisjoint(logs)


class TrainlogCallback(TrainerCallback):
    """Records a Trainer's logs, evaluations and checkpoints into a trainlog run.

    ``method``: lora/qlora/sft, grpo, dpo or a plugin's. ``output_dir`` defaults to the
    trainer's ``args.output_dir``. ``config``: the script's arguments (TrainingArguments are
    added). ``sinks`` and ``**options`` go to ``trainlog.init``; ``overwrite`` defaults to
    True because the trainer itself reuses its output directory. ``checkpoint_path`` tells
    where a trainer that renames its checkpoints puts them. A resumed trainer
    (``global_step > 0`` at train begin) continues the same log after that step.
    ``average_across_ranks``: True (every number but step and epoch) or a list of keys to
    average over all ranks (``torch.distributed``) before rank 0 logs them; off by default.
    """

    def __init__(
        self,
        method: str,
        output_dir: str | os.PathLike[str] | None = None,
        config: Mapping[str, Any] | None = None,
        sinks: Sequence[str] | str | None = None,
        checkpoint_path: CheckpointNamer = default_checkpoint_path,
        average_across_ranks: bool | Collection[str] = False,
        **options: Any,
    ) -> None:
        self.average_across_ranks = average_across_ranks
        self.method = method
        self.output_dir = output_dir
        self.config = dict(config or {})
        self.sinks = sinks
        self.checkpoint_path = checkpoint_path
        self.options = {"overwrite": True, **options}
        self.run: Run | NullRun | None = None
        self._eval_keys: dict[int, set[str]] = {}

    # -- lifecycle ------------------------------------------------------------------------
    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        if self.run is not None and self.run.status is None:
            self.run.finish("interrupted")
        options = dict(self.options)
        if state.global_step > 0:
            options["resume_from_step"] = state.global_step
        config = {**self.config}
        for key, value in training_config(args).items():
            config.setdefault(key, value)
        self._eval_keys = {}
        self.run = trainlog.init(
            self.method,
            self.output_dir or args.output_dir,
            config=config,
            sinks=self.sinks,
            **options,
        )

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.finish("completed")

    def finish(self, status: str = "completed") -> None:
        """End the run (``failed``/``interrupted`` from a script's ``except``); idempotent."""
        if self.run is not None and self.run.status is None:
            self.run.finish(status)

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.status is None

    # -- metrics --------------------------------------------------------------------------
    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.average_across_ranks and logs:
            logs = self._averaged(logs)  # a collective: runs on every rank, before the rank check
        if not self.active or not logs:
            return
        if is_eval_log(logs):
            self._eval_keys.setdefault(state.global_step, set()).update(logs)
            self._emit("eval", state, logs)
        elif is_summary_log(logs):
            logger.debug("trainlog: end-of-training summary not recorded as a step: %s", logs)
        else:
            self._emit("train", state, logs)

    def _averaged(self, logs: dict[str, Any]) -> dict[str, Any]:
        """``average_across_ranks``: the logged numbers as their mean over every rank."""
        from trainlog.distributed import mean_across_ranks

        keys = None if self.average_across_ranks is True else self.average_across_ranks
        return mean_across_ranks(logs, keys)

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # Trainer.evaluate logs these metrics just before (recorded by on_log); this catches
        # trainers that evaluate without logging.
        if not self.active or not metrics:
            return
        seen = self._eval_keys.setdefault(state.global_step, set())
        if set(metrics) <= seen:
            return
        seen.update(metrics)
        self._emit("eval", state, metrics)

    def _emit(self, kind: str, state: TrainerState, values: Mapping[str, Any]) -> None:
        assert self.run is not None
        record = {k: v for k, v in values.items() if k != "step"}
        if "epoch" not in record and state.epoch is not None:
            record["epoch"] = state.epoch
        self.run.emit(kind, state.global_step, **record)

    # -- checkpoints ----------------------------------------------------------------------
    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not self.active:
            return
        assert self.run is not None
        path = self.checkpoint_path(args, state)
        values: dict[str, Any] = {"path": path}
        if state.epoch is not None:
            values["epoch"] = state.epoch
        best = state.best_model_checkpoint
        if best is not None:
            values["best"] = os.path.abspath(best) == os.path.abspath(path)
            values["trainer_best_checkpoint"] = best
            values["trainer_best_metric"] = state.best_metric
        self.run.emit("checkpoint", state.global_step, **values)
        self.run.flush()
