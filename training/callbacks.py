"""Callbacks the scripts add next to ``TrainlogCallback``: best/ and sample-named checkpoints."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from trainlog.integrations.transformers import TrainlogCallback, is_eval_log
from trainlog.method import improves
from trainlog.plugins import load_plugins

BEST_DIR = "best"
logger = logging.getLogger(__name__)


class BestModelCallback(TrainerCallback):
    """Saves the model to ``output_dir/best`` whenever an evaluation beats every earlier one.

    "Best" is the trainlog method's own rule (grpo: highest ``val_reward``, dpo: highest
    ``val_accuracy``, lora: lowest ``eval_loss``), so ``best/`` and the log's best record
    always agree. The save is reported to trainlog as a checkpoint marked best; when the
    trainer also saves a periodic checkpoint at that step, the report waits until after it,
    so the log names ``best/`` rather than the periodic folder. Must come after the
    ``TrainlogCallback`` in ``callbacks``. On resume, the best so far is read back from the
    trainer's restored ``log_history``, and a ``best/`` saved after the step resumed from
    (a crashed run may have got further than its last checkpoint) is put back to the model
    of the best step up to it, from that step's checkpoint, or removed if none was kept.
    """

    def __init__(self, method: str, trainlog_callback: TrainlogCallback, processor: Any = None):
        spec = load_plugins().method(method)
        self.metric = spec.best_metric
        self.mode = spec.best_mode
        self.eval_key = spec.eval_key
        self.trainlog = trainlog_callback
        self.processor = processor
        self.best: float | None = None
        self._pending: dict[str, Any] | None = None
        self._logged: tuple[int, dict[str, Any]] = (-1, {})

    def value(self, metrics: Mapping[str, Any]) -> float | None:
        """The method's best metric in ``metrics`` (trainer names), if present and finite."""
        for key, raw in metrics.items():
            if self.eval_key(key) == self.metric and isinstance(raw, int | float):
                return float(raw) if math.isfinite(raw) else None
        return None

    def improves(self, value: float) -> bool:
        return improves(value, self.best, self.mode)

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.best = None
        best_step = None
        for entry in state.log_history:
            value = self.value(entry)
            if value is not None and self.improves(value):
                self.best, best_step = value, entry.get("step")
        if state.global_step > 0 and state.is_world_process_zero:
            restore_best(Path(args.output_dir), state.global_step, best_step)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # TRL adds its evaluation metrics (eval_reward...) in ``log``; keep them for
        # on_evaluate in case the metrics it receives lack them.
        if logs and is_eval_log(logs):
            self._logged = (state.global_step, dict(logs))

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        step, logged = self._logged
        merged = {**(logged if step == state.global_step else {}), **(metrics or {})}
        value = self.value(merged)
        if value is None or not self.improves(value):
            return
        self.best = value
        path = Path(args.output_dir) / BEST_DIR
        if state.is_world_process_zero:
            processor = self.processor or kwargs.get("processing_class")
            save_model(kwargs.get("model"), processor, path, {"step": state.global_step})
        self._pending = {"step": state.global_step, "path": str(path), "epoch": state.epoch}
        if not control.should_save:
            self._report()

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self._report()

    def _report(self) -> None:
        pending, self._pending = self._pending, None
        run = self.trainlog.run
        if pending is None or run is None or run.status is not None:
            return
        step = pending.pop("step")
        run.emit("checkpoint", step, best=True, **pending)


def save_model(model: Any, processor: Any, path: Path, info: dict[str, Any] | None = None) -> None:
    """Write the model (the adapter, for a PEFT model) and its processor into ``path``.

    ``info`` (best/: the step saved) goes into ``path/BEST_INFO`` in the same replace.
    """
    if model is None:
        return
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    if processor is not None:
        processor.save_pretrained(tmp)
    _replace_dir(tmp, path, info)


BEST_INFO = "trainlog_best.json"
TRAINER_STATE_FILES = ("optimizer.pt", "scheduler.pt", "scaler.pt", "training_args.bin")
"""What a checkpoint holds besides the model: not copied when it becomes best/."""


def _replace_dir(tmp: Path, path: Path, info: dict[str, Any] | None) -> None:
    if info is not None:
        (tmp / BEST_INFO).write_text(json.dumps(info) + "\n", encoding="utf-8")
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)


def restore_best(output_dir: Path, resumed_step: int, best_step: int | None) -> None:
    """Make ``best/`` hold the best model up to ``resumed_step`` again (see BestModelCallback).

    ``best/`` records its step in ``BEST_INFO``; one saved after ``resumed_step`` belongs to
    the stretch the resume discards. Its replacement is the checkpoint of ``best_step``.
    """
    best = output_dir / BEST_DIR
    try:
        saved_at = json.loads((best / BEST_INFO).read_text(encoding="utf-8"))["step"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no best/, or one from before steps were recorded: nothing to compare
    if not isinstance(saved_at, int) or saved_at <= resumed_step:
        return
    source = _checkpoint_at(output_dir, best_step) if best_step is not None else None
    if source is None:
        shutil.rmtree(best, ignore_errors=True)
        logger.warning(
            "best/ held the model of step %s, after the step resumed from (%s), and no "
            "checkpoint of the best step up to it (%s) was kept: removed; the next "
            "improving evaluation saves it again",
            saved_at,
            resumed_step,
            best_step,
        )
        return
    tmp = best.with_name(best.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    ignore = shutil.ignore_patterns(*TRAINER_STATE_FILES, "rng_state*", "trainer_state.json")
    shutil.copytree(source, tmp, ignore=ignore)
    _replace_dir(tmp, best, {"step": best_step})
    logger.warning(
        "best/ held the model of step %s, after the step resumed from (%s): restored the "
        "best model up to it (step %s) from %s",
        saved_at,
        resumed_step,
        best_step,
        source.name,
    )


def _checkpoint_at(output_dir: Path, step: int) -> Path | None:
    """The checkpoint folder whose ``trainer_state.json`` says ``global_step == step``."""
    for folder in output_dir.glob("checkpoint-*"):
        try:
            state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(state, dict) and state.get("global_step") == step:
            return folder
    return None


class SampleNamedCheckpoints(TrainerCallback):
    """Renames ``checkpoint-<step>`` to ``checkpoint-samples-<N>`` (N: prompts seen), as GRPO's
    seed layout has it. Must come before the ``TrainlogCallback`` so the log names the new
    folder; give that callback ``checkpoint_path=this.path``.
    """

    def __init__(self, samples_per_step: int):
        self.samples_per_step = samples_per_step

    def path(self, args: TrainingArguments, state: TrainerState) -> str:
        samples = state.global_step * self.samples_per_step
        return os.path.join(args.output_dir, f"checkpoint-samples-{samples}")

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        source = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        target = Path(self.path(args, state))
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            os.replace(source, target)
