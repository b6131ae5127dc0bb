"""Shared fixtures: every test gets fresh plugin state and no leftover current run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import trainlog.api
from trainlog import plugins
from trainlog.jsonio import loads_strict


@pytest.fixture(autouse=True)
def _fresh_trainlog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fresh plugin registry, no settings from the environment, cwd in a temp folder."""
    for name in ("TRAINLOG_SINKS", "TRAINLOG_CONFIG", "TRAINLOG_PLUGINS", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    plugins.reset()
    yield
    run = trainlog.api._current
    if run is not None and run.status is None:
        run.finish()
    trainlog.api._current = None
    plugins.reset()


def read_json_strict(path: Path) -> Any:
    """Parse like a strict JSON parser: NaN/Infinity are errors."""
    return loads_strict(path.read_text(encoding="utf-8"))


def dump(value: Any) -> str:
    return json.dumps(value, indent=2)
