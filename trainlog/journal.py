"""The append-only journal in ``output_dir/.trainlog/``, from which the log can be rebuilt.

Layout: ``run.json`` (method, config, options; written whole), one ``<history>.jsonl`` per
history list (``train_history.jsonl``...; one entry a line, already in the log's final form,
so composing ``training_log.json`` copies bytes instead of re-encoding), ``events.jsonl``
(checkpoints, best-checkpoint changes, non-finite values, status changes), and
``commit.json``: every file's length at the last commit.

Reading stops at those lengths, and at a line torn by a crash: what a reader recovers is the
journal as one commit left it. The files are flushed one after another, so a process killed
between two flushes (or while a full buffer was written out) leaves one file ahead of another:
train entries on disk whose evaluations never reached ``val_history.jsonl``. Without the
commit lengths a resumed run would carry on after those train entries and leave the
evaluations missing for good.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from trainlog.events import Event
from trainlog.jsonio import dumps_compact, loads_strict, write_json_atomic

JOURNAL_DIR = ".trainlog"
HEADER_FILE = "run.json"
EVENTS_FILE = "events.jsonl"
COMMIT_FILE = "commit.json"
ENTRY_PREFIX = "    "
ENTRY_SUFFIX = ",\n"
FORMAT_VERSION = 1
WATERMARK_SUFFIX = ".watermark"


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
        self._commit_record: CommitRecord | None = None
        self.committed: dict[str, int] = {}
        """File name → bytes known to be complete and handed to the OS; replaced whole."""

    def open(self, header: dict[str, Any], resume_from_step: int | None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        names = [*self.histories, EVENTS_FILE.removesuffix(".jsonl")]
        point = CommitPoint()
        if resume_from_step is None:
            (self.dir / COMMIT_FILE).unlink(missing_ok=True)
        else:
            point = read_commit(self.output_dir)
            if point.through_step is not None:  # an earlier resume was killed while trimming
                resume_from_step = min(resume_from_step, point.through_step)
            # Recorded before the files are trimmed one by one: killed in between, readers
            # still see every file cut at the resume step.
            record = {"lengths": point.lengths, "through_step": resume_from_step}
            write_json_atomic(self.dir / COMMIT_FILE, record, indent=None)
        for name in names:
            path = self.dir / f"{name}.jsonl"
            if resume_from_step is not None and path.exists():
                limit = point.lengths.get(name)
                keep_through_step(path, resume_from_step, events=name == "events", limit=limit)
            elif resume_from_step is None and path.exists():
                path.unlink()
            self._files[name] = open(  # noqa: SIM115
                path, "a", encoding="utf-8", errors="replace", newline=""
            )
        if resume_from_step is None:
            for stale in self.dir.glob(f"*{WATERMARK_SUFFIX}"):
                stale.unlink()
        self._remove_leftovers()
        write_json_atomic(self.dir / HEADER_FILE, header)
        self._commit_record = CommitRecord(self.dir / COMMIT_FILE)
        self.commit()

    def _remove_leftovers(self) -> None:
        """Temporary files a killed run left behind (the lock is held: none is in use)."""
        names = ["training_log.json", *(f"{history}.csv" for history in self.histories)]
        leftovers = [p for name in names for p in self.output_dir.glob(f".{name}.*.tmp")]
        leftovers += self.dir.glob(".*.tmp")
        for path in leftovers:
            with contextlib.suppress(OSError):
                path.unlink()

    def append_entry(self, history: str, entry_json: str) -> None:
        self._files[history].write(entry_line(entry_json))

    def append_event(self, kind: str, step: int, entry: dict[str, Any]) -> None:
        record = {"kind": kind, "step": step, "entry": entry}
        self._files["events"].write(dumps_compact(record) + "\n")

    def commit(self) -> None:
        """Hand buffered lines to the OS (they survive a SIGKILL), record and publish the offsets.

        The lengths reach ``commit.json`` before they are published, so ``training_log.json``
        (composed from the published ones) never holds more than a reader recovers.
        """
        offsets: dict[str, int] = {}
        for name, handle in self._files.items():
            handle.flush()
            offsets[name] = handle.tell()
        if self._commit_record is not None:
            self._commit_record.write(offsets)
        self.committed = offsets

    def sync(self) -> None:
        """fsync every journal file (survives power loss, not just a killed process)."""
        for handle in self._files.values():
            handle.flush()
            os.fsync(handle.fileno())
        if self._commit_record is not None:
            self._commit_record.sync()

    def close(self) -> None:
        self.commit()
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        if self._commit_record is not None:
            self._commit_record.close()
            self._commit_record = None


class CommitRecord:
    """``commit.json``, rewritten in place by one write at offset 0 per commit.

    One small write cannot be torn by a killed process, and costs two system calls where
    replacing a file would cost four. Shorter contents are padded with spaces to the
    longest written, so no stale tail is left behind. (``lseek`` + ``write`` rather than
    ``pwrite``, which Windows lacks.)
    """

    def __init__(self, path: Path):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(b"{}\n")
        os.replace(tmp, path)
        self._fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        self._width = 0

    def write(self, offsets: dict[str, int]) -> None:
        data = (dumps_compact({"lengths": offsets}) + "\n").encode("utf-8")
        self._width = max(self._width, len(data))
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, data.ljust(self._width))

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


MAX_COMMIT_BYTES = 1 << 16


@dataclass
class CommitPoint:
    """What ``commit.json`` says: where reading stops (no record says: read everything)."""

    lengths: dict[str, int] = field(default_factory=dict)
    """File name (history, or ``events``) → bytes committed."""
    through_step: int | None = None
    """Set while a resume trims the files: records after this step are no longer part of
    the run, even where a file is not trimmed yet."""

    def keeps(self, record: dict[str, Any]) -> bool:
        step = record.get("step")
        return self.through_step is None or type(step) is not int or step <= self.through_step


def read_commit(output_dir: Path) -> CommitPoint:
    """The journal's last commit point, from ``commit.json`` (empty when it is unreadable)."""
    path = journal_dir(output_dir) / COMMIT_FILE
    if not is_regular_file(path):
        return CommitPoint()
    try:
        with open(path, "rb") as handle:
            record = loads_strict(handle.read(MAX_COMMIT_BYTES + 1).strip())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return CommitPoint()
    if not isinstance(record, dict) or not isinstance(record.get("lengths"), dict):
        return CommitPoint()
    lengths = {k: v for k, v in record["lengths"].items() if type(v) is int and v >= 0}
    through = record.get("through_step")
    return CommitPoint(lengths, through if type(through) is int and through >= 0 else None)


