"""``python -m training.train_dpo`` on the tiny model: the log agrees with TRL, seed shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def dpo_run(run_script: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dpo") / "run"
    return run_script("dpo", out, "--max_steps", "4", "--eval_steps", "2", "--beta", "0.2")


def test_log_agrees_with_trainer_state(dpo_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(dpo_run)
    history = log_checks.trainer_log_history(dpo_run / "checkpoint-4")
    log_checks.assert_log_matches_history(log, history, "dpo")
    assert log_checks.steps(log["train_history"]) == [1, 2, 3, 4]
    assert log_checks.steps(log["val_history"]) == [2, 4]


def test_seed_shape(dpo_run: Path, log_checks: Any) -> None:
    log = log_checks.read_log(dpo_run)
    assert {"model_path", "train_data", "val_data", "beta"} <= set(log["config"])
    assert log["config"]["beta"] == 0.2
    for entry in log["train_history"]:
        assert {"step", "epoch", "loss", "accuracy", "reward_margin"} <= set(entry)
    val_keys = {"val_loss", "val_accuracy", "val_reward_margin"}
    for entry in log["val_history"]:
        assert {"step", "epoch"} | val_keys <= set(entry)
    best = log["best_checkpoint"]
    assert {"step", "epoch", "path"} | val_keys <= set(best)
    assert best["path"] == str(dpo_run / "best")
    assert best["val_accuracy"] == max(e["val_accuracy"] for e in log["val_history"])
    assert (dpo_run / "best" / "adapter_model.safetensors").is_file()
