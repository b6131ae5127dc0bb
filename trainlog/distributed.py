"""Which process writes: by default only rank 0 of a distributed job."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Mapping
from typing import Any


def process_rank() -> int:
    """The global rank from torch.distributed (if initialised) or the launcher's env vars.

    torch is consulted only if the program already imported it: trainlog never imports it.
    """
    dist = sys.modules.get("torch.distributed")
    if dist is not None:
        try:
            if dist.is_available() and dist.is_initialized():
                return int(dist.get_rank())
        except Exception:
            pass
    for name in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        value = os.environ.get(name)
        if value is not None and value.strip().lstrip("-").isdigit():
            return int(value)
    return 0


def world_size() -> int:
    dist = sys.modules.get("torch.distributed")
    if dist is not None:
        try:
            if dist.is_available() and dist.is_initialized():
                return int(dist.get_world_size())
        except Exception:
            pass
    value = os.environ.get("WORLD_SIZE", "1")
    return int(value) if value.isdigit() else 1


NOT_AVERAGED = frozenset({"step", "epoch"})


def mean_across_ranks(
    values: Mapping[str, Any], keys: Collection[str] | None = None
) -> dict[str, Any]:
    """``values`` with its numbers averaged over every rank of the torch.distributed job.

    A collective: every rank must call it at the same point (the ``TrainlogCallback`` does,
    from ``on_log``). ``keys`` limits which values are averaged (one ``all_reduce``); None
    averages every number but step and epoch (the key names are gathered first, so ranks
    may report different keys: each value is averaged over the ranks that have it).
    Without an initialised process group of two or more ranks, ``values`` come back as is.
    """
    out = dict(values)
    dist = sys.modules.get("torch.distributed")
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return out
    world = int(dist.get_world_size())
    if world < 2:
        return out
    import torch

    chosen = None if keys is None else set(keys)
    local: dict[str, float] = {}
    for key, value in values.items():
        if (key not in NOT_AVERAGED) if chosen is None else (key in chosen):
            number = _number(value)
            if number is not None:
                local[key] = number
    if keys is None:
        gathered: list[Any] = [None] * world
        dist.all_gather_object(gathered, sorted(local))
        names = sorted(set().union(*gathered))
    else:
        names = sorted(set(keys))
    if not names:
        return out
    device = torch.device("cpu")
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", torch.cuda.current_device())
    totals = [local.get(name, 0.0) for name in names]
    counts = [1.0 if name in local else 0.0 for name in names]
    reduced = torch.tensor(totals + counts, dtype=torch.float64, device=device)
    dist.all_reduce(reduced)
    result = reduced.tolist()
    for index, name in enumerate(names):
        count = result[len(names) + index]
        if count > 0:
            out[name] = result[index] / count
    return out


def _number(value: Any) -> float | None:
    """A real number (a Python number or a one-element tensor/array), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    numel = getattr(value, "numel", None)
    if callable(numel) and numel() == 1 and not getattr(value, "is_complex", lambda: False)():
        item = value.item()
        return None if isinstance(item, bool) else float(item)
    return None
