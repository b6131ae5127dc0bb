"""Plugins: the hooks, discovery through a real installed distribution, and clear errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import trainlog
from trainlog import hookspecs, plugins
from trainlog.errors import PluginError
from trainlog.method import MethodSpec, best_record_section

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "plugin_dist"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the fixture distribution into its own folder, as a user would install one."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(FIXTURE, source)
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    assert list(target.glob("trainlog_fixture_plugin-*.dist-info"))
    return target


def _env(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINLOG_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    env.update(extra)
    return env


def test_installed_distribution_adds_a_method_and_a_sink(installed_plugin: Path, tmp_path) -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "trainlog", "plugins", "--json"],
        env=_env(installed_plugin),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(listing.stdout)
    ours = {(r["kind"], r["name"]): r["distribution"] for r in rows}
    assert ours[("method", "kto")] == "trainlog-fixture-plugin"
    assert ours[("sink", "mirror")] == "trainlog-fixture-plugin"
    assert ours[("method", "grpo")] == "trainlog"

    script = (
        "import trainlog\n"
        f"with trainlog.init('kto', {str(tmp_path)!r}, sinks=['json', 'mirror']) as run:\n"
        "    run.emit('train', 1, loss=0.7, kl=0.2)\n"
        "    run.emit('eval', 1, eval_loss=0.6)\n"
    )
    subprocess.run([sys.executable, "-c", script], env=_env(installed_plugin), check=True)
    log = json.loads((tmp_path / "training_log.json").read_text())
    assert log["method"] == "kto"
    assert log["train_history"] == [{"step": 1, "loss": 0.7, "kl_divergence": 0.2}]
    assert log["best_checkpoint"]["val_loss"] == 0.6
    mirrored = [json.loads(line) for line in (tmp_path / "mirror.jsonl").read_text().splitlines()]
    assert [m["kind"] for m in mirrored][:2] == ["train", "eval"]


def test_trainlog_plugins_env_limits_third_party_plugins(installed_plugin: Path) -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "trainlog", "plugins"],
        env=_env(installed_plugin, TRAINLOG_PLUGINS=""),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "kto" not in listing.stdout and "grpo" in listing.stdout


def test_broken_plugin_is_named_with_its_distribution(installed_plugin: Path, tmp_path) -> None:
    broken = tmp_path / "site"
    shutil.copytree(installed_plugin, broken)
    (broken / "trainlog_fixture_plugin.py").write_text("raise ImportError('missing dependency')\n")
    result = subprocess.run(
        [sys.executable, "-m", "trainlog", "plugins"],
        env=_env(broken),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'trainlog: error: error importing plugin "fixture" from distribution '
        '"trainlog-fixture-plugin": ImportError: missing dependency'
    ]


class _DuplicateGrpo:
    @trainlog.hookimpl
    def register_methods(self, register) -> None:
        register(
            MethodSpec(
                name="grpo",
                train_fields=(),
                val_fields=(),
                best_metric="x",
                best_mode="max",
                final_section=best_record_section,
            )
        )


def test_duplicate_names_are_refused_naming_both_plugins() -> None:
    manager = plugins.new_plugin_manager()
    manager.register(_DuplicateGrpo(), name="dup-plugin")
    with pytest.raises(PluginError, match='method "grpo" is registered twice: by .*dup-plugin'):
        plugins.load_plugins(manager)


class _Misspelled:
    @trainlog.hookimpl
    def register_sink(self, register) -> None:  # missing "s": not a trainlog hook
        pass


def test_misspelled_hook_is_caught() -> None:
    manager = plugins.new_plugin_manager()
    manager.register(_Misspelled(), name="typo")
    with pytest.raises(Exception, match="register_sink"):
        plugins.load_plugins(manager)


def test_every_hook_has_a_test_and_a_doc_section() -> None:
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    assert hooks == ["register_methods", "register_renderers", "register_sinks"]
    tests_text = "".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    docs_text = (REPO / "docs" / "plugins.md").read_text()
    for hook in hooks:
        assert hook in tests_text, f"no test mentions {hook}"
        assert f"### {hook}" in docs_text, f"docs/plugins.md has no section for {hook}"


def test_import_trainlog_is_light() -> None:
    code = (
        "import sys, trainlog\n"
        "heavy = [m for m in ('torch', 'matplotlib', 'tensorboard', 'transformers', 'pluggy')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
