"""Apply a method to raw emitted values: names, field order, derived fields, best checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from trainlog.events import BEST, CHECKPOINT, EVAL, TRAIN, Event
from trainlog.method import BestTracker, Direction, MethodSpec, memoize
from trainlog.values import clean_key, coerce_values, needs_coercion

_LEADING = ("epoch", "samples")

Plan = tuple[tuple[tuple[str, str], ...], tuple[str, ...]]
"""(source key → log key pairs, final key order) for one kind and one set of keys."""


class Normalizer:
    """Turns ``(kind, step, values, time)`` into the events sinks receive.

    The same keys arrive at almost every step, so the mapping and ordering of a key set is
    worked out once (a "plan") and reused; only new key sets take the slow path.
    """

    def __init__(
        self,
        spec: MethodSpec,
        config: Mapping[str, Any],
        warn: Callable[[str, str], None],
        best_metric: str | None = None,
        best_mode: Direction | None = None,
    ):
        self.spec = spec
        self.config = config
        self._warn = warn
        metric = best_metric or spec.best_metric
        fields = spec.best_fields if metric == spec.best_metric else (metric,)
        self.tracker = BestTracker(metric, best_mode or spec.best_mode, fields)
        self._mappers = {TRAIN: memoize(spec.train_key), EVAL: memoize(spec.eval_key)}
        self._order = {
            kind: _LEADING + (spec.train_fields if kind == TRAIN else spec.val_fields)
            for kind in spec.histories
        }
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}
        self._derive = spec.derive(config) if spec.derive is not None else None

    def normalize(self, kind: str, step: int, values: Mapping[str, Any], at: float) -> list[Event]:
        if kind == CHECKPOINT:
            return self._checkpoint(step, values, at)
        if needs_coercion(values):
            values = coerce_values(values, lambda key, why: self._warn(f"{kind}:{key}", why))
        keys = tuple(values)
        plan = self._plans.get((kind, keys))
        if plan is None:
            plan = self._plans[(kind, keys)] = self._plan(kind, keys)
        pairs, order = plan
        mapped = {target: values[source] for source, target in pairs}
        if self._derive is not None:
            self._derive(kind, step, mapped)
        entry: dict[str, Any] = {"step": step}
        try:
            entry.update(zip(order, map(mapped.__getitem__, order), strict=True))
        except KeyError:  # a derived field the plan expected is absent this time
            entry.update((name, mapped[name]) for name in order if name in mapped)
        events = [Event(kind, step, entry, at)]
        if kind == EVAL:
            best = self.tracker.on_eval(entry)
            if best is not None:
                events.append(Event(BEST, step, best, at))
        return events

    def _plan(self, kind: str, keys: tuple[str, ...]) -> Plan:
        mapper = self._mappers.get(kind, lambda key: key)
        pairs = tuple((key, clean_key(mapper(key))) for key in keys if mapper(key) != "step")
        probe = {target: 0 for _, target in pairs}
        if self._derive is not None:
            self._derive(kind, 0, probe)
        leading = [name for name in self._order.get(kind, _LEADING) if name in probe]
        rest = [name for name in probe if name not in leading]
        return pairs, tuple(leading + rest)

    def _checkpoint(self, step: int, values: Mapping[str, Any], at: float) -> list[Event]:
        coerced = coerce_values(values, lambda key, why: self._warn(f"checkpoint:{key}", why))
        path = coerced.pop("path", None)
        if not isinstance(path, str) or not path:
            self._warn("checkpoint:path", "a checkpoint event needs path=<str>; event dropped")
            return []
        marked_best = bool(coerced.pop("best", False))
        entry: dict[str, Any] = {"step": step, "path": path}
        if marked_best:
            entry["best"] = True
        entry.update(coerced)
        events = [Event(CHECKPOINT, step, entry, at)]
        best = self.tracker.on_checkpoint(step, path, marked_best)
        if best is not None:
            events.append(Event(BEST, best["step"], best, at))
        return events

    def restore(self, best: dict[str, Any] | None, checkpoints: list[dict[str, Any]]) -> None:
        """Resume: continue from the best record and checkpoints kept in the journal."""
        for record in checkpoints:
            self.tracker.on_checkpoint(record["step"], record["path"], False)
        self.tracker.best = dict(best) if best else None
