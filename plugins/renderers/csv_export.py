"""The ``csv`` renderer: ``train_history.csv`` and ``val_history.csv`` for spreadsheets and pandas.

Columns are the union of the entries' keys (``step``/``epoch``/``samples`` first, then in order
of first appearance); an entry without a key leaves its cell empty. Files appear whole or not
at all.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.jsonio import atomic_writer
from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer

HISTORIES = ("train_history", "val_history")
LEADING = ("step", "epoch", "samples")


class CsvRenderer(Renderer):
    """Exports each history list as ``<history>.csv`` (written even when empty: a header)."""

    name = "csv"
    description = "train_history.csv and val_history.csv"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        if ctx.output_dir is None:
            return []
        written: list[Path] = []
        for log in logs:
            for history in HISTORIES:
                path = ctx.output_dir / f"{history}.csv"
                write_csv(path, log.history(history))
                written.append(path)
        return written


def columns_of(entries: Sequence[dict[str, Any]]) -> list[str]:
    """The union of keys, position keys first, the rest in order of first appearance."""
    seen: dict[str, None] = {}
    previous: Any = None
    for entry in entries:
        keys = entry.keys()
        if keys != previous:
            seen.update(dict.fromkeys(keys))
            previous = keys
    return [k for k in LEADING if k in seen] + [k for k in seen if k not in LEADING]


def write_csv(path: Path, entries: Sequence[dict[str, Any]]) -> None:
    fields = columns_of(entries) or ["step"]
    with atomic_writer(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(entries)
