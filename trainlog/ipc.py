"""Frames between a training process and its writer process: length-prefixed ``marshal``.

``marshal`` is the fastest serializer in the standard library for the plain tuples, dicts,
strings and numbers that events are made of (~0.4 µs per event), and both ends are the same
interpreter, so its version-specific format is not a concern.
"""

from __future__ import annotations

import marshal
import struct
from typing import Any

_LENGTH = struct.Struct("<I")
FLUSH = "\x00flush"
FINISH = "\x00finish"
"""Control items travel alone in a frame: ``(FLUSH, token, {}, 0.0)`` or
``(FINISH, 0, {"status": s}, 0.0)``; event frames never hold one (emit refuses such kinds)."""


def encode(items: Any) -> bytes:
    data = marshal.dumps(items)
    return _LENGTH.pack(len(data)) + data


def decode(data: bytes) -> Any:
    return marshal.loads(data)


def split_frames(buffer: bytearray) -> tuple[list[bytes], int]:
    """Complete frames at the start of ``buffer`` and how many bytes they used."""
    frames: list[bytes] = []
    offset = 0
    size = _LENGTH.size
    while len(buffer) - offset >= size:
        (length,) = _LENGTH.unpack_from(buffer, offset)
        if len(buffer) - offset - size < length:
            break
        frames.append(bytes(buffer[offset + size : offset + size + length]))
        offset += size + length
    return frames, offset


def widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Ask Linux for a larger pipe buffer (fewer stalls when the reader is briefly busy)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError):
        pass
