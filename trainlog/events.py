"""The small records that travel from ``emit`` through the writer to every sink."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TRAIN = "train"
EVAL = "eval"
CHECKPOINT = "checkpoint"
BEST = "best"
"""Emitted by the writer (never by trainers) when a new best checkpoint is known."""

BUILTIN_KINDS = frozenset({TRAIN, EVAL, CHECKPOINT})


@dataclass(slots=True)
class Event:
    """One normalised event as sinks see it.

    ``entry`` is the record as it appears in the log: for ``train``/``eval`` the history
    entry (``step`` first, the method's names), for ``checkpoint`` ``{step, path, ...}``,
    for ``best`` the best-checkpoint record. Non-finite floats are kept as floats here;
    each sink decides how to store them.
    """

    kind: str
    step: int
    entry: dict[str, Any]
    time: float
