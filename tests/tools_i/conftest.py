"""Fixtures of the issue-8 tool tests: a mid-scale dataset for the statistical plants (forecast, degradation).

At scale 0.01 a store sells a handful of drinks a day, so a forecast that is 3x too high or a machine
making half its cups is inside the noise (the manifest's own figures show it). Those two plants are
tested on a 0.1-scale build (about 45 s once, then cached under .cache/test-data like the small one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.executor import Executor
from app.settings import Settings
from tests.conftest import ROOT, _locked

MID_SCALE = 0.1
MID_SEED = 7


@pytest.fixture(scope="session")
def mid_data() -> Path:
    from app.dataset.build import build_dataset

    out = ROOT / ".cache" / "test-data" / f"scale{MID_SCALE}-seed{MID_SEED}-bulk0.1"
    with _locked(ROOT / ".cache" / "test-data-mid.lock"):
        build_dataset(out, scale=MID_SCALE, seed=MID_SEED, bulk_scale=0.1, force=False, progress=False)
    return out


@pytest.fixture(scope="session")
def mid_duck(mid_data: Path) -> Iterator[Executor]:
    ex = Executor(Settings(data_dir=mid_data, target="duckdb"))
    yield ex
    ex.dispose()
