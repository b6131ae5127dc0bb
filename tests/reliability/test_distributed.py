"""Several processes: torchrun with two ranks leaves one log, each step once, and an opt-in
average across ranks."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import read_json_strict
from tests.reliability.kill_harness import tensorboard_steps

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed missing")
def test_torchrun_two_ranks_write_one_log_without_duplicates(tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    result = subprocess.run(
        [
            torchrun,
            "--nproc_per_node=2",
            f"--master_port={_free_port()}",
            str(Path(__file__).with_name("dist_train.py")),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    logs = sorted(tmp_path.rglob("training_log.json"))
    assert logs == [tmp_path / "log" / "training_log.json"]
    log = read_json_strict(logs[0])
    assert [e["step"] for e in log["train_history"]] == list(range(1, 9))
    assert [e["step"] for e in log["val_history"]] == [4, 8]
    assert all(e["rank_value"] == pytest.approx(0.5) for e in log["train_history"])
    assert log["config"]["world_size"] == 2 and log["status"] == "completed"
    with open(tmp_path / "log" / "train_history.csv", newline="") as handle:
        assert [int(r["step"]) for r in csv.DictReader(handle)] == list(range(1, 9))
    assert tensorboard_steps(tmp_path / "log") == list(range(1, 9))
    assert [c["step"] for c in log["checkpoints"]] == [4, 8]


def test_mean_across_ranks_is_a_no_op_without_a_process_group() -> None:
    from trainlog.distributed import mean_across_ranks

    values = {"loss": 1.0, "flag": True, "step": 3}
    assert mean_across_ranks(values) == values
