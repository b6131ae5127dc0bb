"""The csv renderer: train/val histories as CSV with the union of keys as columns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from trainlog.cli.main import main


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_from_a_real_grpo_run(make_run, capsys, tmp_path):
    run = make_run("grpo", steps=40)
    assert main(["render", "--log", str(run), "--plugins", "csv", "--output", str(tmp_path)]) == 0
    train = read_rows(tmp_path / "train_history.csv")
    assert len(train) == 40
    assert list(train[0])[:3] == ["step", "epoch", "samples"]
    assert {"loss", "reward", "kl", "lr", "format", "bbox"} <= set(train[0])
    assert train[-1]["step"] == "40"
    assert float(train[-1]["reward"]) == 2 + 40 / 50 + 0.05 * __import__("math").sin(40 * 1.7)
    val = read_rows(tmp_path / "val_history.csv")
    assert [row["step"] for row in val] == ["20", "40"]
    assert {"val_reward", "val_format", "val_bbox"} <= set(val[0])


def test_union_of_keys_and_empty_cells(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    train = [
        {"step": 1, "loss": 1.0},
        {"step": 2, "loss": 0.5, "grad_norm": 3.0},
        {"epoch": 1, "step": 3},
    ]
    log.write_text(json.dumps({"train_history": train, "val_history": []}))
    assert (
        main(["render", "--log", str(log), "--plugins", "csv", "--output", str(tmp_path / "o")])
        == 0
    )
    rows = read_rows(tmp_path / "o" / "train_history.csv")
    assert list(rows[0]) == ["step", "epoch", "loss", "grad_norm"]
    assert rows == [
        {"step": "1", "epoch": "", "loss": "1.0", "grad_norm": ""},
        {"step": "2", "epoch": "", "loss": "0.5", "grad_norm": "3.0"},
        {"step": "3", "epoch": "1", "loss": "", "grad_norm": ""},
    ]
    assert (tmp_path / "o" / "val_history.csv").read_bytes() == b"step\r\n"


def test_seed_lora_csv(seed_log, capsys, tmp_path):
    assert (
        main(
            [
                "render",
                "--log",
                str(seed_log("lora")),
                "--export-csv",
                "--no-plot",
                "--output",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    rows = read_rows(tmp_path / "o" / "train_history.csv")
    assert rows == [
        {"step": "10", "epoch": "0.1", "loss": "1.2345", "learning_rate": "2e-05"},
        {"step": "20", "epoch": "0.2", "loss": "1.1234", "learning_rate": "4e-05"},
    ]
    assert read_rows(tmp_path / "o" / "val_history.csv") == [
        {"step": "500", "epoch": "1.0", "eval_loss": "0.9876"}
    ]
