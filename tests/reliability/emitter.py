"""A training process stand-in for the kill -9 tests: emits steadily until it is killed.

    python emitter.py OUT [--resume S] [--flush-every N] [--sinks json,csv,tensorboard]

Prints ``started`` once imports are done, then ``flushed S`` each time ``flush`` has
returned (every step up to S is then on disk); stdout is flushed after every line so the
parent knows exactly what was flushed when it sends SIGKILL.
"""

from __future__ import annotations

import argparse
import math

import trainlog

EVAL_EVERY = 10
CHECKPOINT_EVERY = 25
NAN_EVERY = 37


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--resume", type=int, default=None)
    parser.add_argument("--flush-every", type=int, default=20)
    parser.add_argument("--sinks", default="json,csv,tensorboard")
    parser.add_argument("--max-steps", type=int, default=10**9)
    args = parser.parse_args()
    print("started", flush=True)
    run = trainlog.init(
        "lora",
        args.out,
        sinks=args.sinks.split(","),
        resume_from_step=args.resume,
        overwrite=args.resume is None,
        json_interval=0.02,
    )
    step = args.resume or 0
    run.flush()
    print(f"flushed {step}", flush=True)
    while step < args.max_steps:
        step += 1
        loss = math.nan if step % NAN_EVERY == 0 else 1.0 / step
        run.emit("train", step, loss=loss, learning_rate=1e-4, epoch=step / 1000)
        if step % EVAL_EVERY == 0:
            run.emit("eval", step, eval_loss=2.0 / step, epoch=step / 1000)
        if step % CHECKPOINT_EVERY == 0:
            run.emit("checkpoint", step, path=f"{args.out}/checkpoint-{step}")
        if step % args.flush_every == 0:
            run.flush()
            print(f"flushed {step}", flush=True)
    run.finish()
    print("finished", flush=True)


if __name__ == "__main__":
    main()
