"""Failures core tests do not cover: a full disk under the journal itself, the bounded queue
with a slow sink (nothing lost, emit waits, one warning), and finish naming every failed sink."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import trainlog
from tests.conftest import read_json_strict
from trainlog import plugins
from trainlog.events import Event
from trainlog.journal import Journal
from trainlog.sink import Sink


def _csv_rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


def test_full_disk_under_the_journal(tmp_path: Path, monkeypatch, caplog) -> None:
    """ENOSPC when the journal is flushed: JSON keeps its last valid version, the other sinks
    and the caller go on, the failure is reported once and ``finish`` names the journal."""
    caplog.set_level(logging.WARNING, logger="trainlog")
    run = trainlog.init("lora", tmp_path, sinks=["json", "csv"], writer="thread")
    for step in range(1, 11):
        run.emit("train", step, loss=1.0 / step)
    run.flush()
    real_commit = Journal.commit

    def disk_full(self: Journal) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Journal, "commit", disk_full)
    for step in range(11, 31):
        run.emit("train", step, loss=1.0 / step)  # never raises
        if step % 5 == 0:
            run.flush()
            assert len(read_json_strict(tmp_path / "training_log.json")["train_history"]) == 10
    monkeypatch.setattr(Journal, "commit", real_commit)
    report = run.finish()
    assert set(report.failed_sinks) == {"journal"}
    assert "No space left" in report.failed_sinks["journal"]
    log = read_json_strict(tmp_path / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, 11))
    assert log["status"] == "completed" and "journal" in log["failed_sinks"]
    assert _csv_rows(tmp_path / "train_history.csv") == 30  # the CSV sink went on
    warnings = [r for r in caplog.records if "journal in" in r.getMessage()]
    assert len(warnings) == 1


class _GatedSink(Sink):
    """Takes nothing until the test opens the gate; then records what it got."""

    name = "gated"
    gate = threading.Event()
    received: ClassVar[list[int]] = []

    def write(self, events: Sequence[Event]) -> None:
        self.gate.wait(60)
        self.received.extend(e.step for e in events if e.kind == "train")


def test_bounded_queue_makes_emit_wait_and_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(plugins.load_plugins().sinks, "gated", _GatedSink)
    _GatedSink.gate.clear()
    _GatedSink.received = []
    throttled = threading.Event()
    warnings: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "max_queue" in record.getMessage():
                warnings.append(record.getMessage())
                throttled.set()

    handler = Watch()
    logging.getLogger("trainlog").addHandler(handler)
    total = 5000
    emitted = [0]
    run = trainlog.init(
        "lora", tmp_path, sinks=["json", "gated"], writer="thread", max_queue=16, sink_timeout=60
    )

    def train() -> None:
        for step in range(1, total + 1):
            run.emit("train", step, loss=1.0)
            emitted[0] = step

    trainer = threading.Thread(target=train)
    try:
        trainer.start()
        assert throttled.wait(30), "emit never reached max_queue"
        assert emitted[0] < total  # the trainer is held back, not racing ahead dropping events
        _GatedSink.gate.set()
        trainer.join(60)
        report = run.finish()
    finally:
        _GatedSink.gate.set()
        logging.getLogger("trainlog").removeHandler(handler)
    assert report.ok, report.failed_sinks
    assert _GatedSink.received == list(range(1, total + 1))
    log = read_json_strict(tmp_path / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == list(range(1, total + 1))
    assert len(warnings) == 1


class _Fails(Sink):
    when = ""

    def open(self, run) -> None:
        if self.when == "open":
            raise PermissionError(13, "Permission denied")

    def write(self, events) -> None:
        if self.when == "write":
            raise OSError(errno.EIO, "Input/output error")

    def flush(self) -> None:
        if self.when == "flush":
            raise OSError(errno.ENOSPC, "No space left on device")

    def close(self, status: str) -> None:
        if self.when == "close":
            raise RuntimeError("close failed")


def test_finish_names_every_failed_sink(tmp_path: Path, monkeypatch, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="trainlog")
    registry = plugins.load_plugins()
    for when in ("open", "write", "flush", "close"):
        monkeypatch.setitem(registry.sinks, f"fails-{when}", type(when, (_Fails,), {"when": when}))
    sinks = ["json", "csv", "fails-open", "fails-write", "fails-flush", "fails-close"]
    run = trainlog.init("lora", tmp_path, sinks=sinks, writer="thread")
    for step in range(1, 21):
        run.emit("train", step, loss=1.0)
    run.flush()
    report = run.finish()
    failed = {"fails-open", "fails-write", "fails-flush", "fails-close"}
    assert set(report.failed_sinks) == failed and not report.ok
    assert "Permission denied" in report.failed_sinks["fails-open"]
    assert "close failed" in report.failed_sinks["fails-close"]
    log = read_json_strict(tmp_path / "training_log.json")
    assert len(log["train_history"]) == 20
    assert failed - {"fails-close"} <= set(log["failed_sinks"])
    for name in failed:
        assert sum(f"sink '{name}' failed" in r.getMessage() for r in caplog.records) == 1
    summary = [
        r.getMessage() for r in caplog.records if "finished with failed sinks" in r.getMessage()
    ]
    assert len(summary) == 1 and all(name in summary[0] for name in failed)
