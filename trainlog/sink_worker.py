"""Runs one sink on its own thread, so a sink that raises or hangs harms nothing else."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from trainlog.events import Event
from trainlog.markers import Marker
from trainlog.sink import RunContext, Sink

logger = logging.getLogger("trainlog")
_MAX_MERGED = 65536
"""A slow sink gets what piled up in one write call, up to this many events."""


class SinkWorker:
    """A bounded queue of event batches in front of one sink.

    ``timeout`` bounds how long the writer waits for this sink (to take a batch when its
    queue is full, or to finish a flush); past it the sink is declared stalled and detached.
    """

    def __init__(self, name: str, sink: Sink, timeout: float, max_batches: int = 4):
        self.name = name
        self.sink = sink
        self.timeout = timeout
        self.failure: str | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_batches)
        self._thread = threading.Thread(
            target=self._loop, name=f"trainlog-sink-{name}", daemon=True
        )

    def start(self, run: RunContext) -> None:
        """Start the thread; the sink's ``open`` runs there first, off the caller's path."""
        self._run = run
        self._thread.start()

    def submit(self, events: list[Event]) -> None:
        if self.failure is not None or not events:
            return
        try:
            self._queue.put(events, timeout=self.timeout)
        except queue.Full:
            self._fail(f"stalled: took no events for {self.timeout:g} s; detached")

    def request(self, action: str, status: str = "") -> Marker | None:
        """Queue a flush or close; returns the request to wait on, or None if detached."""
        if self.failure is not None:
            return None
        request = Marker(action, status)
        try:
            self._queue.put(request, timeout=self.timeout)
        except queue.Full:
            self._fail(f"stalled: took no events for {self.timeout:g} s; detached")
            return None
        return request

    def wait(self, request: Marker | None) -> None:
        if request is not None and not request.done.wait(self.timeout):
            self._fail(f"stalled: {request.action} did not finish within {self.timeout:g} s")

    def _loop(self) -> None:
        self._guard("open", lambda: self.sink.open(self._run))
        held: Any = None
        while True:
            item, held = (held if held is not None else self._queue.get()), None
            if isinstance(item, Marker):
                if item.action == "flush":
                    self._guard("flush", self.sink.flush)
                else:
                    self._guard("close", lambda s=item.status: self.sink.close(s))
                item.done.set()
                if item.action == "close":
                    return
                continue
            batch = list(item)
            while len(batch) < _MAX_MERGED:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(more, Marker):
                    held = more
                    break
                batch.extend(more)
            self._guard("write", lambda b=batch: self.sink.write(b))

    def _guard(self, what: str, call: Callable[[], None]) -> None:
        if self.failure is not None:
            return
        try:
            call()
        except Exception as exc:
            self._fail(f"{what} raised {type(exc).__name__}: {exc}")

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            logger.warning(
                "trainlog: sink %r failed (%s); it is disabled for the rest of the run, "
                "the other sinks and training go on",
                self.name,
                reason,
            )
