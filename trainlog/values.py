"""Turn whatever a trainer passes to ``emit`` into values a log can hold.

Runs on the writer thread, never in the caller: this is where tensors are read
(``.item()``), so the training loop never waits for a device.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

Scalar = bool | int | float | str | None

_PASS = (bool, int, float, str, type(None))
_MAX_STRING = 4096
_MAX_DEPTH = 4
_MAX_INT = 2**63 - 1


def coerce_values(values: Mapping[Any, Any], warn: Callable[[str, str], None]) -> dict[str, Scalar]:
    """Return ``values`` as a flat dict of JSON scalars.

    Nested mappings are flattened with ``/`` (``{"rewards": {"fmt": 1}}`` → ``rewards/fmt``);
    one-element arrays and tensors become their element; anything else is dropped and
    ``warn(key, reason)`` is called so the caller can report it once per key.
    """
    out: dict[str, Scalar] = {}
    for key, value in values.items():
        name = key if type(key) is str else str(key)
        if type(value) in _PASS:
            if type(value) is int and not -_MAX_INT <= value <= _MAX_INT:
                out[name] = float(value)
            elif type(value) is str and len(value) > _MAX_STRING:
                out[name] = value[:_MAX_STRING]
            else:
                out[name] = value
            continue
        _coerce_into(out, name, value, warn, 0)
    return out


def _coerce_into(
    out: dict[str, Scalar], name: str, value: Any, warn: Callable[[str, str], None], depth: int
) -> None:
    if isinstance(value, Mapping):
        if depth >= _MAX_DEPTH:
            warn(name, "nested deeper than 4 levels")
            return
        for key, inner in value.items():
            _coerce_into(out, f"{name}/{key}", inner, warn, depth + 1)
        return
    scalar = to_scalar(value)
    if scalar is _DROP:
        warn(name, f"a {type(value).__name__} is not a scalar")
        return
    out[name] = scalar


class _Drop:
    """Marker for a value that cannot be logged."""


_DROP: Any = _Drop()


def to_scalar(value: Any) -> Any:
    """Best-effort conversion of one value to a scalar, or ``_DROP``."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value) if -_MAX_INT <= value <= _MAX_INT else float(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)[:_MAX_STRING]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")[:_MAX_STRING]
    numel = _element_count(value)
    if numel == 1:
        try:
            item = value.item() if hasattr(value, "item") else value[0]
        except Exception:
            return _DROP
        if item is value:
            return _DROP
        return to_scalar(item)
    if numel is None and hasattr(value, "__float__") and not isinstance(value, (list, tuple)):
        try:
            return float(value)
        except Exception:
            return _DROP
    return _DROP


def _element_count(value: Any) -> int | None:
    """Elements in an array-like (NumPy array or scalar, torch tensor, list), else None."""
    try:
        if hasattr(value, "numel") and callable(value.numel):
            return int(value.numel())
        if hasattr(value, "size") and isinstance(value.size, int):
            return int(value.size)
        if isinstance(value, (list, tuple)):
            return len(value)
    except Exception:
        return None
    return None


def is_finite_number(value: Any) -> bool:
    """True unless ``value`` is a float NaN or ±Inf."""
    return not (type(value) is float and not math.isfinite(value))


def json_safe(entry: dict[str, Scalar]) -> tuple[dict[str, Scalar], list[str]]:
    """Copy of ``entry`` with NaN/±Inf replaced by None, and the keys that were replaced."""
    bad = [k for k, v in entry.items() if type(v) is float and not math.isfinite(v)]
    if not bad:
        return entry, bad
    return {k: (None if k in bad else v) for k, v in entry.items()}, bad


def nonfinite_label(value: float) -> str:
    """``"NaN"``, ``"Infinity"`` or ``"-Infinity"``, as JavaScript spells them."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
