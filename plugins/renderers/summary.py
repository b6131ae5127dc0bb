"""The ``summary`` renderer: the seed's "Training Summary" block, on stdout and in summary.txt.

Reads only the config, the last history entries and the best checkpoint, so it stays fast on
a million-step log and never imports matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainlog.jsonio import write_text_atomic
from trainlog.reader import RunLog
from trainlog.renderer import RenderContext, Renderer

RULE = "=" * 60
SUMMARY_FILE = "summary.txt"
CONFIG_LINES = (
    ("Model", ("model_path", "model", "model_name_or_path", "model_name")),
    ("Output", ("output_dir", "output")),
    ("Epochs", ("num_epochs", "num_train_epochs", "epochs")),
    ("Batch Size", ("batch_size", "per_device_train_batch_size")),
    ("Learning Rate", ("learning_rate", "lr")),
    ("Gradient Accumulation", ("gradient_accumulation", "gradient_accumulation_steps")),
)
"""Summary label → config keys that may hold it, first match wins."""
POSITION_KEYS = ("step", "epoch", "samples")
LR_KEYS = frozenset({"lr", "learning_rate"})
KEY_SAMPLE = 200
"""Entries read from each end of the train history to find its metric names."""


class SummaryRenderer(Renderer):
    """Prints the summary; writes ``summary.txt`` too when the context has a folder for it."""

    name = "summary"
    description = "the Training Summary block (stdout, and summary.txt with --output)"

    def render(self, logs: Sequence[RunLog], ctx: RenderContext) -> list[Path]:
        written: list[Path] = []
        for log in logs:
            train_keys, val_keys = _method_keys(log)
            text = summary_text(log, train_keys, val_keys)
            ctx.stdout.write(text)
            if ctx.output_dir is not None and ctx.options.get("save_summary", True):
                path = ctx.output_dir / SUMMARY_FILE
                write_text_atomic(path, lambda handle, text=text: handle.write(text))
                written.append(path)
        return written


def _method_keys(log: RunLog) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """The method's headline train metrics and its validation fields (None: unknown method)."""
    from trainlog.plugins import load_plugins

    registry = load_plugins()
    name = registry.method_aliases.get(log.method.lower())
    if not name:
        return (), None
    spec = registry.methods[name]
    if not isinstance(log.raw.get("method"), str):
        return spec.summary_keys, None  # method inferred: not trainlog's log, show everything
    return spec.summary_keys, spec.val_fields


def summary_text(
    log: RunLog, summary_keys: Sequence[str] = (), val_keys: Sequence[str] | None = None
) -> str:
    """The summary block for ``log``, metrics in ``summary_keys`` listed first.

    With ``val_keys`` (a known method), the block keeps to the seed's headline metrics —
    ``summary_keys`` and ``val_keys`` — and names the other metrics on one line each, so a
    TRL run's dozens of extra values do not drown it; ``--plugins stats`` shows them all.
    """
    headline = val_keys is not None  # a known method, named by the log itself
    lines = [RULE, "Training Summary", RULE, ""]
    if log.source == "journal":
        lines += [f"Note: {log.note or 'rebuilt from the journal'}", ""]
    lines += _configuration(log.config)
    lines += _training(log.train_history, summary_keys, headline)
    lines += _validation(log.val_history, val_keys)
    lines += _best(log.best)
    lines.append(RULE)
    return "\n".join(lines) + "\n"


def _configuration(config: dict[str, Any]) -> list[str]:
    lines = ["Configuration:"]
    for label, keys in CONFIG_LINES:
        key = next((k for k in keys if config.get(k) is not None), None)
        if key is not None:
            lines.append(f"  {label}: {_plain(config[key])}")
    if len(lines) == 1:
        lines.append("  (none recorded)")
    return [*lines, ""]


def _training(
    history: Sequence[dict[str, Any]], summary_keys: Sequence[str], headline: bool = False
) -> list[str]:
    count = len(history)
    lines = [f"Training History: {count} {_entries(count)}"]
    if not count:
        return [*lines, ""]
    tail = history[-KEY_SAMPLE:]
    last = tail[-1]
    for key, label in (("step", "Step"), ("epoch", "Epoch"), ("samples", "Samples")):
        if key in last:
            lines.append(f"  Final {label}: {_plain(last[key])}")
    sample = tail if count <= KEY_SAMPLE else [*history[:KEY_SAMPLE], *tail]
    keys = _metric_keys(sample, summary_keys)
    shown = [k for k in keys if k in summary_keys] if headline else keys
    for key in shown:
        value = _last_value(tail, key)
        if value is not _MISSING:
            lines.append(f"  Final {key}: {_metric(key, value)}")
    lines += _others([k for k in keys if k not in shown])
    return [*lines, ""]


def _others(keys: Sequence[str], width: int = 72) -> list[str]:
    """One line naming the metrics left out of the headline, cut to ``width``."""
    if not keys:
        return []
    text = ", ".join(keys)
    if len(text) > width:
        text = text[: width - 3].rsplit(", ", 1)[0] + ", ..."
    return [f"  Other metrics ({len(keys)}): {text}"]


def _validation(history: Sequence[dict[str, Any]], val_keys: Sequence[str] | None) -> list[str]:
    count = len(history)
    lines = [f"Validation History: {count} {_entries(count)}"]
    if not count:
        return [*lines, ""]
    tail = history[-KEY_SAMPLE:]
    if "step" in tail[-1]:
        lines.append(f"  Final Val Step: {_plain(tail[-1]['step'])}")
    keys = _metric_keys(tail, val_keys or ())
    shown = keys if val_keys is None else [k for k in keys if k in val_keys]
    for key in shown:
        value = _last_value(tail, key)
        if value is not _MISSING:
            lines.append(f"  {key}: {_plain(value)}")
    lines += _others([k for k in keys if k not in shown])
    return [*lines, ""]


def _best(best: dict[str, Any] | None) -> list[str]:
    if not best:
        return ["Best Checkpoint: none yet"]
    lines = ["Best Checkpoint:"]
    for key, label in (("step", "Step"), ("epoch", "Epoch"), ("samples", "Samples")):
        if best.get(key) is not None:
            lines.append(f"  {label}: {_plain(best[key])}")
    for key, value in best.items():
        if key not in (*POSITION_KEYS, "path"):
            lines.append(f"  {key}: {_plain(value)}")
    lines.append(f"  Path: {best.get('path') or '(not saved)'}")
    return lines


_MISSING = object()


def _metric_keys(entries: Sequence[dict[str, Any]], first: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for entry in entries:
        seen.update(dict.fromkeys(entry))
    ordered = [k for k in first if k in seen]
    ordered += [k for k in seen if k not in POSITION_KEYS and k not in ordered]
    return ordered


def _last_value(entries: Sequence[dict[str, Any]], key: str) -> Any:
    for entry in reversed(entries):
        if key in entry:
            return entry[key]
    return _MISSING


def _entries(count: int) -> str:
    return "entry" if count == 1 else "entries"


def _metric(key: str, value: Any) -> str:
    """Train metrics like the seed: 4 decimals; learning rates and tiny values as 1.00e-05."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _plain(value)
    if not math.isfinite(value):
        return str(value)
    if key in LR_KEYS or (value != 0 and abs(value) < 1e-3):
        return f"{value:.2e}"
    return f"{value:.4f}"


def _plain(value: Any) -> str:
    """Config and validation values as the seed prints them (``0.94``, ``1e-05``), rounded."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        if abs(value) < 1e-3:
            return repr(value) if len(repr(value)) <= 8 else f"{value:.2e}"
        return repr(round(value, 4))
    return str(value)
