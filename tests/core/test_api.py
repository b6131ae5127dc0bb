"""The public API: init/emit/flush/finish, errors, settings precedence, resume, ranks."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import trainlog
from tests.conftest import read_json_strict


def test_emit_before_init_says_to_call_init() -> None:
    with pytest.raises(trainlog.NoActiveRunError, match=r"trainlog\.init"):
        trainlog.emit("train", 1, loss=1.0)
    with pytest.raises(trainlog.NoActiveRunError, match=r"trainlog\.init"):
        trainlog.flush()


def test_module_facade_and_run_object_agree(tmp_path: Path) -> None:
    run = trainlog.init("lora", tmp_path / "r")
    assert trainlog.current_run() is run
    trainlog.emit("train", 1, loss=1.5, learning_rate=1e-4)
    run.emit("train", 2, loss=1.25, learning_rate=1e-4)
    trainlog.flush()
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == [1, 2]
    assert log["status"] == "running"
    report = trainlog.finish()
    assert report.status == "completed" and report.ok
    assert read_json_strict(tmp_path / "r" / "training_log.json")["status"] == "completed"
    assert trainlog.finish().status == "completed"  # second finish is harmless


def test_values_of_every_numeric_flavour(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    with trainlog.init("lora", tmp_path / "r") as run:
        run.emit(
            "train",
            np.int64(3),
            loss=torch.tensor(0.5),
            learning_rate=np.float32(0.25),
            grad_norm=None,
            tokens=np.int64(7),
            flag=np.bool_(True),
        )
    entry = read_json_strict(tmp_path / "r" / "training_log.json")["train_history"][0]
    assert entry == {
        "step": 3,
        "loss": 0.5,
        "learning_rate": 0.25,
        "grad_norm": None,
        "tokens": 7,
        "flag": True,
    }


def test_nonfinite_values_become_null_and_are_recorded(tmp_path: Path) -> None:
    with trainlog.init("lora", tmp_path / "r") as run:
        run.emit("train", 1, loss=float("nan"), learning_rate=float("inf"))
    log = read_json_strict(tmp_path / "r" / "training_log.json")
    assert log["train_history"] == [{"step": 1, "loss": None, "learning_rate": None}]
    assert {(r["key"], r["value"]) for r in log["nonfinite_values"]} == {
        ("loss", "NaN"),
        ("learning_rate", "Infinity"),
    }


def test_bad_kind_and_step_are_rejected_clearly(tmp_path: Path) -> None:
    run = trainlog.init("lora", tmp_path / "r")
    with pytest.raises(ValueError, match="unknown event kind 'rollout'"):
        run.emit("rollout", 1, x=1)
    with pytest.raises(TypeError, match="step must be an int"):
        run.emit("train", "ten", loss=1.0)
    with pytest.raises(ValueError, match="step must be >= 0"):
        run.emit("train", -1, loss=1.0)
    run.finish()
    with pytest.raises(trainlog.TrainlogError, match="emit after finish"):
        run.emit("train", 2, loss=1.0)


def test_unknown_method_and_option_name_the_culprit(tmp_path: Path) -> None:
    with pytest.raises(trainlog.PluginError, match="unknown method 'ppo'.*dpo, grpo, lora"):
        trainlog.init("ppo", tmp_path / "r")
    with pytest.raises(trainlog.ConfigError, match="unknown init option 'overwrit'"):
        trainlog.init("lora", tmp_path / "r", overwrit=True)
    with pytest.raises(trainlog.PluginError, match="unknown sink 'wandb'"):
        trainlog.init("lora", tmp_path / "r", sinks=["json", "wandb"])


def test_context_manager_marks_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), trainlog.init("lora", tmp_path / "r") as run:
        run.emit("train", 1, loss=1.0)
        raise RuntimeError("boom")
    assert read_json_strict(tmp_path / "r" / "training_log.json")["status"] == "failed"


def test_existing_log_is_refused_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with trainlog.init("lora", out) as run:
        run.emit("train", 1, loss=1.0)
    with pytest.raises(trainlog.RunExistsError, match="overwrite=True.*resume_from_step"):
        trainlog.init("lora", out)
    with trainlog.init("lora", out, overwrite=True) as run:
        run.emit("train", 5, loss=2.0)
    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == [5]


def test_second_live_writer_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code = textwrap.dedent(
        f"""
        import sys, trainlog
        run = trainlog.init("lora", {str(out)!r})
        print("ready", flush=True)
        sys.stdin.readline()
        run.finish()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        with pytest.raises(trainlog.RunLockedError, match="in use by a live run"):
            trainlog.init("lora", out, overwrite=True)
    finally:
        child.communicate("\n", timeout=30)
    trainlog.init("lora", out, overwrite=True).finish()


