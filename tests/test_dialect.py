"""Differential tests of app/sqldialect: MySQL functions sqlglot mistranslates, checked against MariaDB.

Each expression is evaluated by MariaDB as written and by DuckDB after our rendering; the two
must agree on a grid of dates that crosses years, DST changes, month ends and weekday edges.
"""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pymysql
import pytest
import sqlglot

from app.sqldialect import to_target

DATES = [dt.date(2025, 12, 28) + dt.timedelta(days=i) for i in range(0, 14)] + [
    dt.date(2024, 12, 29), dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2026, 3, 8), dt.date(2026, 11, 1),
    dt.date(2027, 1, 3), dt.date(2028, 1, 1), dt.date(2028, 2, 29), dt.date(2023, 1, 1), dt.date(2022, 1, 2),
]
TIMES = ["2026-01-31 23:59:59", "2026-02-28 00:00:00", "2026-03-01 12:30:15", "2025-06-30 07:00:00",
         "2024-02-29 10:00:00", "2026-02-14 03:00:00", "2026-02-13 23:00:01"]


@pytest.fixture(scope="module")
def maria() -> pymysql.connections.Connection:
    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
    return conn


def _both(maria: pymysql.connections.Connection, expr: str) -> tuple[object, object]:
    sql = f"SELECT {expr}"
    with maria.cursor() as cur:
        cur.execute(sql)
        m = cur.fetchone()[0]  # type: ignore[index]
    d = duckdb.execute(to_target(sql, "duckdb")).fetchone()[0]  # type: ignore[index]
    return (int(m) if m is not None else None), (int(d) if d is not None else None)


@pytest.mark.parametrize("day", DATES, ids=str)
def test_dayofweek_and_week_mode0(maria: pymysql.connections.Connection, day: dt.date) -> None:
    for fn in ("DAYOFWEEK('{d}')", "WEEK('{d}')", "WEEK('{d}', 0)", "WEEKDAY('{d}')", "DAYOFYEAR('{d}')"):
        m, d = _both(maria, fn.format(d=day))
        assert m == d, fn.format(d=day)


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(TIMES, 2))[:30])
def test_timestampdiff_counts_whole_units(maria: pymysql.connections.Connection, a: str, b: str) -> None:
    for unit in ("SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"):
        m, d = _both(maria, f"TIMESTAMPDIFF({unit}, '{a}', '{b}')")
        assert m == d, f"{unit} {a} -> {b}"


@pytest.mark.parametrize("ts", TIMES)
def test_unix_timestamp(maria: pymysql.connections.Connection, ts: str) -> None:
    m, d = _both(maria, f"UNIX_TIMESTAMP('{ts}')")
    assert m == d


def test_plain_sqlglot_gets_these_wrong() -> None:
    """Guard against the fixes becoming no-ops: the stock transpiler really is off here."""
    stock = sqlglot.transpile("SELECT DAYOFWEEK(DATE '2026-02-14')", read="mysql", write="duckdb")[0]
    assert duckdb.execute(stock).fetchone()[0] == 6  # type: ignore[index]  # MySQL says 7 (Saturday)
    assert duckdb.execute(to_target("SELECT DAYOFWEEK(DATE '2026-02-14')", "duckdb")).fetchone()[0] == 7  # type: ignore[index]
