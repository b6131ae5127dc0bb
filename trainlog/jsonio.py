"""Strict JSON in and out: no NaN ever reaches a file, and files appear whole or not at all."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()
"""Mode for files we create via a temporary file (mkstemp makes them 0600)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON the way strict parsers do: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=_reject_constant)


def loads_fast(data: bytes | str) -> Any:
    """Parse a large document with orjson (several times faster than ``json``), falling back
    to ``json`` for what orjson refuses (NaN/Infinity written by Python's ``json.dump``)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a declared dependency
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            return json.loads(data)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """A strict-JSON copy of ``value`` (config dicts etc.): non-finite → None, unknown → str."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth > 32:
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, depth + 1) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0:
        with contextlib.suppress(Exception):
            return to_jsonable(item(), depth + 1)
    return str(value)


dumps_compact = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(", ", ": ")
).encode
"""One-line strict JSON; raises ValueError on NaN/Infinity (built once: ``json.dumps`` with
options builds a new encoder per call, which doubles the cost on the writer's hot path)."""


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file in the same folder, renamed over it at the end.

    A reader sees the old file or the new one, never a part; on error the old file stays.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, value: Any, indent: int | None = 2) -> None:
    with atomic_writer(path) as handle:
        json.dump(to_jsonable(value), handle, ensure_ascii=False, allow_nan=False, indent=indent)
        handle.write("\n")


def write_text_atomic(path: Path, write: Callable[[IO[str]], None]) -> None:
    with atomic_writer(path) as handle:
        write(handle)
