"""A history list that parses itself on first full use.

trainlog writes each history entry on a line of its own, so a reader can count entries and
parse the first or last few without decoding a 100 MB list: the summary of a million-step
run stays fast, and only renderers that need every entry pay for parsing all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from trainlog.errors import LogFormatError
from trainlog.jsonio import loads_fast

Entry = dict[str, Any]
CHUNK_BYTES = 1 << 20
"""Bytes parsed at a time by ``History.chunks`` (about 7,000 entries of a GRPO log)."""


class History(Sequence[Entry]):
    """The entries of one history list (``train_history``...), read lazily from raw lines.

    ``data[start:end]`` holds the entries one a line, each but the last ending with a comma,
    as inside the list in ``training_log.json`` (the file's bytes are shared, not copied).
    ``len``, ``head`` and ``tail`` parse at most a few lines; anything else parses the whole
    list once and keeps it.
    """

    def __init__(self, path: Path, name: str, data: bytes, start: int, end: int, count: int):
        self.path = path
        self.name = name
        self._data = data
        self._start = start
        self._end = end
        self._count = count
        self._items: list[Entry] | None = None

    @classmethod
    def from_lines(cls, path: Path, name: str, data: bytes, start: int, end: int) -> History | None:
        """A lazy history over ``data[start:end]``, or None unless every line is one entry."""
        if not data.startswith(b"    {", start, end):
            return None
        count = data.count(b"\n", start, end)
        if data.count(b"\n    {", start, end) != count:
            return None
        return cls(path, name, data, start, end, count + 1)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if self._items is None:
            if isinstance(index, int) and index in (-1, 0) and self._count:
                return (self.tail(1) if index == -1 else self.head(1))[0]
            if isinstance(index, slice) and index.step in (None, 1):
                if index.start in (None, 0) and isinstance(index.stop, int) and index.stop > 0:
                    return self.head(index.stop)
                if isinstance(index.start, int) and index.start < 0 and index.stop is None:
                    return self.tail(-index.start)
        return self.entries()[index]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (History, list)):
            return self.entries() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<History {self.name} of {self.path}: {self._count} entries>"

    def head(self, count: int) -> list[Entry]:
        """The first ``count`` entries, parsing only those lines."""
        if self._items is not None:
            return self._items[:count]
        entries, position = [], self._start
        for index in range(min(count, self._count)):
            stop = self._data.find(b"\n", position, self._end)
            stop = self._end if stop < 0 else stop
            entries.append(self._parse_line(self._data[position:stop], index))
            position = stop + 1
        return entries

    def tail(self, count: int) -> list[Entry]:
        """The last ``count`` entries, parsing only those lines."""
        if self._items is not None:
            return self._items[-count:] if count else []
        entries, stop = [], self._end
        for index in range(self._count - 1, self._count - 1 - min(count, self._count), -1):
            begin = self._data.rfind(b"\n", self._start, stop) + 1 or self._start
            entries.append(self._parse_line(self._data[begin:stop], index))
            stop = begin - 1
        return entries[::-1]

    def entries(self) -> list[Entry]:
        """Every entry, parsed once; a line that is not an object is a LogFormatError."""
        if self._items is None:
            self._items = self._parse(self._start, self._end, 0)
            self._data = b""
        return self._items

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[list[Entry]]:
        """The entries as consecutive lists, parsed about ``size`` bytes at a time, not kept.

        For one pass over a long history (the columns of a chart): a few thousand entries
        live at once instead of all of them, so memory is reused while it is still warm
        rather than a fresh hundred megabytes being allocated per history.
        """
        if self._items is not None:
            yield self._items
            return
        position, first = self._start, 0
        while position < self._end:
            stop = self._data.find(b"\n", min(position + size, self._end), self._end)
            stop = self._end if stop < 0 else stop
            items = self._parse(position, stop, first)
            first += len(items)
            position = stop + 1
            yield items

    def _parse(self, start: int, stop: int, first: int) -> list[Entry]:
        """The entries on the lines ``data[start:stop]``; ``first``: the first one's index.

        Lines end with the comma that separates them in the list, but the history's last.
        """
        body = self._data[start:stop]
        if stop < self._end:
            body = body.rstrip().removesuffix(b",")
        try:
            items = loads_fast(b"[" + body + b"]")
        except ValueError as exc:
            raise LogFormatError(
                f"{self.path}: {self.name} is not valid JSON ({_first_line(exc)})"
            ) from None
        if set(map(type, items)) - {dict}:  # one C-level pass; find the culprit only if needed
            index = next(i for i, item in enumerate(items) if not isinstance(item, dict))
            raise LogFormatError(f"{self.path}: {self.name}[{first + index}] is not an object")
        return items

    def _parse_line(self, line: bytes, index: int) -> Entry:
        text = line.strip().removesuffix(b",")
        try:
            item = json.loads(text)
        except ValueError as exc:
            raise LogFormatError(
                f"{self.path}: {self.name}[{index}] is not valid JSON ({_first_line(exc)})"
            ) from None
        if not isinstance(item, dict):
            raise LogFormatError(f"{self.path}: {self.name}[{index}] is not an object")
        return item


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
