"""A sink that takes 50 ms per write: what the caller's ``emit`` costs, call by call.

    python benchmarks/bench_slow_sink.py [--steps N] [--max-queue Q] [--quick]

The sink is registered in the worker process as ``load_plugins().sinks["slow"]``; it
subclasses ``trainlog.sink.Sink`` and sleeps 50 ms in ``write``. Runs use writer=thread (a
child-process writer would not see the monkeypatched registry) and a small ``max_queue``
(5,000) so that the bounded queue can fill within 20,000 steps. Every ``emit`` is timed
with ``perf_counter``; the table gives median, p99 and max per call and the calls over 1 ms,
before and after the step at which the queue first filled (the step that trainlog's
once-only "events are queued (max_queue)" warning came at), and the warnings logged. Calls
over 1 ms before the queue fills are GIL hand-overs to the writer thread (Python's switch
interval is 5 ms), not backpressure. Scenarios (each in its own process):

* ``fast sink``: a sink that does nothing (the control: same queue, no slow sink);
* ``slow sink, unpaced``: 20,000 emits back to back, as fast as the caller can go;
* ``slow sink, paced``: the caller sleeps 100 µs between steps (GIL released, as while a
  GPU step runs).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from typing import Any

from _common import (
    OptionMissing,
    emit_result,
    init_trainlog,
    median,
    num,
    percentile,
    run_worker,
    table,
)

HERE = os.path.abspath(__file__)
SLEEP_S = 0.050
WAITED_S = 0.001
"""A call longer than this counts as one that waited for room in the queue."""

SCENARIOS = {
    # name → (sink, pause between steps in seconds)
    "fast sink": ("nop", 0.0),
    "slow sink, unpaced": ("slow", 0.0),
    "slow sink, paced": ("slow", 100e-6),
}


class _Counter(logging.Handler):
    """Collects trainlog's warnings with the step the caller was emitting when each came."""

    def __init__(self, progress: list[int]) -> None:
        super().__init__(logging.WARNING)
        self.progress = progress
        self.messages: list[str] = []
        self.steps: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self.steps.append(self.progress[0])


def _register_sinks(stats: dict[str, int]) -> None:
    from trainlog.plugins import load_plugins
    from trainlog.sink import Sink

    class SlowSink(Sink):
        name = "slow"

        def write(self, events: Any) -> None:
            stats["writes"] += 1
            stats["events"] += len(events)
            time.sleep(SLEEP_S)

    class NopSink(Sink):
        name = "nop"

        def write(self, events: Any) -> None:
            stats["writes"] += 1
            stats["events"] += len(events)

    sinks = load_plugins().sinks
    sinks["slow"] = SlowSink
    sinks["nop"] = NopSink


def worker(scenario: str, steps: int, max_queue: int) -> None:
    sink, pause = SCENARIOS[scenario]
    out = tempfile.mkdtemp(prefix="trainlog-slow-")
    progress = [0]
    counter = _Counter(progress)
    logging.getLogger("trainlog").addHandler(counter)
    try:
        stats = {"writes": 0, "events": 0}
        _register_sinks(stats)
        try:
            run, note = init_trainlog(out, [sink], "thread", max_queue=max_queue)
        except OptionMissing as exc:
            emit_result({"scenario": scenario, "skipped": str(exc)})
            return
        run.flush()
        emit, clock = run.emit, time.perf_counter
        times = [0.0] * steps
        loop_start = clock()
        for step in range(1, steps + 1):
            if pause:
                time.sleep(pause)
            progress[0] = step
            x = step * 1e-6
            began = clock()
            emit("train", step, loss=2.0 - x, reward=x, kl=0.01 + x, learning_rate=1e-5, epoch=x)
            if step % 200 == 0:
                emit("eval", step, eval_loss=1.0 - x, eval_reward=x, eval_kl=x)
            times[step - 1] = clock() - began
        looped = clock()
        run.finish()
        finished = clock()
        full = [
            s for s, m in zip(counter.steps, counter.messages, strict=True) if _is_queue_warning(m)
        ]
        emit_result(
            {
                "scenario": scenario,
                "steps": steps,
                "max_queue": max_queue,
                "times": times,
                "queue_full_step": full[0] if full else None,
                "loop_s": looped - loop_start,
                "finish_s": finished - looped,
                "writes": stats["writes"],
                "events": stats["events"],
                "warnings": counter.messages,
                "note": note,
            }
        )
    finally:
        logging.getLogger("trainlog").removeHandler(counter)
        shutil.rmtree(out, ignore_errors=True)


def _is_queue_warning(message: str) -> bool:
    return "max_queue" in message or "queued" in message


def _stats(times: list[float]) -> str:
    if not times:
        return "—"
    ordered = sorted(times)
    us = 1e6
    return (
        f"{num(median(ordered) * us)} / {num(percentile(ordered, 0.99) * us)} / "
        f"{num(ordered[-1] * us)}"
    )


def _waits(times: list[float]) -> str:
    if not times:
        return "—"
    waited = [t for t in times if t > WAITED_S]
    return f"{len(waited):,} ({num(sum(waited) * 1e3)} ms)"


def report(results: list[dict[str, Any]]) -> str:
    rows, notes = [], []
    for r in results:
        name = r.get("scenario", "?")
        if "times" not in r:
            notes.append(f"- {name}: not measured ({r.get('skipped') or r.get('error')})")
            continue
        times = r["times"]
        full = r["queue_full_step"]
        before = times if full is None else times[: full - 1]
        after = [] if full is None else times[full - 1 :]
        queue_warnings = [m for m in r["warnings"] if _is_queue_warning(m)]
        rows.append(
            [
                name,
                f"{r['steps']:,}",
                "never" if full is None else f"{full:,}",
                _stats(before),
                _waits(before),
                _stats(after),
                _waits(after),
                f"{num(r['loop_s'])} / {num(r['finish_s'])}",
                f"{r['writes']:,}",
                f"{len(queue_warnings)} (of {len(r['warnings'])})",
            ]
        )
        for message in r["warnings"][:3]:
            notes.append(f"- {name}: warning: {message}")
        if r.get("note"):
            notes.append(f"- {name}: {r['note']}")
    headers = [
        "scenario",
        "steps",
        "queue full at step",
        "before: µs per emit median / p99 / max",
        "before: calls > 1 ms (their total)",
        "from then on: µs per emit median / p99 / max",
        "from then on: calls > 1 ms (their total)",
        "loop s / finish s",
        "sink writes",
        "queue warnings (all warnings)",
    ]
    text = table(headers, rows)
    if notes:
        text += "\n\n" + "\n".join(dict.fromkeys(notes))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--max-queue", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="same run (it takes seconds)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.steps, args.max_queue)
        return 0
    results = []
    for name in SCENARIOS:
        print(f"  slow sink: {name}", file=sys.stderr, flush=True)
        argv_ = ["--worker", name, "--steps", str(args.steps), "--max-queue", str(args.max_queue)]
        results.append(run_worker(HERE, argv_))
        results[-1].setdefault("scenario", name)
    print(
        f"### A sink taking {SLEEP_S * 1e3:.0f} ms per write: {args.steps:,} steps, "
        f"max_queue={args.max_queue:,}, writer=thread\n"
    )
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
