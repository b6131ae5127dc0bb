"""Read a training log into one parsed model, whatever wrote it and whatever state it is in.

Accepts trainlog's own logs (finished or still being written), logs in the seed's shape
without trainlog's extra keys (the method is inferred from the keys), and run directories
whose ``training_log.json`` is missing or corrupt but whose journal is intact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlog.errors import LogFormatError
from trainlog.history import History
from trainlog.journal import journal_dir, read_journal
from trainlog.logfile import LOG_FILE, LogState

MAX_LOG_BYTES = 4 << 30
"""Refuse to parse a log larger than this (4 GiB): it cannot be a sane training log."""


@dataclass
class RunLog:
    """A parsed training log."""

    path: Path
    method: str
    config: dict[str, Any]
    train_history: Sequence[dict[str, Any]]
    """A list, or a lazily parsed ``History`` for a log in trainlog's line-per-entry layout."""
    val_history: Sequence[dict[str, Any]]
    best: dict[str, Any] | None
    """The best checkpoint: ``{step, epoch, ..., metric values, path}`` for every method."""
    raw: dict[str, Any] = field(default_factory=dict)
    source: str = "json"
    """``json`` (read from training_log.json) or ``journal`` (rebuilt from the journal)."""
    note: str = ""
    """Why the journal was used, when it was."""

    @property
    def output_dir(self) -> str:
        return str(self.config.get("output_dir") or self.path.parent)

    @property
    def status(self) -> str:
        return str(self.raw.get("status", "unknown"))

    @property
    def name(self) -> str:
        return self.path.parent.name or str(self.path)

    def history(self, name: str) -> Sequence[dict[str, Any]]:
        return self.train_history if name == "train_history" else self.val_history


def resolve_log_path(path: str | os.PathLike[str]) -> Path:
    """``PATH`` as given to the CLI: a log file, or a run directory holding one."""
    target = Path(path)
    if target.is_dir():
        return target / LOG_FILE
    return target


def read_log(path: str | os.PathLike[str]) -> RunLog:
    """Parse a log file or run directory; raise LogFormatError naming the file and problem."""
    given = Path(path)
    log_path = resolve_log_path(given)
    run_dir = log_path.parent
    if not given.exists():
        raise LogFormatError(f"{given}: no such file or directory")
    problem = _problem_with(log_path)
    if problem is None:
        try:
            log = _read_file(log_path)
        except LogFormatError as exc:
            problem = str(exc)
        else:
            return _prefer_journal_if_crashed(log, run_dir)
    rebuilt = read_from_journal(run_dir)
    if rebuilt is not None:
        rebuilt.note = f"{problem}; rebuilt from the journal in {journal_dir(run_dir)}"
        return rebuilt
    if given.is_dir() and not log_path.exists():
        raise LogFormatError(f"{given}: directory holds no {LOG_FILE} and no trainlog journal")
    raise LogFormatError(problem)


def _problem_with(log_path: Path) -> str | None:
    try:
        size = log_path.stat().st_size
    except FileNotFoundError:
        return f"{log_path}: no such file"
    except OSError as exc:
        return f"{log_path}: cannot read ({exc.strerror})"
    if not log_path.is_file():
        return f"{log_path}: not a regular file"
    if size == 0:
        return f"{log_path}: empty file"
    if size > MAX_LOG_BYTES:
        return f"{log_path}: {size} bytes is too large for a training log"
    return None


def _read_file(log_path: Path) -> RunLog:
    try:
        data = log_path.read_bytes()
    except OSError as exc:
        raise LogFormatError(f"{log_path}: cannot read ({exc.strerror})") from None
    split = split_histories(log_path, data)
    if split is not None:
        skeleton, lazy = split
        log = parse_log(log_path, _decode(log_path, skeleton))
        if all(log.raw.get(name) == [] for name in lazy):
            log.raw.update(lazy)
            log.train_history = lazy.get("train_history", log.train_history)
            log.val_history = lazy.get("val_history", log.val_history)
            log.best = _best(log.raw, log.val_history)
            if not isinstance(log.raw.get("method"), str):
                log.method = infer_method(log.raw, log.train_history, log.val_history)
            return log
    return parse_log(log_path, _decode(log_path, data))


LAZY_HISTORIES = ("train_history", "val_history")


def split_histories(path: Path, data: bytes) -> tuple[bytes, dict[str, History]] | None:
    """Cut the history lists out of a log in trainlog's layout (one entry a line).

    Returns the rest of the document with ``[]`` in their place, and a lazy History for each
    list; None when the layout is another (the seed's ``indent=2`` files): parse it whole.
    """
    lazy: dict[str, History] = {}
    pieces: list[bytes] = []
    position = 0
    for name in LAZY_HISTORIES:
        opening = f'\n  "{name}": [\n'.encode()
        start = data.find(opening, position)
        if start < 0:
            continue
        body = start + len(opening)
        end = data.find(b"\n  ]", body)
        history = History.from_lines(path, name, data, body, end) if end > 0 else None
        if history is None:
            return None
        lazy[name] = history
        pieces += [data[position : body - 2], b"[]"]
        position = end + len(b"\n  ]")
    if not lazy:
        return None
    return b"".join([*pieces, data[position:]]), lazy


