"""Read a run that is still being written, as fresh as its files allow.

``training_log.json`` is rewritten after evaluations and every few seconds; the journal
(``.trainlog/*.jsonl``) gets every event as soon as the writer thread has it. A live view
reads the journal when it is newer than the log, and knows a run changed by its files'
signature (mtime and size), without parsing anything.
"""

from __future__ import annotations

from pathlib import Path

from trainlog.journal import journal_dir
from trainlog.logfile import LOG_FILE
from trainlog.reader import RunLog, read_from_journal, read_log

Signature = tuple[tuple[str, int, int], ...]


def run_dir_of(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _journal_files(run_dir: Path) -> list[Path]:
    folder = journal_dir(run_dir)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in (".jsonl", ".json"))
    except OSError:
        return []


def signature(path: Path) -> Signature:
    """``(name, mtime_ns, size)`` of the log and journal files: changes whenever the run writes."""
    run_dir = run_dir_of(path)
    files = [path if path.is_file() else run_dir / LOG_FILE, *_journal_files(run_dir)]
    out = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        out.append((file.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def load_live(path: Path) -> RunLog:
    """The run at ``path`` (log file or run folder), from the journal when that is fresher."""
    run_dir = run_dir_of(path)
    log_file = path if path.is_file() else run_dir / LOG_FILE
    try:
        log_mtime = log_file.stat().st_mtime_ns
    except OSError:
        log_mtime = -1
    journal_mtime = max(
        (p.stat().st_mtime_ns for p in _journal_files(run_dir) if p.suffix == ".jsonl"),
        default=-1,
    )
    if journal_mtime > log_mtime:
        rebuilt = read_from_journal(run_dir)
        if rebuilt is not None and rebuilt.status == "running":
            return rebuilt
    return read_log(path)
