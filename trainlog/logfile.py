"""Compose ``training_log.json`` from the journal: the user's contract, written whole each time.

History lists are copied byte for byte from the journal files (they already hold each entry
in its final form), so a rewrite costs I/O, not re-encoding, and memory stays flat however
long the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from trainlog.events import BEST, CHECKPOINT
from trainlog.journal import ENTRY_SUFFIX, JournalContents, history_file
from trainlog.jsonio import atomic_writer, to_jsonable

LOG_FILE = "training_log.json"
MAX_NONFINITE_RECORDS = 1000


@dataclass
class LogState:
    """The parts of the log that are not history lists, kept up to date from events."""

    method: str
    config: dict[str, Any]
    started_at: float
    version: str
    best_metric: str
    best: dict[str, Any] | None = None
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    nonfinite: list[dict[str, Any]] = field(default_factory=list)
    nonfinite_total: int = 0
    status: str = "running"
    failed_sinks: dict[str, str] = field(default_factory=dict)
    finished_at: float | None = None

    @classmethod
    def from_journal(cls, contents: JournalContents, best_metric: str = "") -> LogState:
        """The state a journal's header and events describe (rebuilding, repair)."""
        header = contents.header
        state = cls(
            method=str(header.get("method", "unknown")),
            config=header.get("config") or {},
            started_at=float(header.get("started_at") or 0.0),
            version=str(header.get("trainlog_version", "")),
            best_metric=str((header.get("options") or {}).get("best_metric") or best_metric),
        )
        for record in contents.events:
            state.apply(record["kind"], record["step"], record["entry"])
        return state

    def apply(self, kind: str, step: int, entry: Mapping[str, Any]) -> None:
        """Fold one journal event (checkpoint, best, nonfinite, status) into the state.

        Records come from disk and may be damaged: a field of the wrong type is ignored.
        """
        if not isinstance(entry, Mapping):
            return
        if kind == BEST:
            self.best = dict(entry)
        elif kind == CHECKPOINT:
            path = entry.get("path")
            self.checkpoints = [
                c for c in self.checkpoints if (c.get("step"), c.get("path")) != (step, path)
            ]
            self.checkpoints.append(dict(entry))
        elif kind == "nonfinite":
            self.nonfinite_total += 1
            if len(self.nonfinite) < MAX_NONFINITE_RECORDS:
                self.nonfinite.append(dict(entry))
        elif kind == "status":
            if isinstance(entry.get("status"), str):
                self.status = entry["status"]
            finished = entry.get("time")
            if type(finished) in (int, float) and abs(finished) < 1e12:
                self.finished_at = finished
            failed = entry.get("failed_sinks")
            if isinstance(failed, Mapping):
                self.failed_sinks = {str(k): str(v) for k, v in failed.items()}


def compose(
    output_dir: Path,
    state: LogState,
    histories: tuple[str, ...],
    offsets: Mapping[str, int],
    final_section: Callable[[dict[str, Any] | None, str], dict[str, Any]],
) -> int:
    """Write ``output_dir/training_log.json`` atomically; return the bytes written."""
    path = output_dir / LOG_FILE
    with atomic_writer(path, "wb") as out:
        out.write(b'{\n  "config": ')
        out.write(_nested(state.config))
        for history in histories:
            out.write(f',\n  "{history}": '.encode())
            _copy_history(out, history_file(output_dir, history), offsets.get(history, 0))
        tail = dict(final_section(state.best, state.best_metric))
        tail.update(_extras(state))
        for key, value in tail.items():
            out.write(f",\n  {json.dumps(key)}: ".encode())
            out.write(_nested(value))
        out.write(b"\n}\n")
        return out.tell()


def _nested(value: Any) -> bytes:
    text = json.dumps(to_jsonable(value), ensure_ascii=False, allow_nan=False, indent=2)
    return text.replace("\n", "\n  ").encode("utf-8")


def _copy_history(out: IO[bytes], path: Path, length: int) -> None:
    if length <= len(ENTRY_SUFFIX):
        out.write(b"[]")
        return
    out.write(b"[\n")
    with open(path, "rb") as source:
        remaining = length - len(ENTRY_SUFFIX)
        while remaining > 0:
            chunk = source.read(min(remaining, 1 << 20))
            if not chunk:
                raise OSError(f"{path} is shorter than its committed length")
            out.write(chunk)
            remaining -= len(chunk)
    out.write(b"\n  ]")


def _extras(state: LogState) -> dict[str, Any]:
    extras: dict[str, Any] = {
        "method": state.method,
        "status": state.status,
        "trainlog_version": state.version,
        "started_at": _iso(state.started_at),
        "updated_at": _iso(time.time()),
    }
    if state.finished_at is not None:
        extras["finished_at"] = _iso(state.finished_at)
    if state.checkpoints:
        extras["checkpoints"] = state.checkpoints
    if state.nonfinite_total:
        extras["nonfinite_values"] = state.nonfinite
        extras["nonfinite_count"] = state.nonfinite_total
    if state.failed_sinks:
        extras["failed_sinks"] = state.failed_sinks
    return extras


def _iso(timestamp: float) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
    except (OverflowError, ValueError, OSError):
        return ""
