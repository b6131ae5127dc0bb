"""One live writer per output directory: an OS lock that a crashed process cannot leave stuck."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

from trainlog.errors import RunLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, documented
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "lock"


class DirectoryLock:
    """``flock`` on ``.trainlog/lock``; the kernel releases it when the holder dies."""

    def __init__(self, directory: Path):
        self.path = directory / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self, output_dir: Path) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise RunLockedError(
                    f"{output_dir} is in use by a live run ({holder}); "
                    "choose another output_dir or wait for that run to finish"
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle

    def fileno(self) -> int | None:
        """The locked descriptor: a writer process that inherits it keeps the lock held."""
        return self._handle.fileno() if self._handle is not None else None

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
