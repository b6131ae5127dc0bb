"""Built-in renderers: summary, plots, csv. Each module is imported only when it is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from trainlog.hookspecs import hookimpl
from trainlog.renderer import Renderer

BUILTIN_RENDERERS = {
    "summary": ("trainlog_plugins.renderers.summary", "SummaryRenderer"),
    "plots": ("trainlog_plugins.renderers.plots", "PlotsRenderer"),
    "csv": ("trainlog_plugins.renderers.csv_export", "CsvRenderer"),
    "html": ("trainlog_plugins.renderers.html", "HtmlRenderer"),
    "compare": ("trainlog_plugins.renderers.compare", "CompareRenderer"),
    "stats": ("trainlog_plugins.renderers.stats", "StatsRenderer"),
}
"""Renderer name → (module, class); the module loads when the renderer is built."""


def lazy_factory(module: str, attribute: str) -> Callable[[], Renderer]:
    """A factory that imports ``module`` on first call, so ``import`` stays light."""

    def factory() -> Renderer:
        return getattr(importlib.import_module(module), attribute)()

    return factory


@hookimpl
def register_renderers(register: Any) -> None:
    for name, (module, attribute) in BUILTIN_RENDERERS.items():
        register(name, lazy_factory(module, attribute))
