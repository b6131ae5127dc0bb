"""Kill -9 at random moments: the log parses, and the journal holds every flushed event."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.reliability.kill_harness import run_chain

CHAINS = 5
TRIALS_PER_CHAIN = 4


@pytest.mark.parametrize("chain", range(CHAINS))
def test_sigkill_at_random_moments_loses_nothing_flushed(tmp_path: Path, chain: int) -> None:
    seed = int(os.environ.get("TRAINLOG_KILL_SEED", "0")) * 1000 + chain
    trials = run_chain(tmp_path / "run", random.Random(seed), TRIALS_PER_CHAIN)
    assert len(trials) == TRIALS_PER_CHAIN
    assert all(t.recovered_events >= t.flushed_events for t in trials)