def _decode(log_path: Path, data: bytes) -> Any:
    """Parse JSON; NaN and Infinity are accepted because Python-written logs contain them."""
    try:
        return json.loads(data)
    except RecursionError:
        raise LogFormatError(f"{log_path}: JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise LogFormatError(f"{log_path}: not UTF-8 text") from None
    except ValueError as exc:
        raise LogFormatError(f"{log_path}: invalid JSON ({_short(exc)})") from None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


def parse_log(path: Path, data: Any) -> RunLog:
    """Check that ``data`` is a training log and build the model from it."""
    if not isinstance(data, dict):
        raise LogFormatError(f"{path}: not a training log (top level is {type(data).__name__})")
    train = data.get("train_history")
    val = data.get("val_history", [])
    if not isinstance(train, list) or not isinstance(val, list):
        raise LogFormatError(
            f"{path}: not a training log (needs 'train_history' and 'val_history' lists)"
        )
    config = data.get("config", {})
    if not isinstance(config, dict):
        raise LogFormatError(f"{path}: 'config' must be an object")
    train = _entries(path, "train_history", train)
    val = _entries(path, "val_history", val)
    method = data.get("method") if isinstance(data.get("method"), str) else None
    method = method or infer_method(data, train, val)
    return RunLog(path, method, config, train, val, _best(data, val), raw=data)


def _entries(path: Path, name: str, items: list[Any]) -> Sequence[dict[str, Any]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise LogFormatError(f"{path}: {name}[{index}] is not an object")
    return items


def _best(data: dict[str, Any], val: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    best = data.get("best_checkpoint")
    if isinstance(best, dict):
        return best
    final = data.get("final_metrics")
    if not isinstance(final, dict) or final.get("best_metric") is None:
        return None
    value = final.get("best_metric")
    record: dict[str, Any] = {}
    match = next((e for e in val if e.get("eval_loss") == value), None)
    if match is not None:
        record = {k: match[k] for k in ("step", "epoch") if k in match}
    record.update({"eval_loss": value, "path": final.get("best_checkpoint")})
    return record


def infer_method(
    data: dict[str, Any], train: Sequence[dict[str, Any]], val: Sequence[dict[str, Any]]
) -> str:
    """Guess the method of a log that does not name it, from the keys the seed fixes."""
    keys = set().union(*(e.keys() for e in val[:50]), *(e.keys() for e in train[:50]))
    if isinstance(data.get("best_checkpoint"), dict):
        keys |= set(data["best_checkpoint"])
    if "final_metrics" in data or "eval_loss" in keys:
        return "lora"
    if keys & {"val_accuracy", "accuracy", "reward_margin", "val_reward_margin"}:
        return "dpo"
    if keys & {"val_reward", "reward", "kl", "samples"}:
        return "grpo"
    return "lora"


def _prefer_journal_if_crashed(log: RunLog, run_dir: Path) -> RunLog:
    """A log left ``running`` by a process that died: its journal may hold more (recover it).

    ``training_log.json`` is rewritten every ``json_interval``; the journal holds every event
    up to the crash. Nothing is written: ``trainlog repair`` rewrites the file.
    """
    if log.status != "running" or not (journal_dir(run_dir) / "run.json").is_file():
        return log
    from trainlog.recover import run_is_live

    if run_is_live(run_dir):
        return log
    rebuilt = read_from_journal(run_dir)
    if rebuilt is None or rebuilt.method != log.method:
        return log
    if len(rebuilt.train_history) + len(rebuilt.val_history) < len(log.train_history) + len(
        log.val_history
    ):
        return log
    rebuilt.note = (
        f"{log.path}: the run stopped without finishing; rebuilt from the journal in "
        f"{journal_dir(run_dir)} (trainlog repair {run_dir} rewrites the file)"
    )
    return rebuilt


def read_from_journal(run_dir: Path) -> RunLog | None:
    """Rebuild the log model from ``run_dir``'s journal, or None if there is none."""
    contents = read_journal(run_dir)
    if contents is None:
        return None
    state = LogState.from_journal(contents)
    if state.status == "running":
        from trainlog.recover import run_is_live

        if not run_is_live(run_dir):
            state.status = "interrupted"
    raw = {"method": state.method, "status": state.status, "config": state.config}
    return RunLog(
        path=run_dir / LOG_FILE,
        method=state.method,
        config=state.config,
        train_history=contents.histories.get("train_history", []),
        val_history=contents.histories.get("val_history", []),
        best=state.best,
        raw=raw,
        source="journal",
    )
