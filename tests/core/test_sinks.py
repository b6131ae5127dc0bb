"""Every sink honours the same contract; a sink that fails or hangs harms nothing else."""

from __future__ import annotations

import csv
import logging
import threading
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import trainlog
from tests.conftest import read_json_strict
from trainlog import plugins
from trainlog.sink import Sink

BUILTIN_SINKS = ["json", "tensorboard", "csv"]


def _emit_sample(run) -> None:
    for step in range(1, 31):
        run.emit("train", step, loss=1.0 / step, learning_rate=1e-4 * step, epoch=step / 30)
        if step % 10 == 0:
            run.emit("eval", step, eval_loss=2.0 / step, epoch=step / 30)
            run.emit("checkpoint", step, path=f"ckpt-{step}")


@pytest.mark.parametrize("sink", BUILTIN_SINKS)
def test_sink_contract(sink: str, tmp_path: Path) -> None:
    """Each sink, alone, survives open/write/flush/close and leaves readable output."""
    out = tmp_path / sink
    run = trainlog.init("lora", out, sinks=[sink])
    _emit_sample(run)
    run.flush()
    report = run.finish()
    assert report.ok, report.failed_sinks
    files = {p.name for p in out.iterdir()}
    expected = {
        "json": ["training_log.json"],
        "csv": ["train_history.csv", "val_history.csv"],
        "tensorboard": ["events.out.tfevents."],
    }[sink]
    for prefix in expected:
        assert any(name.startswith(prefix) for name in files), (prefix, files)
    assert (out / ".trainlog" / "train_history.jsonl").exists()  # the journal is always kept


def test_registered_sinks_are_the_builtins() -> None:
    assert sorted(plugins.load_plugins().sinks) == sorted(BUILTIN_SINKS)


def test_tensorboard_reads_back_every_value(tmp_path: Path) -> None:
    run = trainlog.init("grpo", tmp_path, sinks=["json", "tensorboard"], config={"lora_r": 8})
    emitted: dict[str, list[tuple[int, float]]] = {}
    for step in range(1, 51):
        values = {"loss": 1 / step, "reward": step * 0.1, "kl": 0.01 * step, "learning_rate": 2e-5}
        run.emit("train", step, **values)
        for key, value in values.items():
            tag = "train/" + ("lr" if key == "learning_rate" else key)
            emitted.setdefault(tag, []).append((step, value))
    run.emit("eval", 50, eval_reward=2.5, **{"eval_rewards/format_reward/mean": 0.9})
    run.finish()
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    for tag, points in emitted.items():
        got = [(s.step, s.value) for s in accumulator.Scalars(tag)]
        assert [s for s, _ in got] == [s for s, _ in points]
        assert [v for _, v in got] == pytest.approx([v for _, v in points], rel=1e-6)
    assert accumulator.Scalars("eval/val_reward")[0].value == pytest.approx(2.5)
    assert accumulator.Scalars("eval/val_format")[0].value == pytest.approx(0.9)
    config_text = accumulator.Tensors("config")[0].tensor_proto.string_val[0].decode()
    assert "lora_r" in config_text and "grpo" in config_text


def test_csv_grows_a_column_without_losing_rows(tmp_path: Path) -> None:
    run = trainlog.init("lora", tmp_path, sinks=["csv"])
    run.emit("train", 1, loss=1.0, learning_rate=0.1)
    run.flush()
    run.emit("train", 2, loss=0.5, learning_rate=0.1, grad_norm=3.0)
    run.emit("train", 3, loss=0.25, learning_rate=0.1)
    run.finish()
    with open(tmp_path / "train_history.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["step", "loss", "learning_rate", "grad_norm"],
        ["1", "1.0", "0.1", ""],
        ["2", "0.5", "0.1", "3.0"],
        ["3", "0.25", "0.1", ""],
    ]


class _RaisingSink(Sink):
    name = "raising"

    def write(self, events) -> None:
        raise OSError(28, "No space left on device")


class _HangingSink(Sink):
    name = "hanging"
    release = threading.Event()

    def write(self, events) -> None:
        self.release.wait(30)


def _with_test_sinks(monkeypatch) -> None:
    registry = plugins.load_plugins()
    monkeypatch.setitem(registry.sinks, "raising", _RaisingSink)
    monkeypatch.setitem(registry.sinks, "hanging", _HangingSink)


def test_failing_sink_is_reported_once_and_isolated(tmp_path: Path, monkeypatch, caplog) -> None:
    _with_test_sinks(monkeypatch)
    caplog.set_level(logging.WARNING, logger="trainlog")
    run = trainlog.init("lora", tmp_path, sinks=["raising", "json", "csv"])
    for step in range(1, 101):
        run.emit("train", step, loss=1.0, learning_rate=0.1)
        if step % 10 == 0:
            run.flush()
    report = run.finish()
    assert set(report.failed_sinks) == {"raising"}
    assert "No space left" in report.failed_sinks["raising"]
    failures = [r for r in caplog.records if "sink 'raising' failed" in r.getMessage()]
    assert len(failures) == 1
    log = read_json_strict(tmp_path / "training_log.json")
    assert len(log["train_history"]) == 100
    assert "raising" in log["failed_sinks"]
    assert len((tmp_path / "train_history.csv").read_text().splitlines()) == 101


def test_hanging_sink_is_detached_and_others_go_on(tmp_path: Path, monkeypatch, caplog) -> None:
    _with_test_sinks(monkeypatch)
    caplog.set_level(logging.WARNING, logger="trainlog")
    # long enough that the json sink is not detached on a loaded machine
    run = trainlog.init("lora", tmp_path, sinks=["hanging", "json"], sink_timeout=2.0)
    for step in range(1, 201):
        run.emit("train", step, loss=1.0, learning_rate=0.1)
        if step % 50 == 0:
            run.flush()
    report = run.finish()
    _HangingSink.release.set()
    assert set(report.failed_sinks) == {"hanging"}
    assert "stalled" in report.failed_sinks["hanging"]
    assert len(read_json_strict(tmp_path / "training_log.json")["train_history"]) == 200
    assert sum("sink 'hanging' failed" in r.getMessage() for r in caplog.records) == 1


def test_full_disk_keeps_the_last_valid_json(tmp_path: Path, monkeypatch) -> None:
    """ENOSPC while rewriting training_log.json: the previous version stays, training goes on."""
    import trainlog.logfile as logfile

    run = trainlog.init("lora", tmp_path, sinks=["json", "csv"])
    run.emit("train", 1, loss=1.0, learning_rate=0.1)
    run.flush()
    before = (tmp_path / "training_log.json").read_bytes()
    real_copy = logfile._copy_history

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(logfile, "_copy_history", full_disk)
    run.emit("train", 2, loss=0.5, learning_rate=0.1)
    run.flush()
    assert (tmp_path / "training_log.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setattr(logfile, "_copy_history", real_copy)
    run.emit("train", 3, loss=0.25, learning_rate=0.1)
    report = run.finish()
    assert set(report.failed_sinks) == {"json"}
    assert len((tmp_path / "train_history.csv").read_text().splitlines()) == 4
    assert read_json_strict(tmp_path / "training_log.json")["train_history"][0]["step"] == 1
