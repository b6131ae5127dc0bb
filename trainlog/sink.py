"""The sink contract: what a sink sees of a run, and the base class sinks extend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlog.events import Event

if TYPE_CHECKING:
    from trainlog.journal import Journal
    from trainlog.method import MethodSpec


@dataclass
class RunContext:
    """Read-only facts about the run, handed to every sink when it opens."""

    output_dir: Path
    method: MethodSpec
    config: Mapping[str, Any]
    options: Mapping[str, Any]
    started_at: float
    resume_from_step: int | None = None
    """Set on resume: the sink must drop whatever it holds for steps after this one."""
    journal: Journal | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Sink:
    """A destination for a run's events. Subclass and override what you need.

    Every method runs on the sink's own thread, never in the training loop. An exception
    from any of them disables this sink for the rest of the run (reported once, by name);
    the other sinks and the training go on.
    """

    name: str = "sink"

    def open(self, run: RunContext) -> None:
        """The run starts (or resumes): create files, write headers."""

    def write(self, events: Sequence[Event]) -> None:
        """A batch of normalised events, in emit order."""

    def flush(self) -> None:
        """Make everything written so far durable on disk."""

    def close(self, status: str) -> None:
        """The run ended with ``status`` (completed, failed, interrupted)."""
