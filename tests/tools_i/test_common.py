"""Binding, periods and shop resolution shared by the issue-8 tools."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot

from tools.common import ToolInputError, bind, parse_period

TODAY = dt.date(2026, 2, 14)  # a Saturday


def test_bind_typed_literals_and_lists() -> None:
    tree = bind("SELECT a FROM t WHERE d BETWEEN :d0 AND :d1 AND s IN (:ids) AND n = :name AND x > :x",
                d0=dt.date(2026, 1, 1), d1=dt.datetime(2026, 1, 2, 3, 4, 5), ids=[1, 2], name="O'Brien", x=1.5)
    sql = tree.sql("mysql")
    assert "CAST('2026-01-01' AS DATE)" in sql and "CAST('2026-01-02 03:04:05' AS DATETIME)" in sql
    assert "IN (1, 2)" in sql
    assert "'O\\'Brien'" in sql or "'O''Brien'" in sql
    # the quote cannot break out of the literal: the statement still parses to one SELECT
    assert isinstance(sqlglot.parse_one(sql, read="mysql"), sqlglot.exp.Select)


def test_bind_refuses_missing_unused_and_bare_lists() -> None:
    with pytest.raises(KeyError):
        bind("SELECT :a")
    with pytest.raises(KeyError):
        bind("SELECT 1", a=1)
    with pytest.raises(TypeError):
        bind("SELECT :a", a=[1, 2])
    assert "IN (NULL)" in bind("SELECT 1 FROM t WHERE a IN (:ids)", ids=[]).sql("mysql")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("yesterday", "2026-02-13", "2026-02-13"),
    ("last week", "2026-02-02", "2026-02-08"),
    ("this week", "2026-02-09", "2026-02-14"),
    ("this month", "2026-02-01", "2026-02-14"),
    ("last month", "2026-01-01", "2026-01-31"),
    ("last 7 days", "2026-02-07", "2026-02-13"),
    ("2025-12", "2025-12-01", "2025-12-31"),
    ("2026-01-05..2026-01-09", "2026-01-05", "2026-01-09"),
    ("2026-01-05", "2026-01-05", "2026-01-05"),
])
def test_periods_follow_semantics(text: str, start: str, end: str) -> None:
    p = parse_period(text, TODAY)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_period_errors_and_utc_window() -> None:
    with pytest.raises(ToolInputError):
        parse_period("the other day", TODAY)
    with pytest.raises(ToolInputError):
        parse_period(None, TODAY, start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 1))
    lo, hi = parse_period("2026-01-10", TODAY).utc_window(["America/New_York", "Pacific/Rarotonga"])
    assert lo == dt.datetime(2026, 1, 10, 5) and hi == dt.datetime(2026, 1, 11, 10)


def test_shops_resolve_by_name_id_and_ask_back(duck) -> None:
    from tests.tools_i.helpers import run
    from tools.base import ToolContext
    from tools.common import resolve_shop

    ctx = ToolContext(executor=duck)
    fulton = resolve_shop(ctx, "102 fulton")
    assert fulton is not None and fulton.name == "102 Fulton"
    assert resolve_shop(ctx, str(fulton.id)) == fulton == resolve_shop(ctx, fulton.shop_no)
    with pytest.raises(ToolInputError) as ask:
        resolve_shop(ctx, "Broadway")
    assert set(ask.value.options) >= {"8th & Broadway", "37th & Broadway"}
    with pytest.raises(ToolInputError, match="Did you mean"):
        resolve_shop(ctx, "102 Fultn")
    one = run(duck, "reconciliation", period="last 7 days", shop="102 Fulton")
    assert {r[1] for r in one.tables[0].rows} == {fulton.id}


def test_cli_runs_a_tool_as_json(small_data) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import app

    res = CliRunner().invoke(app, ["tool", "run", "tax_gap", "--data", str(small_data), "--param", "period=2026-01",
                                   "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["tool"] == "tax_gap" and out["parameters"]["period"] == "2026-01" and out["sql"]
    bad = CliRunner().invoke(app, ["tool", "run", "tax_gap", "--data", str(small_data), "--param", "period=someday"])
    assert bad.exit_code != 0 and "period" in bad.output
