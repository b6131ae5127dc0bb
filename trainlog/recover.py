"""Rebuild ``training_log.json`` from the journal after a crash (``trainlog repair``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainlog.errors import LogFormatError
from trainlog.journal import journal_dir, read_journal
from trainlog.logfile import LOG_FILE, LogState, compose


@dataclass
class RepairReport:
    path: Path
    entries: dict[str, int]
    dropped_lines: int
    status: str

    def describe(self) -> str:
        counts = ", ".join(f"{n} {name} entries" for name, n in self.entries.items())
        dropped = ""
        if self.dropped_lines:
            dropped = f"; dropped {self.dropped_lines} torn or uncommitted line(s)"
        return f"rebuilt {self.path} from the journal: {counts}{dropped} (status: {self.status})"


def repair(run_dir: Path) -> RepairReport:
    """Recompose the log from every complete journal line; the journal itself is untouched."""
    contents = read_journal(run_dir)
    if contents is None:
        raise LogFormatError(f"{run_dir}: no readable trainlog journal in {journal_dir(run_dir)}")
    from trainlog.plugins import load_plugins

    header = contents.header
    registry = load_plugins()
    spec = registry.method(str(header.get("method")))
    state = LogState.from_journal(contents, best_metric=spec.best_metric)
    state.method = spec.name
    if state.status == "running":
        state.status = "interrupted"
    histories = tuple(header.get("histories") or spec.history_keys())
    offsets = {h: contents.lengths.get(h, 0) for h in histories}
    offsets["events"] = contents.lengths.get("events", 0)
    try:
        compose(run_dir, state, histories, offsets, spec.final_section)
    except OSError as exc:
        raise LogFormatError(
            f"{run_dir / LOG_FILE}: cannot write the rebuilt log ({exc.strerror or exc})"
        ) from None
    return RepairReport(
        path=run_dir / LOG_FILE,
        entries={h: len(contents.histories.get(h, [])) for h in histories},
        dropped_lines=contents.dropped_lines,
        status=state.status,
    )


def run_is_live(run_dir: Path) -> bool:
    """True while a live process holds ``run_dir``'s lock (a crashed run holds none).

    Probes with a shared lock, released at once; never blocks and never writes.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no locks on Windows
        return False
    from trainlog.lock import LOCK_FILE

    path = journal_dir(run_dir) / LOCK_FILE
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False
