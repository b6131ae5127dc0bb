"""The plugin hooks. Each takes a ``register`` callback so the core owns names and duplicates.

A plugin is any module or object with functions marked ``@trainlog.hookimpl``, shipped in a
distribution that declares the ``trainlog`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from trainlog.method import MethodSpec
    from trainlog.renderer import Renderer
    from trainlog.sink import Sink

hookspec = pluggy.HookspecMarker("trainlog")
hookimpl = pluggy.HookimplMarker("trainlog")


@hookspec
def register_methods(register: Callable[[MethodSpec], None]) -> None:
    """Register training methods: call ``register(MethodSpec(...))`` for each.

    :param register: adds one method under its name and aliases.
    """


@hookspec
def register_sinks(register: Callable[[str, Callable[[], Sink]], None]) -> None:
    """Register sinks: call ``register(name, factory)``; ``factory()`` returns a fresh Sink.

    :param register: adds one sink factory under ``name``.
    """


@hookspec
def register_renderers(register: Callable[[str, Callable[[], Renderer]], None]) -> None:
    """Register renderers: call ``register(name, factory)``; ``factory()`` returns a Renderer.

    :param register: adds one renderer factory under ``name``.
    """
