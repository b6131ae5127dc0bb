"""The CSV sink: ``train_history.csv`` and ``val_history.csv`` streamed as the run goes.

A metric that first appears mid-run adds a column: the file is rewritten once with the wider
header (atomically, earlier rows kept with an empty cell), then appending resumes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from trainlog.events import Event
from trainlog.hookspecs import hookimpl
from trainlog.journal import history_events
from trainlog.jsonio import atomic_writer
from trainlog.sink import RunContext, Sink


class _Table:
    """One CSV file with a growing header."""

    def __init__(self, path: Path):
        self.path = path
        self.columns: list[str] = []
        self.known: set[str] = set()
        self.handle: IO[str] | None = None
        self.writer: Any = None
        self.last_step = 0
        """On resume: the last step of the rows kept (the journal replays what follows)."""

    def start(self, keep_through_step: int | None) -> None:
        if keep_through_step is not None and self.path.exists():
            self._rewrite(keep_through_step=keep_through_step)
        else:
            self.path.unlink(missing_ok=True)
        self._open_append()

    def append(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for key in row:
                if key not in self.known:
                    self._widen(rows)
                    break
        writerow = self.writer.writerow
        columns = self.columns
        layout = tuple(columns)
        for row in rows:
            if tuple(row) == layout:  # the usual case: the row has exactly the header's keys
                writerow(row.values())
            else:
                writerow([row.get(c) for c in columns])  # csv writes None as an empty cell

    def _widen(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for key in row:
                if key not in self.known:
                    self.known.add(key)
                    self.columns.append(key)
        self._rewrite(keep_through_step=None)

    def _rewrite(self, keep_through_step: int | None) -> None:
        """Rewrite the file with the current header (and, on resume, only early rows)."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        old_rows: list[dict[str, str]] = []
        if self.path.exists():
            with open(self.path, newline="", encoding="utf-8", errors="replace") as source:
                text = source.read()
            reader = csv.DictReader(io.StringIO(text, newline=""))
            for name in reader.fieldnames or []:
                if name not in self.known:
                    self.known.add(name)
                    self.columns.append(name)
            old_rows = list(reader)
            if old_rows and not text.endswith("\n"):
                old_rows.pop()  # a row torn by a killed process
        if keep_through_step is not None:
            old_rows = [
                r for r in old_rows if _step(r) is not None and _step(r) <= keep_through_step
            ]
            self.last_step = max((_step(r) or 0 for r in old_rows), default=0)
        with atomic_writer(self.path) as target:
            writer = csv.writer(target)
            writer.writerow(self.columns)
            for row in old_rows:
                writer.writerow([row.get(c) or "" for c in self.columns])
        self._open_append()

    def _open_append(self) -> None:
        if self.handle is not None:
            return
        self.handle = open(self.path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = csv.writer(self.handle)
        if self.columns and self.handle.tell() == 0:
            self.writer.writerow(self.columns)

    def flush(self) -> None:
        if self.handle is not None:
            self.handle.flush()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _step(row: dict[str, str]) -> int | None:
    try:
        return int(float(row.get("step") or ""))
    except (ValueError, OverflowError):
        return None


class CsvSink(Sink):
    """Streams each history list of the run to ``<history>.csv``."""

    name = "csv"

    def open(self, run: RunContext) -> None:
        folder = Path(run.options.get("csv_dir") or run.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self.tables = {
            kind: _Table(folder / f"{history}.csv")
            for kind, history in run.method.histories.items()
        }
        for table in self.tables.values():
            table.start(run.resume_from_step)
        if run.resume_from_step is not None:
            for kind, table in self.tables.items():
                missed = history_events(
                    run.output_dir,
                    {kind: run.method.histories[kind]},
                    table.last_step,
                    run.resume_from_step,
                )
                if missed:
                    table.append([event.entry for event in missed])

    def write(self, events: Sequence[Event]) -> None:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            if event.kind in self.tables:
                grouped.setdefault(event.kind, []).append(event.entry)
        for kind, rows in grouped.items():
            self.tables[kind].append(rows)
            self.tables[kind].flush()

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def close(self, status: str) -> None:
        for table in self.tables.values():
            table.close()


@hookimpl
def register_sinks(register: Any) -> None:
    register("csv", CsvSink)