def test_sinks_precedence_argument_env_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "trainlog.yaml").write_text("sinks: [json, csv]\n")
    run = trainlog.init("lora", tmp_path / "a")
    assert run.sink_names == ["json", "csv"]
    run.finish()
    monkeypatch.setenv("TRAINLOG_SINKS", "json,tensorboard")
    run = trainlog.init("lora", tmp_path / "b")
    assert run.sink_names == ["json", "tensorboard"]
    run.finish()
    run = trainlog.init("lora", tmp_path / "c", sinks=["csv"])
    assert run.sink_names == ["csv"]
    run.finish()
    other = tmp_path / "other.yaml"
    other.write_text("sinks: tensorboard\njson_interval: 1\n")
    monkeypatch.delenv("TRAINLOG_SINKS")
    monkeypatch.setenv("TRAINLOG_CONFIG", str(other))
    run = trainlog.init("lora", tmp_path / "d")
    assert run.sink_names == ["tensorboard"] and run.options["json_interval"] == 1
    run.finish()


def test_bad_settings_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "trainlog.yaml").write_text("sinks: [json\n")
    with pytest.raises(trainlog.ConfigError, match="trainlog.yaml: not readable YAML"):
        trainlog.init("lora", tmp_path / "r")
    (tmp_path / "trainlog.yaml").write_text("!!python/object:os.system ['echo hi']\n")
    with pytest.raises(trainlog.ConfigError, match="trainlog.yaml"):
        trainlog.init("lora", tmp_path / "r")


def test_resume_drops_later_steps_in_every_sink(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "r"
    sinks = ["json", "csv", "tensorboard"]
    run = trainlog.init("grpo", out, sinks=sinks)
    for step in range(10, 60, 10):
        run.emit("train", step, loss=1.0 / step, reward=step / 10, kl=0.1, learning_rate=1e-5)
    run.emit("eval", 20, eval_reward=1.0)
    run.emit("eval", 40, eval_reward=3.0)
    run.emit("checkpoint", 40, path="ckpt-40")
    run.finish("interrupted")

    run = trainlog.init("grpo", out, sinks=sinks, resume_from_step=30)
    for step in range(40, 70, 10):
        run.emit("train", step, loss=2.0 / step, reward=step / 5, kl=0.2, learning_rate=1e-5)
    run.emit("eval", 60, eval_reward=0.5)
    run.finish()

    log = read_json_strict(out / "training_log.json")
    assert [e["step"] for e in log["train_history"]] == [10, 20, 30, 40, 50, 60]
    assert log["train_history"][3]["loss"] == 2.0 / 40
    assert [e["step"] for e in log["val_history"]] == [20, 60]
    assert log["best_checkpoint"]["step"] == 20  # the dropped eval at 40 is forgotten
    with open(out / "train_history.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [10, 20, 30, 40, 50, 60]
    accumulator = EventAccumulator(str(out))
    accumulator.Reload()
    scalars = accumulator.Scalars("train/loss")
    assert [s.step for s in scalars] == [10, 20, 30, 40, 50, 60]
    assert scalars[3].value == pytest.approx(2.0 / 40)


def test_nonzero_rank_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RANK", "1")
    run = trainlog.init("lora", tmp_path / "r")
    run.emit("train", 1, loss=1.0)
    run.finish()
    assert not (tmp_path / "r").exists()


def test_open_run_is_finished_at_exit(tmp_path: Path) -> None:
    for ending, status in [
        ("pass", "interrupted"),
        ("raise SystemExit(1)", "interrupted"),
        ("1/0", "failed"),
    ]:
        out = tmp_path / status / ending.replace(" ", "_").replace("/", "_")
        code = (
            "import trainlog\n"
            f"trainlog.init('lora', {str(out)!r}, sinks=['json', 'csv'])\n"
            "trainlog.emit('train', 1, loss=1.0)\n"
            f"{ending}\n"
        )
        subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
        log = read_json_strict(out / "training_log.json")
        assert log["status"] == status, ending
        assert log["train_history"] == [{"step": 1, "loss": 1.0}]
        assert (out / "train_history.csv").read_text().splitlines() == ["step,loss", "1,1.0"]
