"""``trainlog render`` driven as a user drives it: flags, output folders, --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trainlog.cli.main import main

PLOTS = {
    "lora": {"loss_curve.png", "lr_curve.png"},
    "grpo": {
        "loss_curve.png",
        "reward_curve.png",
        "kl_curve.png",
        "lr_curve.png",
        "format_curve.png",
        "bbox_curve.png",
    },
    "dpo": {"loss_curve.png", "accuracy_curve.png", "reward_margin_curve.png"},
}


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("method", sorted(PLOTS))
def test_no_flags_prints_summary_and_writes_plots_in_run_dir(make_run, capsys, method):
    run = make_run(method)
    assert main(["render", "--log", str(run)]) == 0
    out, err = capsys.readouterr()
    assert "Training Summary" in out
    assert names(run / "plots") == PLOTS[method]
    assert "summary.txt" not in names(run)
    assert f"wrote {run / 'plots' / 'loss_curve.png'}" in err


def test_output_dir_gets_plots_and_summary_txt(make_run, capsys, tmp_path):
    run = make_run("grpo")
    out_dir = tmp_path / "reports" / "grpo_experiment_1"
    assert main(["render", "--log", str(run / "training_log.json"), "--output", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert names(out_dir) == PLOTS["grpo"] | {"summary.txt"}
    assert (out_dir / "summary.txt").read_text(encoding="utf-8") == out
    assert not [p for p in out_dir.parent.iterdir() if p.name.startswith(".")]


def test_export_csv_adds_csv_files(make_run, capsys, tmp_path):
    run = make_run("dpo")
    assert main(["render", "--log", str(run), "--export-csv", "--output", str(tmp_path / "e")]) == 0
    assert {"train_history.csv", "val_history.csv"} <= names(tmp_path / "e")
    assert PLOTS["dpo"] <= names(tmp_path / "e")


def test_no_plot_prints_summary_only_and_writes_nothing(make_run, capsys):
    run = make_run("lora")
    before = sorted(p.name for p in run.rglob("*"))
    assert main(["render", "--log", str(run), "--no-plot"]) == 0
    assert "Training Summary" in capsys.readouterr().out
    assert sorted(p.name for p in run.rglob("*")) == before


def test_no_plot_with_export_csv(make_run, capsys, tmp_path):
    run = make_run("grpo")
    out_dir = tmp_path / "exports"
    assert (
        main(["render", "--log", str(run), "--no-plot", "--export-csv", "--output", str(out_dir)])
        == 0
    )
    assert names(out_dir) == {"summary.txt", "train_history.csv", "val_history.csv"}


def test_plugins_picks_renderers_by_name(make_run, capsys, tmp_path):
    run = make_run("grpo")
    out_dir = tmp_path / "only_csv"
    assert main(["render", "--log", str(run), "--plugins", "csv", "--output", str(out_dir)]) == 0
    assert capsys.readouterr().out == ""
    assert names(out_dir) == {"train_history.csv", "val_history.csv"}


def test_rerender_replaces_files(make_run, capsys):
    run = make_run("lora")
    assert main(["render", "--log", str(run)]) == 0
    first = (run / "plots" / "loss_curve.png").stat().st_mtime_ns
    assert main(["render", "--log", str(run)]) == 0
    assert (run / "plots" / "loss_curve.png").stat().st_mtime_ns >= first
    assert names(run / "plots") == PLOTS["lora"]


@pytest.mark.parametrize("method", ["lora", "grpo", "dpo"])
def test_seed_files_render_with_method_inferred(seed_log, capsys, tmp_path, method):
    log = seed_log(method)
    assert (
        main(["render", "--log", str(log), "--export-csv", "--output", str(tmp_path / method)]) == 0
    )
    written = names(tmp_path / method)
    assert "loss_curve.png" in written
    assert {"summary.txt", "train_history.csv", "val_history.csv"} <= written


def test_python_dash_m_trainlog_render(make_run, tmp_path):
    run = make_run("grpo")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "trainlog",
            "render",
            "--log",
            str(run),
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Training Summary" in result.stdout
    assert "Final reward:" in result.stdout
    assert PLOTS["grpo"] <= names(tmp_path / "o")


def test_help_lists_render_and_explains_flags():
    top = subprocess.run(
        [sys.executable, "-m", "trainlog", "--help"], capture_output=True, text=True, timeout=60
    )
    assert top.returncode == 0
    assert "render" in top.stdout
    sub = subprocess.run(
        [sys.executable, "-m", "trainlog", "render", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sub.returncode == 0
    for flag in ("--log", "--output", "--plugins", "--export-csv", "--no-plot", "<run dir>/plots/"):
        assert flag in sub.stdout


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\n"
        "from trainlog.cli.main import build_parser\n"
        "build_parser()\n"
        "heavy = [m for m in ('matplotlib', 'numpy', 'torch', 'tensorboard') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr
