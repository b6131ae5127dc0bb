"""The TensorBoard sink: event files TensorBoard reads, written without torch or TensorFlow.

Header, config and resume events are ``tensorboard.compat.proto`` messages; the per-step
scalar events, the hot path, are encoded by ``tfrecord.ScalarEncoder`` (same bytes,
a fraction of the cost). All of a step's scalars go into one event (one record, one
checksum), tags group curves (``train/loss``, ``eval/val_reward``), and the run's config
is recorded as a text summary. On resume, a ``SessionLog.START`` makes TensorBoard's readers
purge the steps after the last one flushed, and the journal replays those up to the resume step.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.events import Event
from trainlog.hookspecs import hookimpl
from trainlog.journal import history_events, read_watermark, write_watermark
from trainlog.jsonio import dumps_compact, to_jsonable
from trainlog.sink import RunContext, Sink
from trainlog_plugins.sinks.tfrecord import ScalarEncoder, frame

EVENT_FILE_PREFIX = "events.out.tfevents."


def _import_tensorboard() -> Any:
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
    except ImportError as exc:  # pragma: no cover - tensorboard is a core dependency
        raise RuntimeError(
            "the tensorboard sink needs the tensorboard package: pip install tensorboard"
        ) from exc
    return event_pb2, summary_pb2


class TensorBoardSink(Sink):
    """One event file per (re)start of the run, under ``tensorboard_dir`` or ``output_dir``."""

    name = "tensorboard"

    def open(self, run: RunContext) -> None:
        self.event_pb2, self.summary_pb2 = _import_tensorboard()
        self.encoder = ScalarEncoder()
        self._prefixes = {kind: kind for kind in run.method.histories}
        self.logdir = Path(run.options.get("tensorboard_dir") or run.output_dir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        if run.resume_from_step is None:
            for old in self.logdir.glob(f"{EVENT_FILE_PREFIX}*"):
                old.unlink()
        self.path = _new_event_file(self.logdir)
        self.file = open(self.path, "xb")  # noqa: SIM115
        Event = self.event_pb2.Event
        self._write(Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.output_dir = run.output_dir
        self.last_step = 0
        if run.resume_from_step is not None:
            # Purge after the last step these files surely hold, then replay the journal up
            # to the resume step: steps written after the last flush may be partial.
            held = min(read_watermark(run.output_dir, self.name), run.resume_from_step)
            session_log = self.event_pb2.SessionLog(status=self.event_pb2.SessionLog.START)
            self._write(Event(wall_time=time.time(), step=held + 1, session_log=session_log))
        self._write_config(run)
        if run.resume_from_step is not None:
            self.write(
                history_events(run.output_dir, run.method.histories, held, run.resume_from_step)
            )
            self.last_step = run.resume_from_step
        self.file.flush()

    def _write(self, event: Any) -> None:
        self.file.write(frame(event.SerializeToString()))

    def _write_config(self, run: RunContext) -> None:
        config = to_jsonable(dict(run.config))
        rows = "\n".join(f"| {k} | {dumps_compact(v)} |" for k, v in config.items())
        text = f"method: **{run.method.name}**\n\n| key | value |\n|---|---|\n{rows}"
        metadata = self.summary_pb2.SummaryMetadata(
            plugin_data=self.summary_pb2.SummaryMetadata.PluginData(plugin_name="text")
        )
        from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

        tensor = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING,
            string_val=[text.encode("utf-8")],
            tensor_shape=tensor_shape_pb2.TensorShapeProto(),
        )
        value = self.summary_pb2.Summary.Value(tag="config", metadata=metadata, tensor=tensor)
        summary = self.summary_pb2.Summary(value=[value])
        self._write(self.event_pb2.Event(wall_time=run.started_at, step=0, summary=summary))

    def write(self, events: Sequence[Event]) -> None:
        encode = self.encoder.entry_event
        prefixes = self._prefixes
        records = []
        for event in events:
            group = prefixes.get(event.kind)
            if group is not None:
                data = encode(event.time, event.step, group, event.entry)
                if data is not None:
                    records.append(frame(data))
        self.file.write(b"".join(records))
        self.file.flush()
        if events:
            self.last_step = max(self.last_step, events[-1].step)

    def flush(self) -> None:
        self.file.flush()
        write_watermark(self.output_dir, self.name, self.last_step)

    def close(self, status: str) -> None:
        self.file.flush()
        self.file.close()
        write_watermark(self.output_dir, self.name, self.last_step)


def _new_event_file(logdir: Path) -> Path:
    """A fresh event file name that sorts after earlier ones (TensorBoard reads in name order).

    The timestamp is pushed past every existing file's: a run resumed within the same
    second by another process (another pid) must still sort last.
    """
    stamp = int(time.time())
    for old in logdir.glob(f"{EVENT_FILE_PREFIX}*"):
        field = old.name[len(EVENT_FILE_PREFIX) :].split(".", 1)[0]
        if field.isdigit():
            stamp = max(stamp, int(field) + 1)
    stem = f"{EVENT_FILE_PREFIX}{stamp:010d}.{socket.gethostname()}.{os.getpid()}"
    for index in range(10000):
        path = logdir / f"{stem}.{index:04d}.trainlog"
        if not path.exists():
            return path
    raise FileExistsError(f"{logdir}: no free event file name for {stem}")


@hookimpl
def register_sinks(register: Any) -> None:
    register("tensorboard", TensorBoardSink)
