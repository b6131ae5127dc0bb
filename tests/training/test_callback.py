"""``TrainlogCallback`` with a plain ``transformers.Trainer`` on a tiny random text model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from datasets import Dataset
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    Trainer,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)

from trainlog.integrations.transformers import TrainlogCallback


def tiny_text_model() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=32,
    )
    return LlamaForCausalLM(config)


def token_dataset(rows: int, seed: int) -> Dataset:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, 64, (rows, 12), generator=generator).tolist()
    return Dataset.from_dict({"input_ids": ids, "labels": ids})


def make_trainer(output_dir: Path, callback: TrainlogCallback, **overrides: Any) -> Trainer:
    args = TrainingArguments(
        output_dir=str(output_dir),
        max_steps=6,
        per_device_train_batch_size=2,
        logging_steps=2,
        eval_strategy="steps",
        eval_steps=3,
        save_steps=3,
        metric_for_best_model="eval_loss",
        report_to="none",
        use_cpu=True,
        **overrides,
    )
    return Trainer(
        model=tiny_text_model(),
        args=args,
        train_dataset=token_dataset(16, 1),
        eval_dataset=token_dataset(4, 2),
        callbacks=[callback],
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Trainer]:
    out = tmp_path_factory.mktemp("callback") / "run"
    callback = TrainlogCallback("lora", config={"note": "plain Trainer"})
    trainer = make_trainer(out, callback)
    trainer.train()
    return out, trainer


def test_log_agrees_with_trainer_log_history(trained: Any, log_checks: Any) -> None:
    out, trainer = trained
    log = log_checks.read_log(out)
    log_checks.assert_log_matches_history(log, trainer.state.log_history, "lora")
    # Each step once; the end-of-training summary (train_runtime...) is not a step.
    assert log_checks.steps(log["train_history"]) == [2, 4, 6]
    assert log_checks.steps(log["val_history"]) == [3, 6]
    assert not any("train_runtime" in entry for entry in log["train_history"])
    assert log["status"] == "completed"


def test_config_has_script_and_training_arguments(trained: Any, log_checks: Any) -> None:
    out, _ = trained
    config = log_checks.read_log(out)["config"]
    assert config["note"] == "plain Trainer"
    assert config["max_steps"] == 6
    assert config["per_device_train_batch_size"] == 2
    assert config["world_size"] == 1
    assert config["eval_strategy"] == "steps"


def test_checkpoints_carry_trainer_best(trained: Any, log_checks: Any) -> None:
    out, trainer = trained
    log = log_checks.read_log(out)
    paths = [c["path"] for c in log["checkpoints"]]
    assert paths == [str(out / "checkpoint-3"), str(out / "checkpoint-6")]
    assert all(Path(path).is_dir() for path in paths)
    best = trainer.state.best_model_checkpoint
    assert log["final_metrics"]["best_checkpoint"] == best
    assert log["final_metrics"]["best_metric"] == pytest.approx(trainer.state.best_metric)


def test_evaluate_after_training_is_ignored(trained: Any, log_checks: Any) -> None:
    out, trainer = trained
    before = (out / "training_log.json").read_text()
    trainer.evaluate()
    assert (out / "training_log.json").read_text() == before


def state(step: int, main: bool = True) -> TrainerState:
    result = TrainerState(is_world_process_zero=main)
    result.global_step = step
    result.epoch = step / 10
    return result


def test_other_ranks_write_nothing(tmp_path: Path) -> None:
    args = TrainingArguments(output_dir=str(tmp_path / "run"), report_to="none", use_cpu=True)
    callback = TrainlogCallback("lora")
    callback.on_train_begin(args, state(0, main=False), TrainerControl())
    callback.on_log(args, state(1, main=False), TrainerControl(), logs={"loss": 1.0})
    callback.on_train_end(args, state(1, main=False), TrainerControl())
    assert callback.run is None
    assert not (tmp_path / "run").exists()


def test_eval_seen_in_log_and_evaluate_is_recorded_once(tmp_path: Path, log_checks: Any) -> None:
    args = TrainingArguments(output_dir=str(tmp_path / "run"), report_to="none", use_cpu=True)
    callback = TrainlogCallback("grpo")
    control = TrainerControl()
    callback.on_train_begin(args, state(0), control)
    metrics = {"eval_reward": 1.5, "eval_rewards/bbox_reward/mean": 0.5, "epoch": 0.2}
    callback.on_log(args, state(2), control, logs=dict(metrics))
    callback.on_evaluate(args, state(2), control, metrics=dict(metrics))
    # A trainer that evaluates without logging still gets its evaluation recorded.
    callback.on_evaluate(args, state(4), control, metrics={"eval_reward": 2.0})
    callback.on_train_end(args, state(4), control)
    log = log_checks.read_log(tmp_path / "run")
    assert [(e["step"], e["val_reward"]) for e in log["val_history"]] == [(2, 1.5), (4, 2.0)]
    assert log["val_history"][0]["val_bbox"] == 0.5


def test_failed_training_is_marked_failed(tmp_path: Path, log_checks: Any) -> None:
    args = TrainingArguments(output_dir=str(tmp_path / "run"), report_to="none", use_cpu=True)
    callback = TrainlogCallback("dpo")
    callback.on_train_begin(args, state(0), TrainerControl())
    callback.on_log(args, state(1), TrainerControl(), logs={"loss": 0.7, "rewards/accuracies": 1})
    callback.finish("failed")
    log = log_checks.read_log(tmp_path / "run")
    assert log["status"] == "failed"
    assert log["train_history"][0]["accuracy"] == 1


def test_import_trainlog_does_not_import_transformers() -> None:
    code = "import sys, trainlog; trainlog.init; assert 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _checkpoint(out: Path, step: int, model: Any) -> Path:
    """A checkpoint folder as the Trainer writes one: the model, its state, the optimizer."""
    folder = out / f"checkpoint-{step}"
    model.save_pretrained(folder)
    state = TrainerState(global_step=step)
    state.save_to_json(str(folder / "trainer_state.json"))
    torch.save({"state": {}}, folder / "optimizer.pt")
    return folder


def _resume_best_model_callback(out: Path, resumed: int, history: list[dict[str, Any]]) -> None:
    from training.callbacks import BestModelCallback

    callback = BestModelCallback("lora", TrainlogCallback("lora"))
    state = TrainerState(global_step=resumed, log_history=history)
    callback.on_train_begin(TrainingArguments(output_dir=str(out)), state, TrainerControl())
    assert callback.best == min(e["eval_loss"] for e in history if "eval_loss" in e)


def test_resume_puts_best_back_to_the_best_step_up_to_the_checkpoint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from training.callbacks import BEST_INFO, save_model

    at_step_2, at_step_3 = tiny_text_model(), tiny_text_model()
    with torch.no_grad():
        at_step_3.lm_head.weight.add_(1.0)
    checkpoint = _checkpoint(tmp_path, 2, at_step_2)
    save_model(at_step_3, None, tmp_path / "best", {"step": 3})  # saved, then the crash
    history = [{"eval_loss": 2.0, "step": 1}, {"eval_loss": 1.5, "step": 2}]

    _resume_best_model_callback(tmp_path, 2, history)  # resumed from checkpoint-2

    best = tmp_path / "best"
    weights = "model.safetensors"
    assert (best / weights).read_bytes() == (checkpoint / weights).read_bytes()
    assert json.loads((best / BEST_INFO).read_text()) == {"step": 2}
    assert not (best / "optimizer.pt").exists() and not (best / "trainer_state.json").exists()
    assert "restored the best model up to it (step 2) from checkpoint-2" in caplog.text


def test_resume_removes_a_later_best_when_no_checkpoint_holds_the_earlier_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from training.callbacks import save_model

    save_model(tiny_text_model(), None, tmp_path / "best", {"step": 3})
    _resume_best_model_callback(tmp_path, 2, [{"eval_loss": 1.5, "step": 1}])
    assert not (tmp_path / "best").exists()
    assert "no checkpoint of the best step up to it (1) was kept: removed" in caplog.text


def test_resume_keeps_a_best_saved_before_the_checkpoint(tmp_path: Path) -> None:
    from training.callbacks import BEST_INFO, save_model

    save_model(tiny_text_model(), None, tmp_path / "best", {"step": 2})
    before = (tmp_path / "best" / "model.safetensors").read_bytes()
    _resume_best_model_callback(tmp_path, 4, [{"eval_loss": 1.5, "step": 2}])
    assert (tmp_path / "best" / "model.safetensors").read_bytes() == before
    assert json.loads((tmp_path / "best" / BEST_INFO).read_text()) == {"step": 2}
