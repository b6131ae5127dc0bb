"""trainlog.stats and the downsampler: the numbers the reports print."""

from __future__ import annotations

import numpy as np
import pytest

from trainlog.report.downsample import downsample
from trainlog.report.sparkline import sparkline
from trainlog.stats import column, direction, format_number, metric_stats, trend


def test_statistics_match_numpy_and_best_follows_direction() -> None:
    steps = np.arange(1, 101, dtype=float)
    values = np.linspace(2.0, 1.0, 100)
    stats = metric_stats(steps, values, "min")
    assert stats is not None
    assert stats.final == pytest.approx(1.0) and stats.count == 100
    assert (stats.best, stats.best_step) == (pytest.approx(1.0), 100.0)
    assert stats.mean == pytest.approx(values.mean()) and stats.std == pytest.approx(values.std())
    assert (stats.min, stats.max) == (pytest.approx(1.0), pytest.approx(2.0))
    best_max = metric_stats(steps, values, "max")
    assert best_max is not None and best_max.best_step == 1.0
    assert metric_stats(steps, values, None).best is None  # type: ignore[union-attr]


def test_trend_is_the_slope_per_1k_steps_over_the_last_fifth() -> None:
    steps = np.arange(0, 10_001, 10, dtype=float)
    flat_then_rising = np.where(steps < 8000, 5.0, 5.0 + (steps - 8000) * 0.002)
    assert trend(steps, flat_then_rising) == pytest.approx(2.0)  # 0.002 per step
    assert trend(steps[:1], flat_then_rising[:1]) is None


def test_column_skips_nulls_strings_and_missing_keys() -> None:
    entries = [{"step": 1, "loss": 1.0}, {"step": 2, "loss": None}, {"step": 3}, {"step": 4,
               "loss": "nan?"}, {"step": 5, "loss": 0.5}]  # fmt: skip
    steps, values = column(entries, "loss")
    assert steps.tolist() == [1.0, 5.0] and values.tolist() == [1.0, 0.5]


def test_direction_by_method_rule_then_by_name() -> None:
    assert direction("val_accuracy", "val_accuracy", "max") == "max"
    assert direction("eval_loss") == "min" and direction("kl") == "min"
    assert direction("reward") == "max" and direction("lr") is None


def test_downsample_keeps_spikes_and_ends() -> None:
    steps = np.arange(1_000_000, dtype=float)
    values = np.random.default_rng(0).normal(1.0, 0.01, steps.size)
    values[123_457] = 50.0
    values[876_543] = -50.0
    small_steps, small_values = downsample(steps, values, 500)
    assert small_values.size <= 1002
    assert 50.0 in small_values and -50.0 in small_values
    assert small_steps[0] == 0 and small_steps[-1] == 999_999
    assert np.all(np.diff(small_steps) > 0)


def test_format_and_sparkline() -> None:
    assert format_number(None) == "—" and format_number(1e-5) == "1.000e-05"
    assert format_number(3.0) == "3" and format_number(0.123456) == "0.1235"
    line = sparkline(np.arange(100, dtype=float), 10)
    assert len(line) == 10 and line[0] == "▁" and line[-1] == "█"
