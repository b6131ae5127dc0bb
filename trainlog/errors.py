"""Errors trainlog raises for people: each names the file, key or plugin at fault."""

from __future__ import annotations


class TrainlogError(Exception):
    """Base class: a problem the user can fix, reported as one line."""


class NoActiveRunError(TrainlogError):
    """``emit``/``flush``/``finish`` was called before ``trainlog.init``."""


class RunExistsError(TrainlogError):
    """``init`` on an output directory that already holds a log, without overwrite/resume."""


class RunLockedError(TrainlogError):
    """Another live process is writing to the same output directory."""


class PluginError(TrainlogError):
    """A plugin failed to import, registered a duplicate name, or a name is unknown."""


class ConfigError(TrainlogError):
    """A bad option, environment variable or YAML settings file."""


class LogFormatError(TrainlogError):
    """A file is not a readable training log (missing, empty, truncated, not a log)."""
