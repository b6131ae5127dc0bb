"""Nothing from a log or a settings file is executed or trusted: YAML is loaded safely,
plugin names resolve only to registered plugins, paths in a log are never written to."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import trainlog
from trainlog.cli.main import main as cli

PAYLOADS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "sinks: !!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "json_interval: !!python/name:os.system",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_yaml_settings_cannot_run_code(tmp_path: Path, payload: str, monkeypatch) -> None:
    marker = tmp_path / "PWNED"
    settings = tmp_path / "settings.yaml"
    settings.write_text(payload.format(marker=marker) + "\n")
    monkeypatch.setenv("TRAINLOG_CONFIG", str(settings))
    with pytest.raises(trainlog.ConfigError, match="settings.yaml"):
        trainlog.init("lora", tmp_path / "run")
    assert not marker.exists()


@pytest.fixture
def evil_module(tmp_path: Path, monkeypatch) -> Path:
    """An importable module that leaves a marker file if anything ever imports it."""
    marker = tmp_path / "IMPORTED"
    (tmp_path / "evil_plugin.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "def register_sinks(register): pass\n"
        "def register_renderers(register): pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return marker


@pytest.mark.parametrize("name", ["evil_plugin", "evil_plugin:register_sinks", "os.system"])
def test_plugin_names_from_users_are_never_imported(
    tmp_path: Path, evil_module: Path, monkeypatch, name: str, capsys
) -> None:
    with pytest.raises(trainlog.PluginError, match="unknown sink"):
        trainlog.init("lora", tmp_path / "a", sinks=[name])
    with pytest.raises(trainlog.PluginError, match="unknown method"):
        trainlog.init(name, tmp_path / "b")
    monkeypatch.setenv("TRAINLOG_SINKS", name)
    with pytest.raises(trainlog.PluginError, match="unknown sink"):
        trainlog.init("lora", tmp_path / "c")
    monkeypatch.delenv("TRAINLOG_SINKS")
    monkeypatch.setenv("TRAINLOG_PLUGINS", name)  # only filters installed entry points
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"method": name, "train_history": [], "val_history": []}))
    assert cli(["render", "--log", str(log), "--plugins", name]) == 2
    assert "unknown renderer" in capsys.readouterr().err
    assert cli(["render", "--log", str(log), "--no-plot"]) == 0  # a log naming it: not loaded
    assert not evil_module.exists()
    assert "evil_plugin" not in sys.modules


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in root.rglob("*") if not p.is_symlink()}


def test_paths_in_a_log_are_never_written_to(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "best").mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    entries = [{"step": s, "loss": 1 / s, "eval_loss": 2 / s} for s in range(1, 6)]
    log = {
        "config": {"output_dir": str(outside), "logging_dir": str(outside)},
        "method": "lora",
        "train_history": [{"step": s, "loss": 1 / s} for s in range(1, 6)],
        "val_history": entries,
        "best_checkpoint": {"step": 5, "eval_loss": 0.4, "path": str(victim)},
        "final_metrics": {"best_checkpoint": str(outside / "best"), "best_metric": 0.4},
        "checkpoints": [{"step": 5, "path": "../../../../outside/victim.txt"}],
    }
    (run_dir / "training_log.json").write_text(json.dumps(log))
    before = _snapshot(outside)
    target = tmp_path / "rendered"
    code = cli(
        ["render", "--log", str(run_dir), "--output", str(target), "--export-csv", "--no-plot"]
    )
    assert code == 0
    assert _snapshot(outside) == before and victim.read_text() == "keep me"
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert written and all(not name.startswith("..") for name in written)
    assert {p.name for p in tmp_path.iterdir()} == {"outside", "run", "rendered"}


def test_repair_writes_only_the_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with trainlog.init("lora", out, sinks=["json"]) as run:
        run.emit("train", 1, loss=1.0)
        run.emit("checkpoint", 1, path=str(tmp_path / "elsewhere" / "ckpt"))
    header = json.loads((out / ".trainlog" / "run.json").read_text())
    header["config"] = {"output_dir": str(tmp_path / "elsewhere")}
    (out / ".trainlog" / "run.json").write_text(json.dumps(header))
    os.unlink(out / "training_log.json")
    assert cli(["repair", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
