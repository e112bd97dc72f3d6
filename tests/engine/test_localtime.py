"""The DuckDB rewrite of CONVERT_TZ(ts, 'UTC', zone) gives exactly the ICU conversion's values."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from app.localtime import fast_convert_tz, offset_plan


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Rarotonga", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_same_values_as_icu_across_transitions_and_outside_the_covered_years(zone: str) -> None:
    tree = sqlglot.parse_one(f"SELECT ts, CONVERT_TZ(ts, 'UTC', '{zone}') AS local FROM t", read="mysql")
    fast, exact = tree.transform(fast_convert_tz).sql("duckdb"), tree.sql("duckdb")
    assert "CASE" in fast and "CASE" not in exact
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2018-06-01 00:00:00' + to_seconds(i * 1799) AS ts "
                "FROM range(250000) r(i)")  # 2018 .. 2032, every ~30 minutes
    differ = con.execute(f"SELECT COUNT(*) FROM (({fast}) EXCEPT ({exact})) x").fetchone()
    assert differ == (0,)


def test_other_conversions_are_left_alone() -> None:
    tree = sqlglot.parse_one("SELECT CONVERT_TZ(ts, 'America/New_York', 'UTC'), CONVERT_TZ(ts, 'UTC', 'Nowhere/City')",
                             read="mysql")
    assert tree.transform(fast_convert_tz).sql("duckdb") == tree.sql("duckdb")
    assert offset_plan("Nowhere/City") is None


def test_new_york_plan_has_one_summer_span_a_year() -> None:
    plan = offset_plan("America/New_York")
    assert plan is not None
    _, _, spans, usual = plan
    assert usual == -5 * 3600 and len(spans) == 6 and all(s[2] == -4 * 3600 for s in spans)
