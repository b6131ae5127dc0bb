"""The writer process (``python -m trainlog.child``): all of a run's writing, off the trainer's GIL.

The training process ships batches of raw events over stdin; this process normalises,
journals and fans them out exactly as the in-process writer thread would, and answers
flush/finish requests on stdout. Frames are read eagerly into a byte-bounded backlog, so a
burst of events waits here rather than in the trainer's memory. If the trainer dies (stdin
closes without a finish), the run is finished as ``interrupted``: its files are complete.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from trainlog import ipc
from trainlog.markers import Marker
from trainlog.writer import Writer

_DECODED_MAX = 16384
"""Decoded events handed to the writer at most; the rest waits as compact bytes."""


class Backlog:
    """Frames read from stdin, bounded in bytes (beyond it, reading pauses: backpressure)."""

    def __init__(self, max_bytes: int):
        self.frames: collections.deque[bytes | None] = collections.deque()
        self.bytes = 0
        self.max_bytes = max_bytes
        self.ready = threading.Condition()

    def fill(self, fd: int) -> None:
        """Read big chunks (few GIL round trips) and split them into frames."""
        buffer = bytearray()
        while True:
            with self.ready:
                while self.bytes > self.max_bytes:
                    self.ready.wait(0.05)
            chunk = os.read(fd, 1 << 20)
            buffer += chunk
            frames, used = ipc.split_frames(buffer)
            del buffer[:used]
            with self.ready:
                for frame in frames:
                    self.frames.append(frame)
                    self.bytes += len(frame)
                if not chunk:
                    self.frames.append(None)
                self.ready.notify_all()
            if not chunk:
                return

    def take(self) -> bytes | None:
        with self.ready:
            while not self.frames:
                self.ready.wait()
            frame = self.frames.popleft()
            if frame is not None:
                self.bytes -= len(frame)
            self.ready.notify_all()
            return frame


def _reply(out: IO[bytes], message: dict[str, Any]) -> None:
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def _start(setup: dict[str, Any], pending: collections.deque[Any]) -> Writer:
    from trainlog.pipeline import start_writer
    from trainlog.plugins import load_plugins

    registry = load_plugins()
    spec = registry.method(setup["method"])
    factories = {name: registry.sink(name) for name in setup["sinks"]}
    return start_writer(
        spec,
        Path(setup["output_dir"]),
        setup["config"],
        setup["sinks"],
        setup["options"],
        factories,
        pending,
    )


def _run_marker(writer: Writer, marker: Marker) -> None:
    writer.pending.append(marker)
    writer.wake.set()
    marker.done.wait()


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> int:
    backlog = Backlog(512 << 20)
    threading.Thread(target=backlog.fill, args=(stdin.fileno(),), daemon=True).start()
    first = backlog.take()
    if first is None:
        return 1
    setup = ipc.decode(first)
    backlog.max_bytes = int(setup["options"].get("max_backlog_bytes", backlog.max_bytes))
    pending: collections.deque[Any] = collections.deque()
    try:
        writer = _start(setup, pending)
    except Exception as exc:
        _reply(stdout, {"error": f"{type(exc).__name__}: {exc}"})
        return 1
    while True:
        frame = backlog.take()
        if frame is None:
            _run_marker(writer, Marker("finish", "interrupted"))
            return 0
        items = ipc.decode(frame)
        control = items[0][0] if len(items) == 1 else None
        if control == ipc.FLUSH:
            _run_marker(writer, Marker("flush"))
            _reply(stdout, {"ack": items[0][1]})
        elif control == ipc.FINISH:
            _run_marker(writer, Marker("finish", items[0][2]["status"]))
            _reply(stdout, {"finished": True, "failures": writer.failures})
            return 0
        else:
            while len(pending) >= _DECODED_MAX:
                writer.wake.set()
                time.sleep(0.001)
            pending.extend(items)
            writer.wake.set()


def main() -> None:
    # Replies get a private copy of stdout; anything a plugin prints goes to stderr instead
    # of corrupting the protocol.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    code = serve(sys.stdin.buffer, replies)
    # Every file is closed by now; skip interpreter teardown, which would wait on the
    # stdin reader thread.
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
