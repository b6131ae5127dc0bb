"""trainlog against its peers: caller time and total CPU per logged step, each in its own process.

    python benchmarks/bench_loggers.py [--steps N] [--trainlog-steps M] [--repeats R] [--quick]

Workload per logged step: five scalars (loss, reward, kl, learning_rate, epoch); every 200
steps one evaluation of three values. Each (logger, repeat) runs in a fresh interpreter
(``--worker NAME``); repeats are interleaved across loggers so that drift on a shared
machine hits every row alike. Per row:

* caller µs/step: wall time of the emit loop only, divided by steps (median, min–max);
  caller thread CPU: ``time.thread_time`` over the same loop, which leaves out time the
  caller spent preempted, waiting for the GIL or sleeping for room in a queue; and wall
  time over the first 10,000 steps only, before trainlog's queue (32,768 events by
  default) can fill, i.e. the cost of ``emit`` itself rather than the writer's throughput;
* drain s: the close/finish/flush after the loop, timed on its own;
* total CPU µs/step: user+sys of the worker process (all threads) and of its children,
  from ``resource.getrusage`` (and ``/proc`` for live children), between the start of the
  loop and the end of the drain, divided by steps;
* peak RSS MB: ``ru_maxrss`` of the worker (``+N`` for the largest child, if any).

Nothing is asserted; the goal checks at the end are printed as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _common import (
    CpuMeter,
    OptionMissing,
    WarningLog,
    drive,
    drive_emit,
    emit_result,
    init_trainlog,
    is_queue_warning,
    median,
    num,
    peak_rss_mb,
    run_worker,
    spread,
    table,
)

HERE = os.path.abspath(__file__)
EARLY = 10_000
"""Caller time is also reported over the first this many steps: fewer events than the
default ``max_queue``, so trainlog's queue cannot fill there whatever its writer does."""


# -- loggers -------------------------------------------------------------------------------
# Each factory takes the output directory and returns (loop, close): ``loop(steps)`` runs
# the workload through the logger, ``close()`` flushes and closes it.
# (trainlog's factories add a third item: a note on how the run was set up.)
Factory = Callable[[str], tuple[Any, ...]]


def _noop(step: int, values: dict) -> None:
    return None


def _noop_emit(kind: str, step: int, /, **values: Any) -> None:
    return None


def floor(out: str):
    return (lambda steps, first=1: drive(_noop, _noop, steps, first)), (lambda: None)


def floor_kwargs(out: str):
    return (lambda steps, first=1: drive_emit(_noop_emit, steps, first=first)), (lambda: None)


def jsonl(out: str):
    handle = open(os.path.join(out, "log.jsonl"), "w")  # noqa: SIM115 - closed by close()
    dumps, write = json.dumps, handle.write

    def train(step: int, values: dict) -> None:
        write(dumps({"kind": "train", "step": step, **values}) + "\n")

    def evaluate(step: int, values: dict) -> None:
        write(dumps({"kind": "eval", "step": step, **values}) + "\n")

    return (lambda steps, first=1: drive(train, evaluate, steps, first)), handle.close


def lightning_csv(out: str):
    from peers import CSVLogger

    logger = CSVLogger(out)
    log_metrics = logger.log_metrics

    def log(step: int, values: dict) -> None:
        log_metrics(values, step)

    return (lambda steps, first=1: drive(log, log, steps, first)), (
        lambda: logger.finalize("success")
    )


