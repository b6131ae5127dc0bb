"""Renderers are plugins: a throwaway third-party one, and the contract every renderer meets."""

from __future__ import annotations

import types
from collections.abc import Sequence
from pathlib import Path

import pytest

import trainlog
from trainlog import plugins
from trainlog.cli.main import main
from trainlog.reader import RunLog, read_log
from trainlog.renderer import RenderContext, Renderer

METHODS = ("lora", "grpo", "dpo")


class StepCountRenderer(Renderer):
    """A third-party renderer: writes steps.txt with the number of train entries."""

    name = "stepcount"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        assert ctx.output_dir is not None
        path = ctx.output_dir / "steps.txt"
        path.write_text(f"{len(logs[0].train_history)}\n", encoding="utf-8")
        return [path]


class BrokenRenderer(Renderer):
    """Writes a file, then fails: nothing of the render may be left behind."""

    name = "broken"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        assert ctx.output_dir is not None
        (ctx.output_dir / "partial.txt").write_text("half")
        raise RuntimeError("disk on fire")


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> plugins.Registry:
    """A fresh plugin manager with a throwaway plugin module registering two renderers."""
    module = types.ModuleType("throwaway_renderers")

    @trainlog.hookimpl
    def register_renderers(register):
        register("stepcount", StepCountRenderer)
        register("broken", BrokenRenderer)

    module.register_renderers = register_renderers  # type: ignore[attr-defined]
    manager = plugins.new_plugin_manager()
    manager.register(module, name="throwaway_renderers")
    registry = plugins.load_plugins(manager)
    monkeypatch.setattr(plugins, "_registry", registry)
    return registry


def test_third_party_renderer_is_picked_by_name(third_party, make_run, capsys, tmp_path):
    run = make_run("lora", steps=30)
    out_dir = tmp_path / "o"
    assert (
        main(
            [
                "render",
                "--log",
                str(run),
                "--plugins",
                "summary,stepcount",
                "--output",
                str(out_dir),
            ]
        )
        == 0
    )
    assert (out_dir / "steps.txt").read_text() == "30\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["steps.txt", "summary.txt"]


def test_unknown_name_lists_third_party_ones(third_party, make_run, capsys):
    run = make_run("lora", steps=5)
    assert main(["render", "--log", str(run), "--plugins", "nope"]) == 2
    err = capsys.readouterr().err
    assert "stepcount" in err and "summary" in err and len(err.strip().splitlines()) == 1


def test_failing_renderer_leaves_nothing_half_written(third_party, make_run, capsys, tmp_path):
    run = make_run("grpo", steps=30)
    out_dir = tmp_path / "o"
    assert (
        main(["render", "--log", str(run), "--plugins", "plots,broken", "--output", str(out_dir)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.strip() == 'trainlog: error: renderer "broken" failed: RuntimeError: disk on fire'
    assert not out_dir.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run_grpo"]


def test_plugins_command_lists_renderers(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    for name in ("summary", "plots", "csv"):
        assert any(line.split()[:2] == ["renderer", name] for line in out.splitlines())


def registered_renderers() -> list[str]:
    plugins.reset()
    try:
        return sorted(plugins.load_plugins().renderers)
    finally:
        plugins.reset()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", registered_renderers())
def test_every_renderer_renders_every_method(make_run, tmp_path, name, method):
    """Contract: each registered renderer renders each method's log into an empty folder."""
    log = read_log(make_run(method, steps=30))
    renderer = plugins.load_plugins().renderer(name)()
    assert isinstance(renderer, Renderer)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with open(tmp_path / "stdout.txt", "w", encoding="utf-8") as stdout:
        written = renderer.render([log], RenderContext(out_dir, stdout, {}))
    assert all(Path(p).is_file() for p in written)
    assert not [p for p in out_dir.rglob("*") if p.name.startswith((".", "~"))]
