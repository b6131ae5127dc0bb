"""Apply a method to raw emitted values: names, field order, derived fields, best checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from trainlog.events import BEST, CHECKPOINT, EVAL, TRAIN, Event
from trainlog.method import BestTracker, Direction, MethodSpec, memoize
from trainlog.values import coerce_values

_LEADING = ("epoch", "samples")


class Normalizer:
    """Turns ``(kind, step, values, time)`` into the events sinks receive."""

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
        self._mappers = {
            TRAIN: memoize(spec.train_key),
            EVAL: memoize(spec.eval_key),
        }
        self._order = {
            kind: _LEADING + (spec.train_fields if kind == TRAIN else spec.val_fields)
            for kind in spec.histories
        }

    def normalize(self, kind: str, step: int, values: Mapping[str, Any], at: float) -> list[Event]:
        if kind == CHECKPOINT:
            return self._checkpoint(step, values, at)
        coerced = coerce_values(values, lambda key, why: self._warn(f"{kind}:{key}", why))
        mapper = self._mappers.get(kind)
        mapped = {mapper(k): v for k, v in coerced.items()} if mapper else coerced
        mapped.pop("step", None)
        if self.spec.derive is not None:
            self.spec.derive(kind, step, mapped, self.config)
        entry: dict[str, Any] = {"step": step}
        for name in self._order.get(kind, _LEADING):
            if name in mapped:
                entry[name] = mapped.pop(name)
        entry.update(mapped)
        events = [Event(kind, step, entry, at)]
        if kind == EVAL:
            best = self.tracker.on_eval(entry)
            if best is not None:
                events.append(Event(BEST, step, best, at))
        return events

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
