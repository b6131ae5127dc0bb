"""Find runs: expand the CLI's LOG_OR_DIR arguments (globs too) and walk folders for runs.

A run folder holds ``training_log.json`` or a trainlog journal (``.trainlog/run.json``);
walks are depth- and count-bounded and never follow symlinks, so a huge or cyclic tree
cannot stall ``compare`` or ``serve``.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from trainlog.errors import LogFormatError
from trainlog.journal import HEADER_FILE, journal_dir
from trainlog.logfile import LOG_FILE

MAX_DEPTH = 8
MAX_RUNS = 2000


def is_run_dir(path: Path) -> bool:
    return (path / LOG_FILE).is_file() or (journal_dir(path) / HEADER_FILE).is_file()


def find_runs(root: Path, max_depth: int = MAX_DEPTH, limit: int = MAX_RUNS) -> list[Path]:
    """Run folders under ``root`` (itself included), sorted by path."""
    found: list[Path] = []
    base_depth = len(root.parts)
    for current, dirs, _files in os.walk(root, followlinks=False):
        here = Path(current)
        if is_run_dir(here):
            found.append(here)
            if len(found) >= limit:
                break
        if len(here.parts) - base_depth >= max_depth:
            dirs[:] = []
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return sorted(found)


def _has_magic(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def expand_inputs(args: Iterable[str], skipped: list[Path] | None = None) -> list[Path]:
    """Logs and run folders named by ``args``: files, run folders, folders of runs, globs.

    A quoted glob (``'outputs/*/training_log.json'``) is expanded here, as the shell would.
    Folders that hold no run (``outputs/tiny`` beside the runs, say) are left out and listed
    in ``skipped``, as long as some run is found; if none is, the first one is the error.
    """
    out: dict[Path, Path] = {}
    empty: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.exists():
            candidates = [path]
        elif _has_magic(arg):
            candidates = [Path(p) for p in sorted(glob.glob(arg, recursive=True))]
            if not candidates:
                raise LogFormatError(f"{arg}: no file or folder matches this pattern")
        else:
            raise LogFormatError(f"{arg}: no such file or directory")
        for candidate in candidates:
            runs = _runs_in(candidate)
            if not runs:
                empty.append(candidate)
            for run in runs:
                folder = run if run.is_dir() else run.parent
                out.setdefault(folder.resolve(), run)
    if not out and empty:
        raise LogFormatError(f"{empty[0]}: no {LOG_FILE} (and no trainlog journal) under it")
    if skipped is not None:
        skipped.extend(empty)
    return list(out.values())


def _runs_in(path: Path) -> list[Path]:
    if path.is_file() or is_run_dir(path):
        return [path]
    if path.is_dir():
        return find_runs(path)
    raise LogFormatError(f"{path}: not a file or directory")
