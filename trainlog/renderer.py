"""The renderer contract: turn one or more parsed logs into files or text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trainlog.reader import RunLog


@dataclass
class RenderContext:
    """Where a renderer writes: ``output_dir`` (None when only printing) and ``stdout``."""

    output_dir: Path | None
    stdout: IO[str]
    options: dict[str, Any] = field(default_factory=dict)


class Renderer:
    """Base class for renderers. ``render`` returns the files it wrote."""

    name: str = "renderer"
    description: str = ""
    multi_run: bool = False
    """True for renderers that compare several runs (``trainlog compare``)."""

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        raise NotImplementedError
