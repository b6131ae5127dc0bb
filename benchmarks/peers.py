"""Minimal, faithful copies of peer loggers that are not installed here.

``CSVLogger`` follows Lightning's ``lightning.fabric.loggers.csv_logs`` (``CSVLogger`` and
``_ExperimentWriter``, Lightning 2.2 and later): ``log_metrics`` turns the values into a
row dict (``.item()`` for tensors) with ``step`` added and keeps it in memory; every
``flush_logs_every_n_steps`` (100) steps ``save`` appends the buffered rows to
``metrics.csv`` with ``csv.DictWriter``, first rewriting the whole file under a new header
when keys appear that the file has not seen (sorted key list). Left out: rank-zero
decorators, key prefixes, version directories and fsspec (plain ``open`` is used, which is,
if anything, a little cheaper than fsspec's local filesystem).
"""

from __future__ import annotations

import csv
import os
from typing import Any


class _ExperimentWriter:
    NAME_METRICS_FILE = "metrics.csv"

    def __init__(self, log_dir: str) -> None:
        self.metrics: list[dict[str, float]] = []
        self.metrics_keys: list[str] = []
        self.log_dir = log_dir
        self.metrics_file_path = os.path.join(log_dir, self.NAME_METRICS_FILE)
        if os.path.isfile(self.metrics_file_path):
            os.remove(self.metrics_file_path)
        os.makedirs(log_dir, exist_ok=True)

    def log_metrics(self, metrics_dict: dict[str, float], step: int | None = None) -> None:
        def _handle_value(value: Any) -> Any:
            # Lightning: ``value.item() if isinstance(value, Tensor) else value``; duck-typed
            # here so that this module does not import torch.
            if isinstance(value, (float, int)):
                return value
            return value.item() if hasattr(value, "item") else value

        if step is None:
            step = len(self.metrics)
        metrics = {k: _handle_value(v) for k, v in metrics_dict.items()}
        metrics["step"] = step
        self.metrics.append(metrics)

    def save(self) -> None:
        if not self.metrics:
            return
        new_keys = self._record_new_keys()
        file_exists = os.path.isfile(self.metrics_file_path)
        if new_keys and file_exists:
            self._rewrite_with_new_header(self.metrics_keys)
        with open(self.metrics_file_path, "a" if file_exists else "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.metrics_keys)
            if not file_exists:
                writer.writeheader()
            writer.writerows(self.metrics)
        self.metrics = []

    def _record_new_keys(self) -> set[str]:
        current_keys = set().union(*self.metrics)
        new_keys = current_keys - set(self.metrics_keys)
        self.metrics_keys.extend(new_keys)
        self.metrics_keys.sort()
        return new_keys

    def _rewrite_with_new_header(self, fieldnames: list[str]) -> None:
        with open(self.metrics_file_path, newline="") as file:
            metrics = list(csv.DictReader(file))
        with open(self.metrics_file_path, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(metrics)


class CSVLogger:
    """Lightning's ``CSVLogger.log_metrics`` / ``save`` / ``finalize`` path."""

    def __init__(self, root_dir: str, flush_logs_every_n_steps: int = 100) -> None:
        self.experiment = _ExperimentWriter(os.path.join(root_dir, "lightning_logs", "version_0"))
        self._flush_logs_every_n_steps = flush_logs_every_n_steps

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        if step is None:
            step = len(self.experiment.metrics)
        self.experiment.log_metrics(metrics, step)
        if (step + 1) % self._flush_logs_every_n_steps == 0:
            self.save()

    def save(self) -> None:
        self.experiment.save()

    def finalize(self, status: str) -> None:
        self.save()
