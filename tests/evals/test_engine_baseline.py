"""CI gate: the offline engine on the development suite (small dataset, DuckDB) must not drop below
the recorded baseline (evals/baselines/development-offline-duckdb.json). Record a new baseline with
`lucky eval evals/golden/development.yaml --engine offline --data .cache/test-data/<small> --save-baseline ...`
after an intended improvement."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest

from app.executor import Executor
from app.settings import Settings
from evals.engine_protocol import EngineUnavailable, load_engine
from evals.report import Baseline, baseline_failures, summarize
from evals.runner import Runner, RunOptions
from evals.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evals" / "golden" / "development.yaml"
BASELINE = ROOT / "evals" / "baselines" / "development-offline-duckdb.json"


def test_offline_engine_does_not_regress(request: pytest.FixtureRequest) -> None:
    try:
        has_factory = hasattr(importlib.import_module("app.engine"), "get_engine")
    except ModuleNotFoundError:
        has_factory = False
    if not has_factory:
        pytest.skip("no offline engine to evaluate yet (app.engine.get_engine is missing)")
    small_settings: Settings = request.getfixturevalue("small_settings")
    duck: Executor = request.getfixturevalue("duck")
    try:
        engine = load_engine("offline", small_settings)
    except EngineUnavailable as err:
        pytest.skip(f"no offline engine to evaluate yet: {err}")
    suite = load_suite(SUITE)
    today = suite.today or dt.date(2026, 2, 14)
    results = Runner(engine, duck, RunOptions(target="duckdb", today=today)).run(suite)
    summary = summarize(results, suite=suite.suite, engine="offline", target="duckdb", today=today)
    assert summary.gold_errors == 0, [r.why for r in results if r.outcome == "gold_error"]
    if not BASELINE.exists():
        pytest.skip(f"no baseline recorded at {BASELINE}; this run: accuracy {summary.accuracy.text()}, "
                    f"confidently wrong {summary.confidently_wrong}")
    problems = baseline_failures(summary, Baseline.model_validate_json(BASELINE.read_text()))
    wrong = [f"{r.id}: {r.why}" for r in results if r.confidently_wrong][:20]
    assert not problems, f"{problems}; confidently wrong: {wrong}"
