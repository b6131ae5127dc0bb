"""A flush, finish or close request that travels through a queue behind the events before it."""

from __future__ import annotations

import threading


class Marker:
    """``done`` is set once everything queued before the marker has been handled."""

    __slots__ = ("action", "done", "status")

    def __init__(self, action: str, status: str = ""):
        self.action = action
        self.status = status
        self.done = threading.Event()
