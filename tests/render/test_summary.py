"""The summary renderer: the seed's Training Summary block, for every method and source."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from trainlog.cli.main import main
from trainlog.reader import read_log
from trainlog_plugins.renderers.summary import summary_text

SEED_GRPO = """\
============================================================
Training Summary
============================================================

Configuration:
  Model: Qwen/Qwen3-VL-2B-Instruct

Training History: 1 entry
  Final Step: 10
  Final Epoch: 1
  Final Samples: 40
  Final loss: 0.5432
  Final reward: 2.3456
  Final kl: 0.0123
  Final lr: 1.00e-05

Validation History: 1 entry
  Final Val Step: 200
  val_reward: 2.5678
  val_format: 0.92
  val_bbox: 0.78
  val_category: 0.85
  val_completeness: 0.88

Best Checkpoint:
  Step: 400
  Epoch: 1
  Samples: 1600
  val_reward: 2.789
  Path: outputs/qwen3vl_grpo/best
============================================================
"""


def render_summary(capsys, log: Path) -> str:
    assert main(["render", "--log", str(log), "--no-plot"]) == 0
    return capsys.readouterr().out


def test_seed_grpo_summary_is_the_seed_block(seed_log, capsys):
    assert render_summary(capsys, seed_log("grpo")) == SEED_GRPO


def test_seed_lora_summary_uses_final_metrics(seed_log, capsys):
    out = render_summary(capsys, seed_log("lora"))
    for line in (
        "  Epochs: 3",
        "  Batch Size: 2",
        "  Learning Rate: 0.0002",
        "Training History: 2 entries",
        "  Final Step: 20",
        "  Final Epoch: 0.2",
        "  Final loss: 1.1234",
        "  Final learning_rate: 4.00e-05",
        "  eval_loss: 0.9876",
        "  Step: 500",
        "  Path: outputs/qwen3vl_lora/checkpoint-1500",
    ):
        assert line in out.splitlines(), line


def test_seed_dpo_summary(seed_log, capsys):
    out = render_summary(capsys, seed_log("dpo")).splitlines()
    assert "  Final accuracy: 0.7500" in out
    assert "  Final reward_margin: 1.2345" in out
    assert "  val_accuracy: 0.82" in out
    assert out[out.index("Best Checkpoint:") + 3] == "  val_accuracy: 0.85"


def test_configuration_aliases_and_method_keys_first(make_run, capsys):
    run = make_run("grpo", steps=40)
    lines = render_summary(capsys, run).splitlines()
    config = lines[lines.index("Configuration:") + 1 : lines.index("Configuration:") + 7]
    assert config == [
        "  Model: Qwen/Qwen3-VL-2B-Instruct",
        f"  Output: {run}",
        "  Epochs: 2",
        "  Batch Size: 1",
        "  Learning Rate: 1e-05",
        "  Gradient Accumulation: 4",
    ]
    start = lines.index("Training History: 40 entries")
    assert lines[start + 1 : start + 4] == [
        "  Final Step: 40",
        "  Final Epoch: 2.0",
        "  Final Samples: 160",
    ]
    finals = [line.split(":")[0].strip() for line in lines[start + 4 : start + 9]]
    assert finals == [
        "Final loss",
        "Final reward",
        "Final kl",
        "Final lr",
        "Other metrics (2)",
    ]
    assert lines[start + 8].endswith("): format, bbox")
    assert "Validation History: 2 entries" in lines
    assert "  Final Val Step: 40" in lines
    assert f"  Path: {run / 'checkpoint-40'}" in lines


def test_summary_txt_written_with_output(make_run, capsys, tmp_path):
    run = make_run("lora")
    assert main(["render", "--log", str(run), "--no-plot", "--output", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "o" / "summary.txt").read_text(encoding="utf-8") == out


def test_running_log_without_val_or_best(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    log.write_text(json.dumps({"config": {}, "train_history": [], "val_history": []}))
    out = render_summary(capsys, log)
    assert "  (none recorded)" in out
    assert "Training History: 0 entries" in out
    assert "Validation History: 0 entries" in out
    assert "Best Checkpoint: none yet" in out


def test_odd_values_do_not_break_the_summary(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    entries = [
        {"step": 1, "loss": "n/a", "kl": None, "tiny": 2e-06, "flag": True, "nan": float("nan")}
    ]
    log.write_text(json.dumps({"train_history": entries, "val_history": []}))
    out = render_summary(capsys, log)
    assert "  Final loss: n/a" in out
    assert "  Final kl: None" in out
    assert "  Final tiny: 2.00e-06" in out
    assert "  Final nan: nan" in out


def test_journal_fallback_is_mentioned(make_run, capsys):
    run = make_run("dpo")
    (run / "training_log.json").write_text('{"config": {', encoding="utf-8")
    assert main(["render", "--log", str(run), "--no-plot"]) == 0
    out, err = capsys.readouterr()
    assert "rebuilt from the journal" in err
    assert err.count("\n") == 1
    assert "Note: " in out and "rebuilt from the journal" in out
    assert "Training History: 60 entries" in out
    assert "  Final accuracy: 0.8000" in out


def test_journal_fallback_when_log_missing(make_run, capsys, tmp_path):
    run = make_run("grpo")
    (run / "training_log.json").unlink()
    assert main(["render", "--log", str(run), "--output", str(tmp_path / "o")]) == 0
    out, err = capsys.readouterr()
    assert "no such file" in err and "rebuilt from the journal" in err
    assert "Training History: 60 entries" in out
    assert (tmp_path / "o" / "reward_curve.png").is_file()


def test_lazy_and_eager_reads_give_the_same_summary(make_run, tmp_path):
    run = make_run("grpo")
    lazy = read_log(run)
    eager_path = tmp_path / "eager.json"
    eager_path.write_text(json.dumps(json.loads((run / "training_log.json").read_text()), indent=2))
    eager = read_log(eager_path)
    assert type(lazy.train_history).__name__ == "History"
    assert isinstance(eager.train_history, list)
    assert summary_text(lazy, ("loss",)) == summary_text(eager, ("loss",))


def test_summary_does_not_import_matplotlib(make_run):
    import subprocess

    run = make_run("lora")
    code = (
        "import sys\n"
        "from trainlog.cli.main import main\n"
        f"assert main(['render', '--log', {str(run)!r}, '--no-plot']) == 0\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
