"""Hostile files: truncated, garbled, huge and deeply nested logs and journals.

Every reader entry point (``read_log``, ``trainlog repair``, ``trainlog render``) either
works or fails with ``LogFormatError`` / exit code 2 and one line on stderr: no traceback,
no hang, bounded memory. Adding an entry point is one entry in ``COMMANDS``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import trainlog
from trainlog.cli.main import main as cli
from trainlog.errors import LogFormatError
from trainlog.reader import read_log

LOG = "training_log.json"
J = ".trainlog"


def _good_run(out: Path) -> None:
    with trainlog.init("grpo", out, sinks=["json"]) as run:
        for step in range(1, 41):
            run.emit("train", step, loss=1 / step, reward=step / 10, kl=0.01, learning_rate=1e-5)
            if step % 10 == 0:
                run.emit("eval", step, eval_reward=step / 5)
                run.emit("checkpoint", step, path=f"ckpt-{step}")


def _write(relative: str, data: bytes, keep_log: bool = True) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        if not keep_log:
            (out / LOG).unlink()
        (out / relative).write_bytes(data)

    return damage


def _truncate(relative: str, fraction: float, keep_log: bool = True) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        data = (out / relative).read_bytes()
        if not keep_log:
            (out / LOG).unlink()
        (out / relative).write_bytes(data[: int(len(data) * fraction)])

    return damage


def _garble(relative: str, seed: int, keep_log: bool = True) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        rng = random.Random(seed)
        data = bytearray((out / relative).read_bytes())
        for _ in range(max(1, len(data) // 50)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if not keep_log:
            (out / LOG).unlink()
        (out / relative).write_bytes(bytes(data))

    return damage


def _header(**fields: object) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        header = json.loads((out / J / "run.json").read_text())
        header.update(fields)
        (out / J / "run.json").write_text(json.dumps(header))
        (out / LOG).unlink()

    return damage


def _replace(relative: str, kind: str) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        path = out / relative
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "dir":
            path.mkdir()
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "devzero":
            path.symlink_to("/dev/zero")

    return damage


def _events(*lines: str) -> Callable[[Path], None]:
    """Lines appended to events.jsonl and committed (commit.json covers them)."""

    def damage(out: Path) -> None:
        with open(out / J / "events.jsonl", "a", encoding="utf-8") as events:
            events.write("".join(line + "\n" for line in lines))
        commit = json.loads((out / J / "commit.json").read_text())
        commit["lengths"]["events"] = (out / J / "events.jsonl").stat().st_size
        (out / J / "commit.json").write_text(json.dumps(commit))
        (out / LOG).unlink()

    return damage


DEEP = b"[" * 200_000 + b"]" * 200_000
CASES: dict[str, Callable[[Path], None]] = {
    "log-empty": _write(LOG, b""),
    "log-truncated-10": _truncate(LOG, 0.1),
    "log-truncated-50": _truncate(LOG, 0.5),
    "log-truncated-99": _truncate(LOG, 0.99),
    "log-truncated-no-journal": _truncate(LOG, 0.5),
    "log-garbled-1": _garble(LOG, 1),
    "log-garbled-2": _garble(LOG, 2),
    "log-not-utf8": _write(LOG, b'{"config": "\xff\xfe"}'),
    "log-nul-bytes": _write(LOG, b"\x00" * 4096),
    "log-deeply-nested": _write(LOG, DEEP),
    "log-deep-in-history": _write(LOG, b'{"train_history": [' + DEEP + b'], "val_history": []}'),
    "log-huge-string": _write(LOG, b'{"config": "' + b"x" * (30 << 20) + b'"}'),
    "log-huge-number": _write(LOG, b'{"train_history": [{"step": ' + b"9" * 100_000 + b"}]}"),
    "log-top-level-list": _write(LOG, b"[1, 2, 3]"),
    "log-history-not-list": _write(LOG, b'{"train_history": 5, "val_history": []}'),
    "log-entries-not-objects": _write(LOG, b'{"train_history": [1, "a", null], "val_history": []}'),
    "log-odd-entries": _write(
        LOG,
        json.dumps(
            {
                "method": ["grpo"],
                "config": {"a": [1, {"b": None}]},
                "train_history": [
                    {"step": "one", "loss": [1, 2], "reward": {"x": 1}},
                    {"step": 1e300, "loss": "NaN", "kl": None},
                    {"step": -5, "loss": True, "reward": 1e308},
                    {},
                ],
                "val_history": [{"step": None, "val_reward": "high"}],
                "best_checkpoint": {"step": "x", "path": 5},
                "final_metrics": [],
            }
        ).encode(),
    ),
    "log-nan-literals": _write(
        LOG,
        b'{"train_history": [{"step": 1, "loss": NaN}], '
        b'"val_history": [{"step": 1, "val_reward": -Infinity}]}',
    ),
    "log-is-fifo": _replace(LOG, "fifo"),
    "log-is-dir": _replace(LOG, "dir"),
    "log-symlink-loop": _replace(LOG, "loop"),
    "log-is-dev-zero": _replace(LOG, "devzero"),
    "journal-header-garbage": _write(f"{J}/run.json", b"\x00garbage{", keep_log=False),
    "journal-header-truncated": _truncate(f"{J}/run.json", 0.5, keep_log=False),
    "journal-header-list": _write(f"{J}/run.json", b"[]", keep_log=False),
    "journal-header-deep": _write(f"{J}/run.json", DEEP, keep_log=False),
    "journal-header-is-fifo": _replace(f"{J}/run.json", "fifo"),
    "journal-histories-int": _header(histories=5),
    "journal-histories-escape": _header(histories=["../../escape", "/etc/passwd"]),
    "journal-method-int": _header(method=5),
    "journal-method-unknown": _header(method="no-such-method"),
    "journal-fields-wrong-types": _header(config=[1], options="x", started_at="soon"),
    "journal-started-far-future": _header(started_at=1e300),
    "journal-history-garbled": _garble(f"{J}/train_history.jsonl", 3, keep_log=False),
    "journal-history-truncated": _truncate(f"{J}/train_history.jsonl", 0.5, keep_log=False),
    "journal-history-huge-line": _write(
        f"{J}/train_history.jsonl", b'    {"step": 1, "x": "' + b"y" * (20 << 20), keep_log=False
    ),
    "journal-history-is-fifo": _replace(f"{J}/train_history.jsonl", "fifo"),
    "journal-history-is-dir": _replace(f"{J}/train_history.jsonl", "dir"),
    "journal-events-wrong-types": _events(
        '{"kind": "best", "step": 1, "entry": 5}',
        '{"kind": "checkpoint", "step": "x", "entry": {}}',
        '{"kind": "status", "step": 1e400, "entry": {}}',
        '{"kind": "status", "step": 2, "entry": {"status": 5, "failed_sinks": [1], "time": "x"}}',
        '{"kind": 7, "step": 2, "entry": {}}',
        '{"kind": "best", "step": 3, "entry": {"step": "x", "path": ["a"]}}',
        "[1, 2]",
    ),
    "journal-events-garbage": _write(f"{J}/events.jsonl", os.urandom(5000), keep_log=False),
    "journal-everything-gone": _write(f"{J}/run.json", b"", keep_log=False),
    "journal-commit-garbage": _write(f"{J}/commit.json", os.urandom(300), keep_log=False),
    "journal-commit-wrong-types": _write(
        f"{J}/commit.json",
        b'{"lengths": {"train_history": -5, "val_history": "x", "events": 1e400}, '
        b'"through_step": [1]}',
        keep_log=False,
    ),
    "journal-commit-beyond-files": _write(
        f"{J}/commit.json", b'{"lengths": {"train_history": 99999999999}}', keep_log=False
    ),
    "journal-commit-is-fifo": _replace(f"{J}/commit.json", "fifo"),
}


def _read_log(out: Path, tmp: Path) -> int:
    try:
        read_log(out)
    except LogFormatError as exc:
        assert "\n" not in str(exc)
        return 2
    return 0


def _cli(*argv: str) -> Callable[[Path, Path], int]:
    def command(out: Path, tmp: Path) -> int:
        return cli([arg.format(out=out, tmp=tmp) for arg in argv])

    return command


COMMANDS: dict[str, Callable[[Path, Path], int]] = {
    "read_log": _read_log,
    "repair": _cli("repair", "{out}"),
    "render": _cli(
        "render", "--log", "{out}", "--output", "{tmp}/rendered", "--export-csv", "--no-plot"
    ),
}
PLOTTED = ["log-odd-entries", "log-nan-literals", "journal-events-wrong-types", "log-truncated-50"]
"""Cases also rendered with plots (matplotlib costs a second each)."""


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good") / "run"
    _good_run(out)
    return out


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_damaged_files_fail_cleanly(
    case: str, command: str, good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    if case.endswith("no-journal"):
        shutil.rmtree(out / J)
    CASES[case](out)
    code = COMMANDS[command](out, tmp_path)
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("trainlog: error:")]
    if code == 2 and command != "read_log":
        assert len(errors) == 1 and err.strip() == errors[0], err
        assert len(errors[0]) < 600
    if code == 0 and command == "render":
        assert not [p for p in out.rglob("*") if "rendered" in p.name]  # only under --output


@pytest.mark.parametrize("case", PLOTTED)
def test_damaged_but_readable_logs_render_plots(
    case: str, good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    CASES[case](out)
    code = cli(["render", "--log", str(out), "--output", str(tmp_path / "plots")])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err


@pytest.mark.parametrize("command", ["repair", "render"])
@pytest.mark.parametrize("case", ["log-is-fifo", "journal-history-is-fifo", "log-huge-string"])
def test_cli_as_a_process_no_hang_bounded_memory(
    case: str, command: str, good_run: Path, tmp_path: Path
) -> None:
    """The CLI as users run it, under a 2 GiB address-space cap and a timeout."""
    import shutil

    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    CASES[case](out)
    argv = {"repair": ["repair", str(out)], "render": ["render", "--log", str(out), "--no-plot"]}

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    result = subprocess.run(
        [sys.executable, "-m", "trainlog", *argv[command]],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap_memory,
    )
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
