"""The training-process side of ``writer="process"``: ships events to ``trainlog.child``.

Under the GIL, a writer thread's Python work (normalising, encoding, three sinks: ~20 µs a
step) competes with the training loop. In process mode the caller's thread only queues; a
shipper thread coerces values (tensors are read here, never in the caller) and sends
compact ``marshal`` batches to a child process that does all the writing on another core.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import subprocess
import sys
import threading
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import trainlog
from trainlog import ipc
from trainlog.markers import Marker
from trainlog.values import coerce_values
from trainlog.writer import next_batch

logger = logging.getLogger("trainlog")

_PLAIN = frozenset({float, int, bool, type(None)})
_VALUES = itemgetter(2)
_BATCH = 65536
"""Events per frame at most: the shipper takes all that piled up while the caller held the
GIL, so it keeps pace with a tight loop instead of one small batch per GIL turn."""


class ProcessWriter:
    """Same surface as ``Writer`` for ``Run``: ``pending``, ``wake``, ``failures``, ``start``."""

    def __init__(
        self,
        setup: dict[str, Any],
        pending: collections.deque[Any],
        keep_fds: tuple[int, ...] = (),
        poll_seconds: float = 0.05,
    ):
        self.setup = setup
        self.pending = pending
        self.keep_fds = keep_fds
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()
        self.failure: str | None = None
        self.child_failures: dict[str, str] = {}
        self.warned: set[str] = set()
        self._flushes = 0
        self._thread = threading.Thread(target=self._loop, name="trainlog-shipper", daemon=True)

    @property
    def failures(self) -> dict[str, str]:
        failed = dict(self.child_failures)
        if self.failure is not None:
            failed["writer-process"] = self.failure
        return failed

    def start(self) -> None:
        env = dict(os.environ)
        package_root = str(Path(trainlog.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
        self.child = subprocess.Popen(
            [sys.executable, "-m", "trainlog.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            pass_fds=self.keep_fds,
        )
        if self.child.stdin is not None:
            ipc.widen_pipe(self.child.stdin.fileno())
        self._write(ipc.encode(self.setup))
        self._thread.start()

    def warn_once(self, key: str, reason: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            logger.warning("trainlog: value %r not logged: %s (reported once)", key, reason)

    def _loop(self) -> None:
        while True:
            batch, marker = next_batch(self.pending, self.wake, self.poll_seconds, _BATCH)
            self._send(batch)
            if marker is not None:
                self._control(marker)
                if marker.action == "finish":
                    return

    def _plain(self, item: tuple[str, int, dict[str, Any], float]) -> tuple[Any, ...]:
        kind, step, values, at = item
        if not _PLAIN.issuperset(map(type, values.values())):
            values = coerce_values(values, lambda key, why: self.warn_once(f"{kind}:{key}", why))
        return (kind, step, values, at)

    def _send(self, batch: list[Any]) -> None:
        if not batch or self.failure is not None:
            return
        # One C-level pass over every value's type; only a batch holding NumPy scalars,
        # tensors or other objects is coerced event by event (marshal would turn anything
        # with a buffer, a NumPy scalar say, into bytes).
        values = chain.from_iterable(map(dict.values, map(_VALUES, batch)))
        if not _PLAIN.issuperset(map(type, values)):
            batch = [self._plain(item) for item in batch]
        self._write(ipc.encode(batch))

    def _write(self, data: bytes) -> None:
        try:
            assert self.child.stdin is not None
            self.child.stdin.write(data)
            self.child.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            self._fail(f"writer process stopped ({type(exc).__name__}: {exc})")

    def _control(self, marker: Marker) -> None:
        if marker.action == "flush":
            self._flushes += 1
            self._send([(ipc.FLUSH, self._flushes, {}, 0.0)])
            self._await("ack")
        else:
            self._send([(ipc.FINISH, 0, {"status": marker.status}, 0.0)])
            reply = self._await("finished")
            if reply is not None:
                self.child_failures = dict(reply.get("failures") or {})
            self._close()
        marker.done.set()

    def _await(self, key: str) -> dict[str, Any] | None:
        if self.failure is not None or self.child.stdout is None:
            return None
        while True:
            line = self.child.stdout.readline()
            if not line:
                self._fail(f"writer process exited (code {self.child.poll()})")
                return None
            message = json.loads(line)
            if "error" in message:
                self._fail(f"writer process could not start: {message['error']}")
                return None
            if key in message:
                return message

    def _close(self) -> None:
        for stream in (self.child.stdin, self.child.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.child.kill()

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            logger.warning("trainlog: %s; events are no longer recorded", reason)
