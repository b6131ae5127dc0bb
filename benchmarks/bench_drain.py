"""A million steps through json+csv+tensorboard: caller time, drain time, memory, bytes written.

    python benchmarks/bench_drain.py [--steps N] [--quick]

Each scenario runs in its own process (``--worker SCENARIO``):

* ``bounded-thread`` / ``bounded-process``: the default ``max_queue``; 5 scalars a step and
  an eval every 200 steps. Caller loop time, ``finish()`` time (goal < 30 s), the emitting
  process's VmRSS (``/proc/self/status``) after 10 k steps and after the last step (goal:
  growth < 30 MB), and the process's total CPU (children included). Queue contents sway
  those two readings, so RSS is also read after a ``flush()`` at 10 k steps (not counted
  in the loop time) and after ``finish()``: "growth, queue empty" is the difference.
  The child's peak RSS (process writer) comes from ``RUSAGE_CHILDREN``.
* ``queued-thread``: ``max_queue`` above the step count, so emit never waits and
  ``finish()`` drains whatever the writer had not taken yet (reported when the run exposes
  its queue). Shows the memory a queue of that size costs.
* ``bytes``: an eval every 1,000 steps, writer=thread; ``trainlog.logfile.compose`` is
  wrapped in the worker to add up the bytes of every ``training_log.json`` it writes, set
  against the file's final size (goal < 3×). The process writer would compose in a child,
  out of the wrapper's reach, hence thread.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from typing import Any

from _common import (
    CpuMeter,
    OptionMissing,
    drive_emit,
    emit_result,
    init_trainlog,
    num,
    peak_rss_mb,
    run_worker,
    table,
    vmrss_mb,
)

HERE = os.path.abspath(__file__)
SINKS = ("json", "csv", "tensorboard")
EARLY = 10_000
"""The step after which the first RSS reading is taken."""

SCENARIOS = {
    # name → (writer, eval every, max_queue: None = default, "big" = above the step count)
    "bounded-thread": ("thread", 200, None),
    "bounded-process": ("process", 200, None),
    "queued-thread": ("thread", 200, "big"),
    "bytes": ("thread", 1000, None),
}


def _count_compose(counter: dict[str, int]) -> int:
    """Wrap ``compose`` wherever it is bound; returns how many bindings were replaced."""
    import trainlog.logfile as logfile
    from trainlog.plugins import load_plugins

    load_plugins()  # the json sink's module binds compose at import
    original = logfile.compose

    def counted(*args: Any, **kwargs: Any) -> int:
        size = original(*args, **kwargs)
        counter["bytes"] += size
        counter["writes"] += 1
        return size

    replaced = 0
    for module in list(sys.modules.values()):
        if getattr(module, "compose", None) is original:
            module.compose = counted
            replaced += 1
    return replaced


def worker(scenario: str, steps: int) -> None:
    writer, every, queue = SCENARIOS[scenario]
    out = tempfile.mkdtemp(prefix=f"trainlog-drain-{scenario}-")
    try:
        counter = {"bytes": 0, "writes": 0}
        patched = _count_compose(counter) if scenario == "bytes" else 0
        options = {} if queue is None else {"max_queue": steps + EARLY}
        try:
            run, note = init_trainlog(out, SINKS, writer, **options)
        except OptionMissing as exc:
            emit_result({"scenario": scenario, "skipped": str(exc)})
            return
        run.flush()
        emit = run.emit
        meter = CpuMeter()
        rss_start = vmrss_mb()
        meter.start()
        started = time.perf_counter()
        drive_emit(emit, EARLY, every)
        rss_early = vmrss_mb()
        paused = time.perf_counter()
        run.flush()  # an empty queue for the second reading; not counted as loop time
        rss_early_flushed = vmrss_mb()
        resumed = time.perf_counter()
        drive_emit(emit, steps, every, first=EARLY + 1)
        looped = time.perf_counter()
        rss_end = vmrss_mb()
        pending = getattr(run, "_pending", None)
        queued = len(pending) if pending is not None and hasattr(pending, "__len__") else None
        report = run.finish()
        drained = time.perf_counter()
        own_cpu, child_cpu = meter.stop()
        log = os.path.join(out, "training_log.json")
        emit_result(
            {
                "scenario": scenario,
                "steps": steps,
                "every": every,
                "loop_s": looped - started - (resumed - paused),
                "drain_s": drained - looped,
                "queued_at_finish": queued,
                "cpu_s": own_cpu + child_cpu,
                "child_cpu_s": child_cpu,
                "rss_start_mb": rss_start,
                "rss_early_mb": rss_early,
                "rss_early_flushed_mb": rss_early_flushed,
                "child_peak_rss_mb": peak_rss_mb()[1],
                "rss_end_mb": rss_end,
                "rss_after_mb": vmrss_mb(),
                "failed_sinks": dict(getattr(report, "failed_sinks", {}) or {}),
                "bytes_written": counter["bytes"] if patched else None,
                "rewrites": counter["writes"] if patched else None,
                "final_size": os.path.getsize(log) if os.path.exists(log) else None,
                "note": note,
            }
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)


def report(results: list[dict[str, Any]]) -> str:
    rows, notes, byte_rows = [], [], []
    for r in results:
        name = r.get("scenario", "?")
        if "skipped" in r or "error" in r:
            notes.append(f"- {name}: not measured ({r.get('skipped') or r.get('error')})")
            continue
        growth = r["rss_end_mb"] - r["rss_early_mb"]
        settled = r["rss_after_mb"] - r["rss_early_flushed_mb"]
        child = r["child_peak_rss_mb"]
        queued = r["queued_at_finish"]
        rows.append(
            [
                name,
                f"{r['steps']:,}",
                f"{num(r['loop_s'])} ({num(r['loop_s'] / r['steps'] * 1e6)} µs/step)",
                "?" if queued is None else f"{queued:,}",
                f"{num(r['drain_s'])} ({'<' if r['drain_s'] < 30 else '≥'} 30)",
                f"{num(r['cpu_s'])} ({num(r['cpu_s'] / r['steps'] * 1e6)} µs/step)",
                f"{num(r['rss_early_mb'], 1)} / {num(r['rss_early_flushed_mb'], 1)}",
                num(r["rss_end_mb"], 1),
                f"{growth:+.1f} ({'<' if growth < 30 else '≥'} 30)",
                num(r["rss_after_mb"], 1),
                f"{settled:+.1f}",
                num(child, 0) if child > 1 else "—",
            ]
        )
        if r.get("note"):
            notes.append(f"- {name}: {r['note']}")
        if r.get("failed_sinks"):
            notes.append(f"- {name}: failed sinks {r['failed_sinks']}")
        if name == "bytes":
            written, final = r["bytes_written"], r["final_size"]
            if written is None or not final:
                notes.append("- bytes: compose was not found to wrap; bytes written unknown")
            else:
                ratio = written / final
                byte_rows.append(
                    [
                        f"{r['steps']:,}",
                        f"every {r['every']:,} steps",
                        f"{r['rewrites']:,}",
                        f"{written / 1e6:,.1f}",
                        f"{final / 1e6:,.1f}",
                        f"{ratio:.2f}× ({'met' if ratio < 3 else 'NOT met'}: goal < 3×)",
                    ]
                )
    headers = [
        "scenario",
        "steps",
        "caller loop s",
        "queued at finish",
        "finish() s (goal)",
        "total CPU s",
        "RSS @10k MB (then flushed)",
        "RSS @last step MB",
        "growth MB (goal)",
        "RSS after finish MB",
        "growth, queue empty MB",
        "child peak RSS MB",
    ]
    text = table(headers, rows)
    if byte_rows:
        text += "\n\n`training_log.json` bytes written over the run (writer=thread):\n\n"
        text += table(
            ["steps", "evals", "rewrites", "MB written", "final MB", "written / final"],
            byte_rows,
        )
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, help="steps per scenario (default 1000000)")
    parser.add_argument("--quick", action="store_true", help="200k steps, fewer scenarios")
    parser.add_argument("--only", help="comma-separated scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.steps)
        return 0
    steps = args.steps or (200_000 if args.quick else 1_000_000)
    names = args.only.split(",") if args.only else list(SCENARIOS)
    if args.quick and not args.only:
        names = ["bounded-thread", "bounded-process", "bytes"]
    results = []
    for name in names:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        print(f"  drain: {name} ({steps:,} steps)", file=sys.stderr, flush=True)
        results.append(run_worker(HERE, ["--worker", name, "--steps", str(steps)], timeout=1200))
        results[-1].setdefault("scenario", name)
    print(f"### Drain, memory and bytes written: {steps:,} steps, json+csv+tensorboard\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
