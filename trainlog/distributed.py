"""Which process writes: by default only rank 0 of a distributed job."""

from __future__ import annotations

import os
import sys


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
