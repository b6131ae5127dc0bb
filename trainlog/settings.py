"""Resolve which sinks and options a run uses: argument > environment > YAML file > default.

The YAML file is ``trainlog.yaml`` in the working directory, or the path in
``TRAINLOG_CONFIG``; it may hold ``sinks: [json, tensorboard]`` and any ``init`` option.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.errors import ConfigError

DEFAULT_SINKS = ("json",)
SETTINGS_FILE = "trainlog.yaml"


def load_settings_file() -> tuple[dict[str, Any], Path | None]:
    """The settings mapping from the YAML file (empty if there is none)."""
    named = os.environ.get("TRAINLOG_CONFIG")
    path = Path(named) if named else Path.cwd() / SETTINGS_FILE
    if not path.is_file():
        if named:
            raise ConfigError(f"TRAINLOG_CONFIG names {path}, which is not a file")
        return {}, None
    import yaml  # only when a settings file exists

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not readable YAML ({type(exc).__name__}: {exc})") from None
    if data is None:
        return {}, path
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data, path


def parse_sink_list(value: Any, source: str) -> list[str]:
    """``"json,tensorboard"`` or ``["json", "tensorboard"]`` → a list of names, checked."""
    if isinstance(value, str):
        names = [part.strip() for part in value.split(",")]
    elif isinstance(value, Sequence):
        names = [str(part).strip() for part in value]
    else:
        raise ConfigError(f"{source}: sinks must be a list or comma-separated names")
    names = [name for name in names if name]
    if not names:
        raise ConfigError(f"{source}: names no sink")
    return list(dict.fromkeys(names))


def resolve(sinks: Sequence[str] | str | None, options: dict[str, Any]) -> tuple[list[str], dict]:
    """Final sink names and options for ``init``."""
    file_settings, path = load_settings_file()
    merged = {k: v for k, v in file_settings.items() if k != "sinks"}
    merged.update(options)
    if sinks is not None:
        return parse_sink_list(sinks, "init(sinks=...)"), merged
    env = os.environ.get("TRAINLOG_SINKS")
    if env:
        return parse_sink_list(env, "TRAINLOG_SINKS"), merged
    if "sinks" in file_settings:
        return parse_sink_list(file_settings["sinks"], str(path)), merged
    return list(DEFAULT_SINKS), merged
