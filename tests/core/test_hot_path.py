"""The hot path reads no tensor: ``.item()`` (a device sync on CUDA) never runs in the caller."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import pytest

import trainlog
from tests.conftest import read_json_strict


class _DeviceScalar:
    """Stands in for a 0-d CUDA tensor: records which thread reads it."""

    readers: ClassVar[list[str]] = []

    def __init__(self, value: float):
        self.value = value

    def numel(self) -> int:
        return 1

    def item(self) -> float:
        _DeviceScalar.readers.append(threading.current_thread().name)
        return self.value


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_tensor_values_are_read_off_the_callers_thread(tmp_path: Path, writer: str) -> None:
    _DeviceScalar.readers.clear()
    caller = threading.current_thread().name
    with trainlog.init("lora", tmp_path, writer=writer) as run:
        for step in range(1, 51):
            run.emit("train", step, loss=_DeviceScalar(1.0 / step), learning_rate=1e-4)
        run.flush()
        assert len(_DeviceScalar.readers) == 50
        assert caller not in _DeviceScalar.readers
    log = read_json_strict(tmp_path / "training_log.json")
    assert [e["loss"] for e in log["train_history"]] == [1.0 / s for s in range(1, 51)]


def test_real_tensors_are_recorded(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    with trainlog.init("lora", tmp_path) as run:
        run.emit("train", 1, loss=torch.tensor(0.25), learning_rate=torch.tensor([1e-4]))
    entry = read_json_strict(tmp_path / "training_log.json")["train_history"][0]
    assert entry["loss"] == 0.25
    assert entry["learning_rate"] == pytest.approx(1e-4)
