"""Plugin discovery: built-ins and the ``trainlog`` entry-point group reach one manager.

Loading is lazy (first use, not ``import trainlog``). ``TRAINLOG_PLUGINS`` limits which
third-party plugins load (comma-separated entry-point names; empty loads none);
``TRAINLOG_TRACE_PLUGINS=1`` prints every registration hook call to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from trainlog import hookspecs
from trainlog.errors import PluginError
from trainlog.method import MethodSpec
from trainlog.renderer import Renderer
from trainlog.sink import Sink

ENTRY_POINT_GROUP = "trainlog"
BUILTIN_PLUGINS = (
    "trainlog_plugins.methods.lora",
    "trainlog_plugins.methods.grpo",
    "trainlog_plugins.methods.dpo",
    "trainlog_plugins.sinks.json_log",
    "trainlog_plugins.sinks.tensorboard",
    "trainlog_plugins.sinks.csv_stream",
    "trainlog_plugins.renderers",
)
BUILTIN_DIST = "trainlog"


@dataclass
class Registry:
    """What the loaded plugins registered, by name, and which plugin each came from."""

    methods: dict[str, MethodSpec] = field(default_factory=dict)
    method_aliases: dict[str, str] = field(default_factory=dict)
    sinks: dict[str, Callable[[], Sink]] = field(default_factory=dict)
    renderers: dict[str, Callable[[], Renderer]] = field(default_factory=dict)
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, name) → plugin name that registered it."""
    distributions: dict[str, str] = field(default_factory=dict)
    """plugin name → distribution name."""

    def method(self, name: str) -> MethodSpec:
        canonical = self.method_aliases.get(name.lower())
        if canonical is None:
            known = ", ".join(sorted(self.method_aliases))
            raise PluginError(f"unknown method {name!r}; known methods: {known}")
        return self.methods[canonical]

    def sink(self, name: str) -> Callable[[], Sink]:
        try:
            return self.sinks[name]
        except KeyError:
            known = ", ".join(sorted(self.sinks))
            raise PluginError(f"unknown sink {name!r}; known sinks: {known}") from None

    def renderer(self, name: str) -> Callable[[], Renderer]:
        try:
            return self.renderers[name]
        except KeyError:
            known = ", ".join(sorted(self.renderers))
            raise PluginError(f"unknown renderer {name!r}; known renderers: {known}") from None


_lock = threading.Lock()
_registry: Registry | None = None
_manager: pluggy.PluginManager | None = None


def new_plugin_manager() -> pluggy.PluginManager:
    """A manager with trainlog's hookspecs and nothing registered (tests use one each)."""
    manager = pluggy.PluginManager("trainlog")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(manager: pluggy.PluginManager | None = None) -> Registry:
    """Load built-in and installed plugins once (thread-safe) and return the registry."""
    global _registry, _manager
    if manager is None and _registry is not None:
        return _registry
    with _lock:
        if manager is None and _registry is not None:
            return _registry
        pm = manager or new_plugin_manager()
        distributions: dict[str, str] = {}
        for module_name in BUILTIN_PLUGINS:
            if pm.get_plugin(module_name) is None:
                pm.register(importlib.import_module(module_name), name=module_name)
            distributions[module_name] = BUILTIN_DIST
        distributions.update(_load_entry_points(pm))
        pm.check_pending()
        registry = collect(pm, distributions)
        if manager is None:
            _registry, _manager = registry, pm
        return registry


def _load_entry_points(pm: pluggy.PluginManager) -> dict[str, str]:
    allowed = os.environ.get("TRAINLOG_PLUGINS")
    wanted = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
    loaded: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and ep.name not in wanted:
            continue
        dist = ep.dist.name if ep.dist is not None else "unknown distribution"
        if pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f'error importing plugin "{ep.name}" from distribution "{dist}": '
                f"{type(exc).__name__}: {exc}"
            ) from exc
        pm.register(plugin, name=ep.name)
        loaded[ep.name] = dist
    return loaded


def collect(pm: pluggy.PluginManager, distributions: dict[str, str]) -> Registry:
    """Call every registration hook, one implementation at a time, naming the culprit."""
    registry = Registry(distributions=dict(distributions))
    for impl in pm.hook.register_methods.get_hookimpls():
        _call("register_methods", impl, lambda s, p=impl.plugin_name: _add_method(registry, s, p))
    for impl in pm.hook.register_sinks.get_hookimpls():
        _call("register_sinks", impl, _adder(registry, registry.sinks, "sink", impl.plugin_name))
    for impl in pm.hook.register_renderers.get_hookimpls():
        table = registry.renderers
        _call("register_renderers", impl, _adder(registry, table, "renderer", impl.plugin_name))
    return registry


def _call(hook: str, impl: Any, register: Callable[..., None]) -> None:
    """Call one implementation, so a failure names its plugin (pluggy would stop the loop)."""
    if os.environ.get("TRAINLOG_TRACE_PLUGINS"):
        sys.stderr.write(f"trainlog: hook {hook} -> {impl.plugin_name}\n")
    try:
        impl.function(register=register)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(
            f'plugin "{impl.plugin_name}" failed while registering: {type(exc).__name__}: {exc}'
        ) from exc


def _adder(
    registry: Registry, table: dict[str, Any], kind: str, plugin: str
) -> Callable[[str, Callable[[], Any]], None]:
    def register(name: str, factory: Callable[[], Any]) -> None:
        if not isinstance(name, str) or not name or not callable(factory):
            raise PluginError(f'plugin "{plugin}" registered an invalid {kind}: {name!r}')
        if name in table:
            other = registry.origin[(kind, name)]
            raise PluginError(f'{kind} "{name}" is registered twice: by "{other}" and "{plugin}"')
        table[name] = factory
        registry.origin[(kind, name)] = plugin

    return register


def _add_method(registry: Registry, spec: MethodSpec, plugin: str) -> None:
    if not isinstance(spec, MethodSpec):
        raise PluginError(f'plugin "{plugin}" registered a method that is not a MethodSpec')
    for name in (spec.name, *spec.aliases):
        key = name.lower()
        if key in registry.method_aliases:
            other = registry.origin[("method", registry.method_aliases[key])]
            raise PluginError(f'method "{name}" is registered twice: by "{other}" and "{plugin}"')
        registry.method_aliases[key] = spec.name
    registry.methods[spec.name] = spec
    registry.origin[("method", spec.name)] = plugin


def reset() -> None:
    """Forget loaded plugins (tests, or after installing a plugin in a live process)."""
    global _registry, _manager
    with _lock:
        _registry, _manager = None, None
