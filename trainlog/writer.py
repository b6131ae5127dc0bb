"""The writer thread: drains what ``emit`` queued, normalises it, journals it, fans it out."""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

from trainlog.events import BEST, CHECKPOINT, Event
from trainlog.journal import Journal
from trainlog.jsonio import dumps_compact
from trainlog.markers import Marker
from trainlog.normalize import Normalizer
from trainlog.sink import RunContext
from trainlog.sink_worker import SinkWorker
from trainlog.values import json_safe, nonfinite_label

logger = logging.getLogger("trainlog")

_DRAIN = 4096
"""Events taken from the queue per round; one journal commit and one batch per sink each."""


def next_batch(
    pending: collections.deque[Any], wake: threading.Event, poll_seconds: float, limit: int
) -> tuple[list[Any], Marker | None]:
    """Wait until something is queued, then take up to ``limit`` events, stopping at a marker.

    ``emit`` never signals (that would cost the caller a lock): the consumer polls every
    ``poll_seconds``, and ``flush``/``finish`` set ``wake`` to be handled at once.
    """
    while not pending:
        wake.wait(poll_seconds)
        wake.clear()
    # Only this thread takes from the left, so ``count`` items are there to take; a
    # comprehension of C calls is several times cheaper than a loop testing each item.
    popleft = pending.popleft
    items = [popleft() for _ in range(min(len(pending), limit))]
    if Marker not in set(map(type, items)):
        return items, None
    cut = next(i for i, item in enumerate(items) if type(item) is Marker)
    pending.extendleft(reversed(items[cut + 1 :]))  # back in front, in order
    return items[:cut], items[cut]


class Writer:
    """Owns the journal and the sink workers; everything here runs on one daemon thread."""

    def __init__(
        self,
        run: RunContext,
        normalizer: Normalizer,
        journal: Journal | None,
        workers: list[SinkWorker],
        pending: collections.deque[Any],
        poll_seconds: float = 0.05,
    ):
        self.run = run
        self.normalizer = normalizer
        self.journal = journal
        self.workers = workers
        self.pending = pending
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()
        self.journal_failure: str | None = None
        self.warned: set[str] = set()
        self.last_step = 0
        self._thread = threading.Thread(target=self._loop, name="trainlog-writer", daemon=True)

    def start(self) -> None:
        for worker in self.workers:
            worker.start(self.run)
        self._thread.start()

    def warn_once(self, key: str, reason: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            logger.warning("trainlog: value %r not logged: %s (reported once)", key, reason)

    @property
    def failures(self) -> dict[str, str]:
        failed = {w.name: w.failure for w in self.workers if w.failure is not None}
        if self.journal_failure is not None:
            failed["journal"] = self.journal_failure
        return failed

    def _loop(self) -> None:
        while True:
            items, marker = next_batch(self.pending, self.wake, self.poll_seconds, _DRAIN)
            events: list[Event] = []
            for item in items:
                self._process(item, events)
            self._commit(events)
            if marker is not None:
                self._handle(marker)
                if marker.action == "finish":
                    return

    def _process(self, item: tuple[str, int, dict[str, Any], float], out: list[Event]) -> None:
        kind, step, values, at = item
        try:
            produced = self.normalizer.normalize(kind, step, values, at)
        except Exception as exc:
            self.warn_once(f"{kind}@normalize", f"{type(exc).__name__}: {exc}")
            return
        self.last_step = max(self.last_step, step)
        for event in produced:
            out.append(event)
            self._journal(event, out)

    def _journal(self, event: Event, out: list[Event]) -> None:
        journal = self.journal
        if journal is None:
            return
        try:
            history = self.run.method.histories.get(event.kind)
            if history is not None:
                try:
                    journal.append_entry(history, dumps_compact(event.entry))
                    return
                except ValueError:
                    safe, bad = json_safe(event.entry)
                journal.append_entry(history, dumps_compact(safe))
                for key in bad:
                    record = {
                        "history": history,
                        "step": event.step,
                        "key": key,
                        "value": nonfinite_label(event.entry[key]),
                    }
                    journal.append_event("nonfinite", event.step, record)
                    out.append(Event("nonfinite", event.step, record, event.time))
            elif event.kind in (CHECKPOINT, BEST):
                journal.append_event(event.kind, event.step, json_safe(event.entry)[0])
        except Exception as exc:
            self._journal_failed(exc)

    def _commit(self, events: list[Event]) -> None:
        if self.journal is not None:
            try:
                self.journal.commit()
            except Exception as exc:
                self._journal_failed(exc)
        for worker in self.workers:
            worker.submit(events)

    def _journal_failed(self, exc: Exception) -> None:
        self.journal_failure = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "trainlog: journal in %s failed (%s); training_log.json keeps its last version, "
            "the other sinks and training go on",
            self.run.output_dir,
            self.journal_failure,
        )
        self.journal = None

    def _handle(self, marker: Marker) -> None:
        if marker.action == "flush":
            if self.journal is not None and self.run.options.get("fsync"):
                try:
                    self.journal.sync()
                except Exception as exc:
                    self._journal_failed(exc)
            requests = [(w, w.request("flush")) for w in self.workers]
            for worker, request in requests:
                worker.wait(request)
        else:
            self._finish(marker.status)
        marker.done.set()

    def _finish(self, status: str) -> None:
        record = {"status": status, "time": time.time(), "failed_sinks": self.failures}
        if self.journal is not None:
            try:
                self.journal.append_event("status", self.last_step, record)
                self.journal.close()
                self.journal = None
            except Exception as exc:
                self._journal_failed(exc)
        for worker in self.workers:
            worker.submit([Event("status", self.last_step, record, record["time"])])
        requests = [(w, w.request("close", status)) for w in self.workers]
        for worker, request in requests:
            worker.wait(request)
