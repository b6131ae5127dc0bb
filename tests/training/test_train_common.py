"""Shared script plumbing: ``--config`` YAML under command-line overrides, sinks, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from training import common

REQUIRED = ["--train_data", "t.json", "--output_dir", "out"]


def test_command_line_overrides_config_file(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("learning_rate: 0.001\nlora_r: 16\nbf16: true\ntrain_data: from_file.json\n")
    args = common.parse_args(
        common.base_parser("", 500), ["--config", str(config), *REQUIRED, "--lora_r", "32"]
    )
    assert args.learning_rate == 0.001
    assert args.lora_r == 32
    assert args.bf16 is True
    assert args.train_data == "t.json"


def test_config_file_may_supply_required_arguments(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("train_data: a.json\noutput_dir: runs/a\n")
    args = common.parse_args(common.base_parser("", 500), ["--config", str(config)])
    assert (args.train_data, args.output_dir) == ("a.json", "runs/a")


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("learning_rat: 0.1\n")
    with pytest.raises(common.ConfigFileError, match="learning_rat"):
        common.parse_args(common.base_parser("", 500), ["--config", str(config), *REQUIRED])


def test_defaults_follow_the_seed() -> None:
    args = common.parse_args(common.base_parser("", 200), REQUIRED)
    assert (args.logging_steps, args.eval_steps, args.save_steps) == (10, 200, 200)
    assert args.bf16 is False and args.use_4bit is False
    assert common.sink_names(args) == ["json"]
    tensorboard = common.parse_args(common.base_parser("", 200), [*REQUIRED, "--tensorboard"])
    assert common.sink_names(tensorboard) == ["json", "tensorboard"]
    assert common.trainer_arguments(args)["bf16"] is False