def _tags(prefix: str, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((key, f"{prefix}/{key}") for key in keys)


TRAIN_TAGS = _tags("train", ("loss", "reward", "kl", "learning_rate", "epoch"))
EVAL_TAGS = _tags("eval", ("eval_loss", "eval_reward", "eval_kl"))


def tb_event_file_writer(out: str):
    """tensorboard's own EventFileWriter, one Event per scalar as torch's add_scalar makes."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(out)
    add, now = writer.add_event, time.time

    def log(tags: tuple[tuple[str, str], ...]) -> Callable[[int, dict], None]:
        def write(step: int, values: dict) -> None:
            for key, tag in tags:
                summary = Summary(value=[Summary.Value(tag=tag, simple_value=values[key])])
                add(Event(wall_time=now(), step=step, summary=summary))

        return write

    return (
        lambda steps, first=1: drive(log(TRAIN_TAGS), log(EVAL_TAGS), steps, first)
    ), writer.close


def _summary_writer(writer: Any):
    add_scalar = writer.add_scalar

    def log(tags: tuple[tuple[str, str], ...]) -> Callable[[int, dict], None]:
        def write(step: int, values: dict) -> None:
            for key, tag in tags:
                add_scalar(tag, values[key], step)

        return write

    return (
        lambda steps, first=1: drive(log(TRAIN_TAGS), log(EVAL_TAGS), steps, first)
    ), writer.close


def torch_summary_writer(out: str):
    from torch.utils.tensorboard import SummaryWriter

    return _summary_writer(SummaryWriter(out))


def tensorboardx(out: str):
    from tensorboardX import SummaryWriter

    return _summary_writer(SummaryWriter(out))


def rewrite_json(out: str):
    """Histories kept in a dict and the whole file rewritten with json.dump at every eval."""
    path = os.path.join(out, "log.json")
    state: dict[str, list] = {"train_history": [], "eval_history": []}
    train_history, eval_history = state["train_history"], state["eval_history"]

    def dump() -> None:
        with open(path, "w") as handle:
            json.dump(state, handle, indent=2)

    def train(step: int, values: dict) -> None:
        train_history.append({"step": step, **values})

    def evaluate(step: int, values: dict) -> None:
        eval_history.append({"step": step, **values})
        dump()

    return (lambda steps, first=1: drive(train, evaluate, steps, first)), dump


def _trainlog(sinks: list[str], writer: str | None) -> Factory:
    def factory(out: str):
        for module in ("tensorboard.compat.proto.event_pb2", "tensorboard.summary.writer"):
            __import__(module)  # as the peers do: library imports are not the logger's cost
        run, note = init_trainlog(out, sinks, writer)
        run.flush()  # sinks open (and a child process starts) before the clock runs
        emit = run.emit
        return (lambda steps, first=1: drive_emit(emit, steps, first=first)), run.finish, note

    return factory


ALL = ["json", "csv", "tensorboard"]

# name → (label, factory, steps: "peer" rows use --steps, "fast" rows --trainlog-steps,
# "floor" rows --trainlog-steps but at least 100,000 so that the loop is not too short)
LOGGERS: dict[str, tuple[str, Factory, str]] = {
    "floor": ("a bare Python call `f(step, d)` with the same dict (the floor)", floor, "floor"),
    "floor_kwargs": (
        "a no-op `f(kind, step, **values)` (trainlog's signature, for reference)",
        floor_kwargs,
        "floor",
    ),
    "jsonl": ("appending `json.dumps` lines to a file", jsonl, "fast"),
    "lightning_csv": ("Lightning-style CSVLogger (benchmarks/peers.py)", lightning_csv, "fast"),
    "tb_efw": (
        "tensorboard `EventFileWriter`, one Event per scalar",
        tb_event_file_writer,
        "peer",
    ),
    "torch_sw": (
        "`torch.utils.tensorboard.SummaryWriter.add_scalar` ×5",
        torch_summary_writer,
        "peer",
    ),
    "tbx_sw": ("tensorboardX `SummaryWriter.add_scalar` ×5", tensorboardx, "peer"),
    "rewrite_json": (
        "rewriting the whole JSON after every eval (`json.dump`, indent=2)",
        rewrite_json,
        "peer",
    ),
    "trainlog_json": ("trainlog, sinks json", _trainlog(["json"], None), "fast"),
    "trainlog_all_thread": (
        "trainlog, json+csv+tensorboard, writer=thread",
        _trainlog(ALL, "thread"),
        "fast",
    ),
    "trainlog_all_process": (
        "trainlog, json+csv+tensorboard, writer=process",
        _trainlog(ALL, "process"),
        "fast",
    ),
}


def worker(name: str, steps: int) -> None:
    """Measure one logger in this (fresh) process and print the result as one JSON line."""
    factory = LOGGERS[name][1]
    out = tempfile.mkdtemp(prefix=f"trainlog-bench-{name}-")
    try:
        try:
            made = factory(out)
        except OptionMissing as exc:
            emit_result({"name": name, "skipped": str(exc)})
            return
        loop, close = made[0], made[1]
        note = made[2] if len(made) > 2 else ""
        early = min(EARLY, steps)
        meter = CpuMeter()
        with WarningLog() as warnings:
            meter.start()
            started, thread_started = time.perf_counter(), time.thread_time()
            loop(early)
            early_done = time.perf_counter()
            if steps > early:
                loop(steps, early + 1)
            looped, thread_looped = time.perf_counter(), time.thread_time()
            close()
            drained = time.perf_counter()
            own_cpu, child_cpu = meter.stop()
        rss, child_rss = peak_rss_mb()
        emit_result(
            {
                "name": name,
                "steps": steps,
                "loop_s": looped - started,
                "loop_cpu_s": thread_looped - thread_started,
                "early_steps": early,
                "early_s": early_done - started,
                "warnings": warnings.messages,
                "drain_s": drained - looped,
                "cpu_s": own_cpu + child_cpu,
                "child_cpu_s": child_cpu,
                "rss_mb": rss,
                "child_rss_mb": child_rss,
                "note": note,
            }
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)


# -- parent --------------------------------------------------------------------------------
def measure(names: list[str], steps: int, trainlog_steps: int, repeats: int) -> dict[str, list]:
    """Run every logger ``repeats`` times, each in its own process, interleaved."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    skipped: set[str] = set()
    for repeat in range(repeats):
        for name in names:
            if name in skipped:
                continue
            n = {"floor": max(trainlog_steps, 100_000), "fast": trainlog_steps}.get(
                LOGGERS[name][2], steps
            )
            print(f"  [{repeat + 1}/{repeats}] {name} ({n} steps)", file=sys.stderr, flush=True)
            result = run_worker(HERE, ["--worker", name, "--steps", str(n)])
            if "skipped" in result or "error" in result:
                skipped.add(name)
            results[name].append(result)
    return results


def _per_step_us(results: list[dict[str, Any]], key: str) -> list[float]:
    return [r[key] / r["steps"] * 1e6 for r in results if key in r]


def report(results: dict[str, list[dict[str, Any]]]) -> str:
    floor_caller = median(_per_step_us(results.get("floor", []), "loop_s"))
    rows = []
    notes = []
    for name, runs in results.items():
        label = LOGGERS[name][0]
        bad = next((r for r in runs if "skipped" in r or "error" in r), None)
        if bad is not None:
            why = bad.get("skipped") or bad.get("error")
            rows.append([label, *["—"] * 8])
            notes.append(f"- {label}: not measured ({why})")
            continue
        caller = _per_step_us(runs, "loop_s")
        cpu = _per_step_us(runs, "cpu_s")
        rss = median(r["rss_mb"] for r in runs)
        child_rss = median(r["child_rss_mb"] for r in runs)
        rss_text = num(rss, 0) + (f" (+{num(child_rss, 0)} child)" if child_rss > 1 else "")
        rows.append(
            [
                label,
                f"{runs[0]['steps']:,}",
                spread(caller),
                spread(_per_step_us(runs, "loop_cpu_s")),
                spread([r["early_s"] / r["early_steps"] * 1e6 for r in runs]),
                num(median(r["drain_s"] for r in runs)),
                spread(cpu),
                num(median(caller) / floor_caller, 1) + "×",
                rss_text,
            ]
        )
        for r in runs:
            if r.get("note"):
                notes.append(f"- {label}: {r['note']}")
                break
        waited = sum(any(is_queue_warning(m) for m in r.get("warnings", [])) for r in runs)
        if waited:
            notes.append(
                f"- {label}: emit waited for room in the queue (trainlog's max_queue warning) in "
                f"{waited} of {len(runs)} runs, so its caller time is the writer's throughput"
            )
        others = {m for r in runs for m in r.get("warnings", []) if not is_queue_warning(m)}
        notes.extend(f"- {label}: warning: {m}" for m in sorted(others)[:3])
    headers = [
        "logger",
        "steps",
        "caller µs/step median (min–max)",
        "caller thread CPU µs/step",
        "caller µs/step, first 10k steps",
        "drain s",
        "total CPU µs/step median (min–max)",
        "caller vs floor",
        "peak RSS MB",
    ]
    text = table(headers, rows)
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text + "\n\n" + goals(results, floor_caller)


def goals(results: dict[str, list[dict[str, Any]]], floor_caller: float) -> str:
    """The issue's goals, as ratios measured in this run (reported, never asserted)."""
    lines = ["Goal checks (ratios from this run; reported, not asserted):", ""]
    sw_cpu = median(_per_step_us(results.get("torch_sw", []), "cpu_s"))
    for name in ("trainlog_all_thread", "trainlog_all_process"):
        runs = [r for r in results.get(name, []) if "loop_s" in r]
        label = LOGGERS[name][0]
        if not runs:
            lines.append(f"- {label}: not measured")
            continue
        caller = median(_per_step_us(runs, "loop_s"))
        cpu = median(_per_step_us(runs, "cpu_s"))
        ratio = caller / floor_caller
        lines.append(
            f"- {label}: caller / floor = {num(caller)} / {num(floor_caller)} µs = "
            f"{ratio:.2f}× (goal ≤ 3×: {'met' if ratio <= 3 else 'NOT met'})"
        )
        early = median(r["early_s"] / r["early_steps"] * 1e6 for r in runs)
        floor_early = median(
            r["early_s"] / r["early_steps"] * 1e6 for r in results["floor"] if "early_s" in r
        )
        early_ratio = early / floor_early
        lines.append(
            f"- {label}: the same over the first 10k steps (queue not full) = {num(early)} / "
            f"{num(floor_early)} µs = {early_ratio:.2f}× "
            f"({'met' if early_ratio <= 3 else 'NOT met'})"
        )
        if sw_cpu != sw_cpu:  # NaN: the SummaryWriter row was not run
            lines.append(f"- {label}: SummaryWriter not measured, no CPU ratio")
            continue
        cpu_ratio = sw_cpu / cpu
        lines.append(
            f"- {label}: SummaryWriter total CPU / trainlog total CPU = {num(sw_cpu)} / "
            f"{num(cpu)} µs = {cpu_ratio:.1f}× (goal ≥ 15×: "
            f"{'met' if cpu_ratio >= 15 else 'NOT met'})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, help="steps for the peer loggers (default 20000)")
    parser.add_argument(
        "--trainlog-steps",
        type=int,
        help="steps for trainlog, the floor, JSON lines and CSV (default 100000)",
    )
    parser.add_argument("--repeats", type=int, help="processes per logger (default 3)")
    parser.add_argument("--quick", action="store_true", help="a ~1-minute run")
    parser.add_argument("--only", help="comma-separated logger names (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.steps)
        return 0
    steps = args.steps or (3000 if args.quick else 20000)
    trainlog_steps = args.trainlog_steps or (20000 if args.quick else 100000)
    repeats = args.repeats or (2 if args.quick else 3)
    names = args.only.split(",") if args.only else list(LOGGERS)
    unknown = [n for n in names if n not in LOGGERS]
    if unknown:
        parser.error(f"unknown logger {unknown[0]!r}; known: {', '.join(LOGGERS)}")
    if "floor" not in names:
        names.insert(0, "floor")
    print(
        f"bench_loggers: {repeats} repeats, {steps} steps (peers), {trainlog_steps} steps "
        f"(trainlog, floor, JSON lines, CSV); eval every 200 steps",
        file=sys.stderr,
    )
    results = measure(names, steps, trainlog_steps, repeats)
    print(f"### Loggers: {repeats} processes each, python {sys.version.split()[0]}\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
