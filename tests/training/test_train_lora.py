"""``python -m training.train_lora`` on the tiny model: the log agrees with TRL, resume, QLoRA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from transformers import TrainerCallback

import training.common

SEED_CONFIG_KEYS = {
    "model_path", "train_data", "val_data", "num_epochs", "batch_size",
    "learning_rate", "lora_r", "use_4bit", "bf16",
}  # fmt: skip


@pytest.fixture(scope="module")
def lora_run(run_script: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lora") / "run"
    return run_script(
        "lora", out, "--max_steps", "4", "--eval_steps", "2", "--sinks", "json,csv,tensorboard"
    )


def test_log_agrees_with_trainer_state(lora_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(lora_run)
    history = log_checks.trainer_log_history(lora_run / "checkpoint-4")
    log_checks.assert_log_matches_history(log, history, "lora")
    assert log_checks.steps(log["train_history"]) == [1, 2, 3, 4]
    assert log_checks.steps(log["val_history"]) == [2, 4]


def test_seed_shape_and_layout(lora_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(lora_run)
    assert set(log["config"]) >= SEED_CONFIG_KEYS
    assert log["config"]["bf16"] is False and log["config"]["use_4bit"] is False
    assert log["status"] == "completed"
    for entry in log["train_history"]:
        assert {"step", "epoch", "loss", "learning_rate"} <= set(entry)
    for entry in log["val_history"]:
        assert {"step", "epoch", "eval_loss"} <= set(entry)
    best = min(log["val_history"], key=lambda e: e["eval_loss"])
    assert log["final_metrics"] == {
        "best_metric": best["eval_loss"],
        "best_checkpoint": str(lora_run / "best"),
    }
    for folder in ("best", "final", "checkpoint-2", "checkpoint-4"):
        assert (lora_run / folder / "adapter_model.safetensors").is_file(), folder
    assert (lora_run / "train_history.csv").is_file()
    assert list(lora_run.glob("events.out.tfevents.*"))


class Crash(TrainerCallback):
    """Stops training with Ctrl-C at ``step``, after that step was logged."""

    def __init__(self, step: int):
        self.step = step

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if state.global_step == self.step and "loss" in (logs or {}):
            raise KeyboardInterrupt


def test_resume_after_interrupt_has_each_step_once(
    run_script: Any, tmp_path: Path, log_checks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    args = ("--max_steps", "4", "--eval_steps", "2", "--sinks", "json,csv,tensorboard")
    original = training.common.callbacks

    def with_crash(*a: Any, **k: Any) -> Any:
        log, callbacks = original(*a, **k)
        return log, [*callbacks, Crash(step=3)]

    monkeypatch.setattr(training.common, "callbacks", with_crash)
    with pytest.raises(KeyboardInterrupt):
        run_script("lora", out, *args)
    monkeypatch.setattr(training.common, "callbacks", original)
    interrupted = log_checks.read_log(out)
    assert interrupted["status"] == "interrupted"
    assert log_checks.steps(interrupted["train_history"]) == [1, 2, 3]

    run_script("lora", out, *args, "--resume_from_checkpoint", str(out / "checkpoint-2"))
    log = log_checks.read_log(out)
    assert log["status"] == "completed"
    assert log_checks.steps(log["train_history"]) == [1, 2, 3, 4]
    assert log_checks.steps(log["val_history"]) == [2, 4]
    assert log["train_history"][:2] == interrupted["train_history"][:2]
    log_checks.assert_log_matches_history(
        log, log_checks.trainer_log_history(out / "checkpoint-4"), "lora"
    )
    assert log_checks.steps(log_checks.csv_rows(out / "train_history.csv")) == [1, 2, 3, 4]
    assert log_checks.steps(log_checks.csv_rows(out / "val_history.csv")) == [2, 4]
    assert log_checks.tensorboard_steps(out, "train/loss") == [1, 2, 3, 4]
    assert log_checks.tensorboard_steps(out, "eval/eval_loss") == [2, 4]


def test_qlora_runs_on_cpu(
    run_script: Any, tiny_root: Path, tmp_path: Path, log_checks: Any
) -> None:
    out = run_script(
        "lora", tmp_path / "qlora", "--use_4bit", "--max_steps", "2", "--eval_steps", "2"
    )
    log = log_checks.read_log(out)
    assert log["config"]["use_4bit"] is True
    assert log_checks.steps(log["train_history"]) == [1, 2]
    assert all(entry["loss"] > 0 for entry in log["train_history"])
    assert (out / "final" / "adapter_model.safetensors").is_file()
    args = training.common.parse_args(
        training.common.base_parser("", 500),
        ["--model_path", str(tiny_root / "model"), "--train_data", "x", "--output_dir", "y",
         "--use_4bit"],
    )  # fmt: skip
    assert training.common.load_model(args).is_loaded_in_4bit
