"""Turn whatever a trainer passes to ``emit`` into values a log can hold.

Runs on the writer side, never in the caller: this is where tensors are read (``.item()``),
so the training loop never waits for a device. Nothing here raises for a value: anything
that cannot be logged is dropped and reported through ``warn(key, reason)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

Scalar = bool | int | float | str | None

_PASS = (bool, int, float, str, type(None))
_PLAIN = frozenset({float, int, bool, type(None)})
_FLOATS = frozenset({float, bool, type(None)})
_MAX_STRING = 4096
_MAX_DEPTH = 4
_MAX_ITEM_DEPTH = 8
_MAX_FLAT_KEYS = 256
"""Values one nested mapping may expand to; a larger one is cut (and reported)."""
_MAX_INT = 2**63 - 1


def needs_coercion(values: Mapping[str, Any]) -> bool:
    """False when every value is already a float, bool, None or an int a log can hold.

    The hot path calls this and skips ``coerce_values`` for such plain dicts.
    """
    types = set(map(type, values.values()))
    if types <= _FLOATS:
        return False
    if types <= _PLAIN:
        return any(type(v) is int and not -_MAX_INT <= v <= _MAX_INT for v in values.values())
    return True


def clean_text(text: str) -> str:
    """``text`` as valid UTF-8 (lone surrogates replaced), cut to the longest string kept."""
    if len(text) > _MAX_STRING:
        text = text[:_MAX_STRING]
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def clean_key(key: Any) -> str:
    """A key as the log names it: a str, valid UTF-8; never raises."""
    if type(key) is str:
        return key if key.isascii() else clean_text(key)
    try:
        return clean_text(str(key))
    except Exception:
        return f"<{type(key).__name__}>"


def coerce_values(values: Mapping[Any, Any], warn: Callable[[str, str], None]) -> dict[str, Scalar]:
    """Return ``values`` as a flat dict of JSON scalars.

    Nested mappings are flattened with ``/`` (``{"rewards": {"fmt": 1}}`` → ``rewards/fmt``);
    one-element arrays and tensors become their element; anything else is dropped and
    ``warn(key, reason)`` is called so the caller can report it once per key.
    """
    out: dict[str, Scalar] = {}
    for key, value in values.items():
        name = clean_key(key)
        kind = type(value)
        if kind in _FLOATS or (kind is int and -_MAX_INT <= value <= _MAX_INT):
            out[name] = value
        elif kind is str:
            out[name] = clean_text(value)
        else:
            try:
                _coerce_into(out, name, value, warn, 0)
            except Exception as exc:
                out.pop(name, None)
                warn(name, f"a {kind.__name__} could not be read ({type(exc).__name__})")
    return out


def _coerce_into(
    out: dict[str, Scalar], name: str, value: Any, warn: Callable[[str, str], None], depth: int
) -> None:
    if isinstance(value, Mapping):
        if depth >= _MAX_DEPTH:
            warn(name, f"nested deeper than {_MAX_DEPTH} levels")
            return
        for index, (key, inner) in enumerate(value.items()):
            if index >= _MAX_FLAT_KEYS:
                warn(name, f"more than {_MAX_FLAT_KEYS} nested values; the rest are dropped")
                return
            inner_name = f"{name}/{clean_key(key)}"
            try:
                _coerce_into(out, inner_name, inner, warn, depth + 1)
            except Exception as exc:
                warn(inner_name, f"a {type(inner).__name__} could not be read ({exc!r:.80})")
        return
    scalar = to_scalar(value)
    if scalar is _DROP:
        warn(name, f"{_describe(value)} is not a scalar")
        return
    out[name] = scalar


class _Drop:
    """Marker for a value that cannot be logged."""


_DROP: Any = _Drop()


def to_scalar(value: Any, depth: int = 0) -> Any:
    """Best-effort conversion of one value to a scalar, or ``_DROP``; never raises."""
    try:
        return _to_scalar(value, depth)
    except Exception:
        return _DROP


def _to_scalar(value: Any, depth: int) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        number = int(value)
        return number if -_MAX_INT <= number <= _MAX_INT else _big_int(number)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return clean_text(str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value[:_MAX_STRING]).decode("utf-8", "replace")
    if isinstance(value, complex):
        return float(value.real) if value.imag == 0 else _DROP
    if depth >= _MAX_ITEM_DEPTH or isinstance(value, Mapping):
        return _DROP
    numel = _element_count(value)
    if numel == 1:
        item = value.item() if hasattr(value, "item") else value[0]
        if type(item) is not type(value):
            return _to_scalar(item, depth + 1)
        if not hasattr(value, "__float__"):  # item() gives back the same kind of object
            return _DROP
    if numel in (None, 1) and hasattr(value, "__float__"):
        return float(value)
    return _DROP


def _big_int(number: int) -> float:
    """An int beyond 64 bits as a float (±inf past float range: recorded as non-finite)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


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


def _describe(value: Any) -> str:
    kind = type(value).__name__
    if isinstance(value, complex) or kind.startswith("complex"):
        return f"a {kind} with an imaginary part"
    count = _element_count(value)
    if count is not None and count != 1:
        return f"a {kind} of {count} elements"
    return f"a {kind}"


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
