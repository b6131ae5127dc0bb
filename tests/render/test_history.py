"""The reader's lazy History: same entries as a full parse, at a fraction of the cost."""

from __future__ import annotations

import json

import pytest

from trainlog.errors import LogFormatError
from trainlog.history import History
from trainlog.reader import read_log


def test_lazy_history_matches_full_parse(make_run):
    run = make_run("grpo", steps=50)
    log = read_log(run)
    full = json.loads((run / "training_log.json").read_text())
    history = log.train_history
    assert isinstance(history, History)
    assert len(history) == 50
    assert history[-1] == full["train_history"][-1]
    assert history[0] == full["train_history"][0]
    assert history[:3] == full["train_history"][:3]
    assert history[-3:] == full["train_history"][-3:]
    assert history[7] == full["train_history"][7]
    assert history == full["train_history"]
    assert list(log.val_history) == full["val_history"]
    assert log.method == "grpo"
    assert log.best == full["best_checkpoint"]


def test_method_inferred_for_line_per_entry_log_without_method(tmp_path):
    path = tmp_path / "training_log.json"
    path.write_text(
        '{\n  "config": {},\n  "train_history": [\n'
        '    {"step": 1, "loss": 0.4, "accuracy": 0.7, "reward_margin": 1.0},\n'
        '    {"step": 2, "loss": 0.3, "accuracy": 0.8, "reward_margin": 1.1}\n  ],\n'
        '  "val_history": []\n}\n'
    )
    log = read_log(path)
    assert isinstance(log.train_history, History)
    assert log.method == "dpo"
    assert len(log.train_history) == 2


def test_corrupt_line_is_reported_when_parsed(tmp_path):
    path = tmp_path / "training_log.json"
    path.write_text(
        '{\n  "train_history": [\n    {"step": 1},\n    {"step": 2,,},\n    {"step": 3}\n  ],\n'
        '  "val_history": [],\n  "method": "lora"\n}\n'
    )
    log = read_log(path)
    assert log.train_history[-1] == {"step": 3}
    with pytest.raises(LogFormatError, match=r"training_log.json: train_history is not valid JSON"):
        list(log.train_history)


def test_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "training_log.json"
    path.write_text(
        '{\n  "train_history": [\n    {"step": 1},\n    [2]\n  ],\n  "val_history": [],\n'
        '  "method": "lora"\n}\n'
    )
    with pytest.raises(LogFormatError, match=r"train_history\[1\] is not an object"):
        read_log(path)


def test_nan_written_by_python_is_accepted(tmp_path):
    path = tmp_path / "training_log.json"
    path.write_text(
        json.dumps({"train_history": [{"step": 1, "loss": float("nan")}], "val_history": []})
    )
    log = read_log(path)
    assert log.train_history[0]["loss"] != log.train_history[0]["loss"]
