"""Built-in renderers: summary, plots, csv (more arrive with the render and report work)."""

from __future__ import annotations

from typing import Any

from trainlog.hookspecs import hookimpl


@hookimpl
def register_renderers(register: Any) -> None:
    """Renderers register here; each lives in its own module and imports lazily."""
