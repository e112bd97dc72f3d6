"""The same questions give the same rows on MariaDB as on DuckDB (MySQL-dialect SQL on both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from app.engine.offline.engine import OfflineEngine
from app.executor import Executor
from guardrails.principal import ADMIN

pytestmark = pytest.mark.mysql
TODAY = dt.date(2026, 2, 14)
QUESTIONS = [
    "How many orders did 8th & Broadway do yesterday?",
    "Orders by day of week in January",
    "Weekly revenue trend in Q4 2025",
    "Compare revenue between weekdays and weekends this month",
    "orders by hour yesterday",
    "What's the median production time at 102 Fulton this month?",
    "p95 production time by store last week",
    "the best selling product in each store last month",
    "What share of orders were delivery this month?",
    "revenue growth from December to January",
    "average daily orders on weekdays vs weekends in January",
]


def _norm(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    def cell(v: Any) -> Any:
        if isinstance(v, Decimal | float):
            return round(float(v), 2)
        if isinstance(v, dt.datetime) and v.time() == dt.time(0):
            return v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    return sorted((tuple(cell(v) for v in r) for r in rows), key=repr)


@pytest.mark.parametrize("question", QUESTIONS)
def test_duckdb_and_mariadb_agree(duck: Executor, maria: Executor, question: str) -> None:
    on_duck = OfflineEngine(duck.settings, executor=duck).ask(question, principal=ADMIN, today=TODAY)
    on_maria = OfflineEngine(maria.settings, executor=maria).ask(question, principal=ADMIN, today=TODAY)
    assert on_duck.status == on_maria.status == "answer", (on_duck.reason, on_maria.reason)
    assert on_duck.sql == on_maria.sql
    # the last digit may differ where a percentile lands on a half (DECIMAL rounds half up, DOUBLE may not)
    got, want = _norm(on_maria.rows), _norm(on_duck.rows)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert [pytest.approx(x, abs=0.101) if isinstance(x, float) else x for x in w] == list(g)
