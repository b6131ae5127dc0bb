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


def _odd_values_log(tmp_path):
    """A line-per-entry log whose entries hold nulls, strings, missing keys and lists."""
    lines = []
    for step in range(1, 301):
        entry = {"step": step, "loss": 1 / step, "reward": step % 7}
        if step % 11 == 0:
            entry["loss"] = None
        if step % 13 == 0:
            entry["reward"] = "n/a"
        if step % 17 == 0:
            del entry["reward"]
        if step % 19 == 0:
            entry["kl"] = [1, 2]
        lines.append("    " + json.dumps(entry))
    path = tmp_path / "training_log.json"
    path.write_text(
        '{\n  "train_history": [\n' + ",\n".join(lines) + '\n  ],\n  "val_history": [],\n'
        '  "method": "grpo"\n}\n'
    )
    return path


@pytest.mark.parametrize("size", [1, 97, 4096, 1 << 20])
def test_chunks_hold_every_entry_once_in_order(tmp_path, size):
    log = read_log(_odd_values_log(tmp_path))
    full = json.loads((tmp_path / "training_log.json").read_text())["train_history"]
    chunks = list(log.train_history.chunks(size))
    assert [entry for chunk in chunks for entry in chunk] == full
    assert (len(chunks) == 1) == (size == 1 << 20)


def test_columns_match_column_per_key_whether_parsed_lazily_or_not(tmp_path):
    import numpy as np

    from trainlog.stats import column, columns

    log = read_log(_odd_values_log(tmp_path))
    lazy = columns(log.train_history, ["loss", "reward", "kl", "absent"])
    parsed = list(log.train_history)  # a plain list now
    for key, (steps, values) in lazy.items():
        want_steps, want_values = column(parsed, key)
        assert np.array_equal(steps, want_steps) and np.array_equal(values, want_values)
    assert len(lazy["loss"][1]) == 300 - 300 // 11 and lazy["absent"][1].size == 0


def test_a_bad_line_in_a_later_chunk_fails_that_chunk(tmp_path):
    path = tmp_path / "training_log.json"
    lines = [f'    {{"step": {step}}}' for step in range(1, 61)]
    lines[30] = '    {"step": 31,,}'
    path.write_text(
        '{\n  "train_history": [\n' + ",\n".join(lines) + '\n  ],\n  "val_history": [],\n'
        '  "method": "lora"\n}\n'
    )
    chunks = read_log(path).train_history.chunks(64)
    assert next(chunks)[0] == {"step": 1}
    with pytest.raises(LogFormatError, match=r"training_log.json: train_history is not valid JSON"):
        list(chunks)
