"""The append-only journal in ``output_dir/.trainlog/``, from which the log can be rebuilt.

Layout: ``run.json`` (method, config, options; written whole), one ``<history>.jsonl`` per
history list (``train_history.jsonl``...; one entry a line, already in the log's final form,
so composing ``training_log.json`` copies bytes instead of re-encoding), and ``events.jsonl``
(checkpoints, best-checkpoint changes, non-finite values, status changes).

A line torn by a crash is ignored on reading: everything committed before it survives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from trainlog.jsonio import dumps_compact, loads_strict, write_json_atomic

JOURNAL_DIR = ".trainlog"
HEADER_FILE = "run.json"
EVENTS_FILE = "events.jsonl"
ENTRY_PREFIX = "    "
ENTRY_SUFFIX = ",\n"
FORMAT_VERSION = 1


def journal_dir(output_dir: Path) -> Path:
    return output_dir / JOURNAL_DIR


def history_file(output_dir: Path, history: str) -> Path:
    return journal_dir(output_dir) / f"{history}.jsonl"


def entry_line(entry_json: str) -> str:
    """The journal line for one history entry (indented for the composed log)."""
    return f"{ENTRY_PREFIX}{entry_json}{ENTRY_SUFFIX}"


class Journal:
    """Writer side, owned by the run's writer thread."""

    def __init__(self, output_dir: Path, histories: tuple[str, ...]):
        self.dir = journal_dir(output_dir)
        self.output_dir = output_dir
        self.histories = histories
        self._files: dict[str, IO[str]] = {}
        self.committed: dict[str, int] = {}
        """File name → bytes known to be complete and handed to the OS; replaced whole."""

    def open(self, header: dict[str, Any], resume_from_step: int | None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        names = [*self.histories, EVENTS_FILE.removesuffix(".jsonl")]
        for name in names:
            path = self.dir / f"{name}.jsonl"
            if resume_from_step is not None and path.exists():
                keep_through_step(path, resume_from_step)
            elif resume_from_step is None and path.exists():
                path.unlink()
            self._files[name] = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        write_json_atomic(self.dir / HEADER_FILE, header)
        self.commit()

    def append_entry(self, history: str, entry_json: str) -> None:
        self._files[history].write(entry_line(entry_json))

    def append_event(self, kind: str, step: int, entry: dict[str, Any]) -> None:
        record = {"kind": kind, "step": step, "entry": entry}
        self._files["events"].write(dumps_compact(record) + "\n")

    def commit(self) -> None:
        """Hand buffered lines to the OS (they survive a SIGKILL) and publish the offsets."""
        offsets: dict[str, int] = {}
        for name, handle in self._files.items():
            handle.flush()
            offsets[name] = handle.tell()
        self.committed = offsets

    def sync(self) -> None:
        """fsync every journal file (survives power loss, not just a killed process)."""
        for handle in self._files.values():
            handle.flush()
            os.fsync(handle.fileno())

    def close(self) -> None:
        self.commit()
        for handle in self._files.values():
            handle.close()
        self._files.clear()


def iter_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Parsed records of a journal file with their end offsets; stops at a torn line."""
    if not path.exists():
        return
    offset = 0
    with open(path, "rb") as handle:
        for raw in handle:
            if limit is not None and offset + len(raw) > limit:
                return
            if not raw.endswith(b"\n"):
                return
            text = raw.strip()
            if text.endswith(b","):
                text = text[:-1]
            try:
                record = loads_strict(text)
            except (ValueError, UnicodeDecodeError):
                return
            if not isinstance(record, dict):
                return
            offset += len(raw)
            yield offset, record


def keep_through_step(path: Path, step: int) -> None:
    """Rewrite a journal file keeping records with ``step <= step`` (used on resume)."""
    tmp = path.with_suffix(".resume.tmp")
    with open(path, "rb") as source, open(tmp, "wb") as target:
        offset = 0
        for end, record in iter_lines(path):
            source.seek(offset)
            raw = source.read(end - offset)
            offset = end
            record_step = record.get("step")
            if isinstance(record_step, int) and record_step <= step:
                target.write(raw)
    os.replace(tmp, path)


def valid_length(path: Path) -> int:
    """Bytes of ``path`` made of complete, parseable lines."""
    end = 0
    for end, _ in iter_lines(path):  # noqa: B007
        pass
    return end


@dataclass
class JournalContents:
    """A journal read back whole (for rebuilding, repair and rendering a crashed run)."""

    header: dict[str, Any]
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    torn_lines: int = 0


def read_header(output_dir: Path) -> dict[str, Any] | None:
    path = journal_dir(output_dir) / HEADER_FILE
    try:
        header = loads_strict(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


def read_journal(output_dir: Path) -> JournalContents | None:
    """Everything the journal holds, or None when there is no readable journal."""
    header = read_header(output_dir)
    if header is None:
        return None
    contents = JournalContents(header=header)
    for history in header.get("histories", ["train_history", "val_history"]):
        path = history_file(output_dir, history)
        contents.histories[history] = [record for _, record in iter_lines(path)]
        contents.torn_lines += _torn(path)
    events_path = journal_dir(output_dir) / EVENTS_FILE
    contents.events = [record for _, record in iter_lines(events_path)]
    contents.torn_lines += _torn(events_path)
    return contents


def _torn(path: Path) -> int:
    try:
        return int(path.stat().st_size != valid_length(path))
    except OSError:
        return 0


def header_record(
    method: str,
    config: dict[str, Any],
    options: dict[str, Any],
    histories: tuple[str, ...],
    started_at: float,
    version: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "method": method,
        "config": config,
        "options": options,
        "histories": list(histories),
        "started_at": started_at,
        "trainlog_version": version,
    }
