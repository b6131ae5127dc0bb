"""``python -m training.train_grpo`` on the tiny model: the log agrees with TRL, seed shape."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def grpo_run(run_script: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("grpo") / "run"
    return run_script(
        "grpo", out, "--max_steps", "4", "--eval_steps", "2", "--num_generations", "2",
        "--max_completion_length", "8", "--sinks", "json,csv",
    )  # fmt: skip


def test_log_agrees_with_trainer_state(grpo_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(grpo_run)
    history = log_checks.trainer_log_history(grpo_run / "checkpoint-samples-8")
    log_checks.assert_log_matches_history(log, history, "grpo")
    assert log_checks.steps(log["train_history"]) == [1, 2, 3, 4]
    assert log_checks.steps(log["val_history"]) == [2, 4]


def test_seed_shape_samples_and_checkpoint_names(grpo_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(grpo_run)
    config = log["config"]
    assert {"model_path", "train_data", "val_data", "num_generations", "temperature"} <= set(config)
    assert config["kl_coef"] == 0.1
    for entry in log["train_history"]:
        assert {"step", "epoch", "samples", "loss", "reward", "kl", "lr"} <= set(entry)
        # --batch_size 2 prompts × accumulation 1 × one process
        assert entry["samples"] == 2 * entry["step"]
    sub_rewards = {"val_format", "val_bbox", "val_category", "val_completeness"}
    for entry in log["val_history"]:
        assert {"step", "epoch", "samples", "val_reward"} | sub_rewards <= set(entry)
    best = log["best_checkpoint"]
    assert {"step", "epoch", "samples", "val_reward"} <= set(best)
    assert best["path"] == str(grpo_run / "best")
    assert best["val_reward"] == max(e["val_reward"] for e in log["val_history"])
    names = sorted(p.name for p in grpo_run.glob("checkpoint-*"))
    assert names == ["checkpoint-samples-4", "checkpoint-samples-8"]
    logged = [c["path"] for c in log["checkpoints"] if not c.get("best")]
    assert all(Path(path).is_dir() for path in logged)
    assert (grpo_run / "best" / "adapter_model.safetensors").is_file()
    assert (grpo_run / "final" / "adapter_model.safetensors").is_file()


def test_resume_from_sample_named_checkpoint(
    grpo_run: Path, run_script: Any, tmp_path: Path, log_checks: Any
) -> None:
    out = tmp_path / "run"
    shutil.copytree(grpo_run, out)
    before = log_checks.read_log(out)
    run_script(
        "grpo", out, "--max_steps", "4", "--eval_steps", "2", "--num_generations", "2",
        "--max_completion_length", "8", "--sinks", "json,csv",
        "--resume_from_checkpoint", str(out / "checkpoint-samples-4"),
    )  # fmt: skip
    log = log_checks.read_log(out)
    assert log_checks.steps(log["train_history"]) == [1, 2, 3, 4]
    assert log_checks.steps(log["val_history"]) == [2, 4]
    assert log["train_history"][:2] == before["train_history"][:2]
    assert [e["samples"] for e in log["train_history"]] == [2, 4, 6, 8]
    assert log_checks.steps(log_checks.csv_rows(out / "train_history.csv")) == [1, 2, 3, 4]
    log_checks.assert_log_matches_history(
        log, log_checks.trainer_log_history(out / "checkpoint-samples-8"), "grpo"
    )
