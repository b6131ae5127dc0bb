"""trainlog: one ``training_log.json`` per fine-tuning run, plus TensorBoard and CSV alongside.

    run = trainlog.init("grpo", "outputs/run1", config={...}, sinks=["json", "tensorboard"])
    trainlog.emit("train", 10, loss=0.54, reward=2.3, kl=0.01, learning_rate=1e-5)
    trainlog.emit("eval", 200, eval_reward=2.6)
    trainlog.finish()

Importing this package is cheap: plugins, sinks and their libraries load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trainlog._version import __version__
from trainlog.api import current_run, emit, finish, flush, init
from trainlog.errors import (
    ConfigError,
    LogFormatError,
    NoActiveRunError,
    PluginError,
    RunExistsError,
    RunLockedError,
    TrainlogError,
)

if TYPE_CHECKING:
    from trainlog.events import Event
    from trainlog.method import CurveSet, MethodSpec, Series
    from trainlog.reader import RunLog, read_log
    from trainlog.renderer import RenderContext, Renderer
    from trainlog.run import FinishReport, Run
    from trainlog.sink import RunContext, Sink

__all__ = [
    "ConfigError",
    "CurveSet",
    "Event",
    "FinishReport",
    "LogFormatError",
    "MethodSpec",
    "NoActiveRunError",
    "PluginError",
    "RenderContext",
    "Renderer",
    "Run",
    "RunContext",
    "RunExistsError",
    "RunLockedError",
    "RunLog",
    "Series",
    "Sink",
    "TrainlogError",
    "__version__",
    "current_run",
    "emit",
    "finish",
    "flush",
    "hookimpl",
    "init",
    "read_log",
]

_LAZY = {
    "hookimpl": "trainlog.hookspecs",
    "Event": "trainlog.events",
    "CurveSet": "trainlog.method",
    "MethodSpec": "trainlog.method",
    "Series": "trainlog.method",
    "RunLog": "trainlog.reader",
    "read_log": "trainlog.reader",
    "RenderContext": "trainlog.renderer",
    "Renderer": "trainlog.renderer",
    "FinishReport": "trainlog.run",
    "Run": "trainlog.run",
    "RunContext": "trainlog.sink",
    "Sink": "trainlog.sink",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trainlog' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
