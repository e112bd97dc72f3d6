"""Questions that name a departmental tool run it; a tool that does not exist yet is refused honestly."""

from __future__ import annotations

import datetime as dt

from app.engine.intent import Period
from app.engine.offline.engine import OfflineEngine
from app.engine.tools_route import NOT_AVAILABLE, tool_params
from app.executor import Executor
from guardrails.principal import ADMIN

TODAY = dt.date(2026, 2, 14)


def test_reconciliation_runs_for_the_named_day(duck: Executor) -> None:
    engine = OfflineEngine(duck.settings, executor=duck)
    ans = engine.ask("run the reconciliation for yesterday", principal=ADMIN, today=TODAY)
    assert ans.status == "answer" and ans.tool == "reconciliation", ans.reason
    assert "2026-02-13" in ans.understood and ans.summary


def test_a_missing_tool_is_refused_not_guessed(duck: Executor) -> None:
    engine = OfflineEngine(duck.settings, executor=duck)
    ans = engine.ask("Fleet status", principal=ADMIN, today=TODAY)
    if ans.status == "answer":  # the fleet tool exists in this checkout
        assert ans.tool == "fleet"
    else:
        assert ans.status == "refuse" and NOT_AVAILABLE in (ans.reason or "") and ans.tool == "fleet"


def test_tool_params_map_period_and_store() -> None:
    period = Period(start=TODAY.replace(day=2), end=TODAY.replace(day=8), label="last week", grain="week")
    fields = {"start": None, "end": None, "shop": None, "currency": None}
    assert tool_params(fields, period, "102 Fulton") == {"start": period.start, "end": period.end,
                                                         "shop": "102 Fulton"}
    assert tool_params({"as_of": None}, period, None) == {"as_of": period.end}
    assert tool_params({"top": None}, None, "x") == {}
