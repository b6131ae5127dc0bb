"""The plots renderer: one valid PNG per curve set; downsampling keeps spikes."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from trainlog.cli.main import main
from trainlog_plugins.renderers import series_data

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    height, width, _ = matplotlib.image.imread(path).shape
    assert (width, height) == (1100, 660)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("lora", ["loss", "lr"]),
        ("grpo", ["bbox", "format", "kl", "loss", "lr", "reward"]),
        ("dpo", ["accuracy", "loss", "reward_margin"]),
    ],
)
def test_each_curve_set_is_a_valid_png(make_run, capsys, tmp_path, method, expected):
    run = make_run(method)
    out_dir = tmp_path / "plots"
    assert main(["render", "--log", str(run), "--plugins", "plots", "--output", str(out_dir)]) == 0
    files = sorted(out_dir.iterdir())
    assert [p.name for p in files] == [f"{name}_curve.png" for name in expected]
    for path in files:
        assert_png(path)


def test_seed_grpo_draws_every_curve_set_it_has_data_for(seed_log, capsys, tmp_path):
    out_dir = tmp_path / "plots"
    assert main(["render", "--log", str(seed_log("grpo")), "--output", str(out_dir)]) == 0
    names = {p.name for p in out_dir.glob("*.png")}
    assert names == {
        f"{n}_curve.png"
        for n in ("loss", "reward", "kl", "lr", "format", "bbox", "category", "completeness")
    }


def test_curve_set_with_no_data_is_skipped(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    entries = [{"step": s, "loss": 1 / s} for s in range(1, 30)]
    log.write_text(json.dumps({"method": "lora", "train_history": entries, "val_history": []}))
    assert (
        main(["render", "--log", str(log), "--plugins", "plots", "--output", str(tmp_path / "o")])
        == 0
    )
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["loss_curve.png"]


def test_unknown_method_gets_one_plot_per_train_metric(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    entries = [{"step": s, "policy/loss": 1 / s, "value": s} for s in range(1, 30)]
    log.write_text(json.dumps({"method": "ppo", "train_history": entries, "val_history": []}))
    assert main(["render", "--log", str(log), "--output", str(tmp_path / "o")]) == 0
    names = sorted(p.name for p in (tmp_path / "o").glob("*.png"))
    assert names == ["policy_loss_curve.png", "value_curve.png"]


def test_non_numeric_and_missing_values_are_skipped(tmp_path, capsys):
    log = tmp_path / "training_log.json"
    entries = [
        {"step": 1, "loss": "x"},
        {"step": 2, "loss": None},
        {"step": 3},
        {"step": 4, "loss": 0.5},
    ]
    log.write_text(json.dumps({"method": "lora", "train_history": entries, "val_history": []}))
    assert main(["render", "--log", str(log), "--output", str(tmp_path / "o")]) == 0
    assert_png(tmp_path / "o" / "loss_curve.png")


def test_minmax_downsample_keeps_spikes_and_order():
    x = np.arange(1_000_000, dtype=float)
    y = np.sin(x / 5000)
    y[123_457] = 50.0
    y[876_543] = -50.0
    dx, dy = series_data.minmax_downsample(x, y, 4000)
    assert len(dx) <= 4000
    assert dy.max() == 50.0 and dy.min() == -50.0
    assert dx[dy.argmax()] == 123_457
    assert (np.diff(dx) >= 0).all()


def test_short_series_is_not_downsampled():
    x = np.arange(10.0)
    assert series_data.minmax_downsample(x, x)[0] is x


def test_noise_detection():
    rng = np.random.default_rng(0)
    steps = np.arange(2000)
    assert series_data.is_noisy(np.exp(-steps / 500) + rng.normal(0, 0.05, 2000))
    assert not series_data.is_noisy(np.exp(-steps / 500))
    assert not series_data.is_noisy(np.linspace(1e-5, 0, 2000))
    assert not series_data.is_noisy(np.repeat([1e-5, 5e-6], 1000))
    assert not series_data.is_noisy(rng.normal(0, 1, 10))


def test_column_sorts_by_step_and_drops_bad_values():
    history = [{"step": 3, "a": 3.0}, {"step": 1, "a": 1.0}, {"step": 2, "a": "x"}, {"step": 4}]
    x, y = series_data.column(history, "a")
    assert x.tolist() == [1.0, 3.0] and y.tolist() == [1.0, 3.0]


def test_ema_follows_a_constant():
    assert np.allclose(series_data.ema(np.full(50, 2.0), 10), 2.0)