MAX_LINE_BYTES = 16 << 20
"""A journal line longer than this is garbage (entries are a few hundred bytes): stop there."""


def is_regular_file(path: Path) -> bool:
    """True for a plain file (following links): never open a FIFO or device, which can hang."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def iter_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Parsed records of a journal file with their end offsets; stops at a torn line."""
    if not is_regular_file(path):
        return
    offset = 0
    with open(path, "rb") as handle:
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw.endswith(b"\n"):
                return
            if limit is not None and offset + len(raw) > limit:
                return
            text = raw.strip()
            if text.endswith(b","):
                text = text[:-1]
            try:
                record = loads_strict(text)
            except (ValueError, UnicodeDecodeError, RecursionError):
                return
            if not isinstance(record, dict):
                return
            offset += len(raw)
            yield offset, record


def keep_through_step(
    path: Path, step: int, events: bool = False, limit: int | None = None
) -> None:
    """Rewrite a journal file keeping records with ``step <= step`` (used on resume).

    Only the first ``limit`` bytes (the last commit's length) are read. In ``events.jsonl``
    (``events=True``) records of the wrong shape are dropped too, and so are status records:
    they belong to the session that ended, the resumed one writes its own.
    """
    tmp = path.with_suffix(".resume.tmp")
    with open(path, "rb") as source, open(tmp, "wb") as target:
        offset = 0
        for end, record in iter_lines(path, limit):
            source.seek(offset)
            raw = source.read(end - offset)
            offset = end
            record_step = record.get("step")
            if type(record_step) is not int:
                continue
            if events and (record.get("kind") == "status" or not is_event_record(record)):
                continue
            if record_step <= step:
                target.write(raw)
    os.replace(tmp, path)


def history_events(
    output_dir: Path, histories: Mapping[str, str], after: int, through: int
) -> list[Event]:
    """Journal entries with ``after < step <= through`` as events, in step order.

    On resume, a sink that lags the journal (CSV, TensorBoard) replays these to catch up.
    """
    now = time.time()
    nonfinite: dict[tuple[str, int], dict[str, float]] = {}
    for _, record in iter_lines(journal_dir(output_dir) / EVENTS_FILE):
        entry = record.get("entry")
        step = record.get("step")
        if (
            record.get("kind") == "nonfinite"
            and isinstance(entry, dict)
            and type(step) is int
            and after < step <= through
            and entry.get("value") in _NONFINITE
        ):
            where = (str(entry.get("history")), step)
            nonfinite.setdefault(where, {})[str(entry.get("key"))] = _NONFINITE[entry["value"]]
    events = []
    for kind, history in histories.items():
        for _, record in iter_lines(history_file(output_dir, history)):
            step = record.get("step")
            if type(step) is int and after < step <= through:
                restored = nonfinite.get((history, step))
                if restored:  # the journal holds null where NaN/inf was emitted
                    record.update((k, v) for k, v in restored.items() if record.get(k) is None)
                events.append(Event(kind, step, record, now))
    events.sort(key=lambda event: event.step)
    return events


_NONFINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def read_watermark(output_dir: Path, sink: str) -> int:
    """The last step ``sink`` recorded as flushed (0 if unknown): it holds every step up to it."""
    path = journal_dir(output_dir) / f"{sink}{WATERMARK_SUFFIX}"
    if not is_regular_file(path):
        return 0
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()[:32]
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def write_watermark(output_dir: Path, sink: str, step: int) -> None:
    """Record that ``sink`` has flushed every step up to ``step`` (small file, replaced whole)."""
    path = journal_dir(output_dir) / f"{sink}{WATERMARK_SUFFIX}"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(str(int(step)), encoding="ascii")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@dataclass
class JournalContents:
    """A journal read back whole (for rebuilding, repair and rendering a crashed run)."""

    header: dict[str, Any]
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    dropped_lines: int = 0
    """Lines not read: torn by a crash, written after the last commit, or malformed."""
    lengths: dict[str, int] = field(default_factory=dict)
    """Bytes read of each file (history name, or ``events``): where a rebuilt log stops."""


MAX_HEADER_BYTES = 64 << 20


def read_header(output_dir: Path) -> dict[str, Any] | None:
    """``run.json``, checked and cleaned; None when missing or not a trainlog header."""
    path = journal_dir(output_dir) / HEADER_FILE
    if not is_regular_file(path):
        return None
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            return None
        header = loads_strict(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return clean_header(header)


def clean_header(header: Any) -> dict[str, Any] | None:
    """The header with every field of the expected type, or None if it is not a header."""
    if not isinstance(header, dict) or not isinstance(header.get("method"), str):
        return None
    histories = header.get("histories", ["train_history", "val_history"])
    if not isinstance(histories, list) or not all(_plain_name(h) for h in histories):
        return None
    started = header.get("started_at")
    return {
        **header,
        "histories": list(dict.fromkeys(histories)),
        "config": header["config"] if isinstance(header.get("config"), dict) else {},
        "options": header["options"] if isinstance(header.get("options"), dict) else {},
        "started_at": float(started) if _finite_number(started) else 0.0,
        "trainlog_version": str(header.get("trainlog_version", "")),
    }


def _plain_name(name: Any) -> bool:
    """A history name is a file stem in the journal folder: no separators, no dot first."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 100
        and not name.startswith(".")
        and all(c.isalnum() or c in "_-." for c in name)
    )


def _finite_number(value: Any) -> bool:
    return type(value) in (int, float) and abs(value) < 1e11


def is_event_record(record: dict[str, Any]) -> bool:
    """An events.jsonl record of the expected shape: kind, integer step, entry object."""
    return (
        isinstance(record.get("kind"), str)
        and type(record.get("step")) is int
        and isinstance(record.get("entry"), dict)
    )


def read_journal(output_dir: Path) -> JournalContents | None:
    """Everything the journal holds, or None when there is no readable journal."""
    header = read_header(output_dir)
    if header is None:
        return None
    contents = JournalContents(header=header)
    point = read_commit(output_dir)
    for history in header["histories"]:
        path = history_file(output_dir, history)
        contents.histories[history] = _read_records(path, point, contents, history)
    events_path = journal_dir(output_dir) / EVENTS_FILE
    records = _read_records(events_path, point, contents, "events")
    contents.events = [record for record in records if is_event_record(record)]
    contents.dropped_lines += len(records) - len(contents.events)
    return contents


def _read_records(
    path: Path, point: CommitPoint, contents: JournalContents, name: str
) -> list[dict[str, Any]]:
    """The file's records up to the commit point, noting where reading stopped.

    Records are in step order, so reading stops at the first one after ``through_step``.
    """
    records = []
    end = 0
    for record_end, record in iter_lines(path, point.lengths.get(name)):
        if not point.keeps(record):
            break
        records.append(record)
        end = record_end
    contents.lengths[name] = end
    contents.dropped_lines += _lines_after(path, end)
    return records


def _lines_after(path: Path, offset: int, cap: int = 64 << 20) -> int:
    """Lines (a last one without its newline included) in ``path`` after ``offset``."""
    if not is_regular_file(path):
        return 0
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            tail = handle.read(cap)
    except OSError:
        return 0
    return tail.count(b"\n") + (1 if tail and not tail.endswith(b"\n") else 0)


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
