"""Bad input: one line on stderr naming the file and the problem, exit 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trainlog.cli.main import main


def assert_one_line_error(capsys, *needles: str) -> str:
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("trainlog: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


BAD_FILES = {
    "empty": (b"", "empty file"),
    "invalid": (b"{not json", "invalid JSON"),
    "truncated": (
        b'{\n  "config": {},\n  "train_history": [\n    {"step": 1, "loss": 0.5},\n',
        "invalid JSON",
    ),
    "list": (b"[1, 2, 3]", "not a training log"),
    "no_history": (json.dumps({"config": {}}).encode(), "not a training log"),
    "entry_not_object": (
        json.dumps({"train_history": [1], "val_history": []}).encode(),
        "train_history[0]",
    ),
    "config_not_object": (
        json.dumps({"config": 3, "train_history": [], "val_history": []}).encode(),
        "config",
    ),
    "binary": (b"\xff\xfe\x00garbage", "training_log.json"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_log_file(tmp_path, capsys, case):
    content, needle = BAD_FILES[case]
    run = tmp_path / "run"
    run.mkdir()
    (run / "training_log.json").write_bytes(content)
    out_dir = tmp_path / "out"
    assert main(["render", "--log", str(run / "training_log.json"), "--output", str(out_dir)]) == 2
    assert_one_line_error(capsys, "training_log.json", needle)
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in run.iterdir()) == ["training_log.json"]


def test_missing_path(tmp_path, capsys):
    missing = tmp_path / "nope" / "training_log.json"
    assert main(["render", "--log", str(missing)]) == 2
    assert_one_line_error(capsys, str(missing), "no such file")


def test_directory_without_log(tmp_path, capsys):
    (tmp_path / "empty_run").mkdir()
    assert main(["render", "--log", str(tmp_path / "empty_run")]) == 2
    assert_one_line_error(capsys, "empty_run", "no training_log.json")
    assert list((tmp_path / "empty_run").iterdir()) == []


def test_unknown_plugin_lists_known_ones(make_run, capsys, tmp_path):
    run = make_run("lora")
    assert (
        main(
            [
                "render",
                "--log",
                str(run),
                "--plugins",
                "summary,nosuch",
                "--output",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    line = assert_one_line_error(capsys, "nosuch", "known renderers", "csv", "plots", "summary")
    assert "nosuch" in line
    assert not (tmp_path / "o").exists()


def test_empty_plugins(make_run, capsys):
    run = make_run("lora")
    assert main(["render", "--log", str(run), "--plugins", " , "]) == 2
    assert_one_line_error(capsys, "--plugins")


def test_output_is_a_file(make_run, capsys, tmp_path):
    run = make_run("lora")
    (tmp_path / "file").write_text("x")
    assert main(["render", "--log", str(run), "--output", str(tmp_path / "file")]) == 2
    assert_one_line_error(capsys, "not a directory")


def test_corrupt_history_line_found_while_plotting_leaves_nothing(make_run, capsys, tmp_path):
    run = make_run("grpo")
    log = run / "training_log.json"
    text = log.read_text(encoding="utf-8").replace('{"step": 5,', '{"step": 5,,', 1)
    log.write_text(text, encoding="utf-8")
    out_dir = tmp_path / "out"
    assert main(["render", "--log", str(log), "--output", str(out_dir)]) == 2
    assert_one_line_error(capsys, "train_history", "not valid JSON")
    assert not out_dir.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".trainlog-render")]


def test_error_from_subprocess_has_no_traceback(tmp_path):
    (tmp_path / "training_log.json").write_text("{")
    result = subprocess.run(
        [sys.executable, "-m", "trainlog", "render", "--log", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid JSON" in result.stderr
