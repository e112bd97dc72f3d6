"""Differential tests of app/sqldialect: MySQL functions sqlglot mistranslates, checked against MariaDB.

Each expression is evaluated by MariaDB as written and by DuckDB after our rendering; the two
must agree on a grid of dates that crosses years, DST changes, month ends and weekday edges.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

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
        m = cur.fetchone()[0]
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


# --------------------------------------------------------------------------- one-walk rendering, macros
TRICKY = [
    "SELECT DAYOFWEEK(CONVERT_TZ(ts, 'UTC', 'America/New_York')) FROM t",
    "SELECT WEEK(CONVERT_TZ(ts, 'UTC', 'America/Los_Angeles')), WEEKDAY(ts) FROM t",
    "SELECT TIMESTAMPDIFF(MONTH, CONVERT_TZ(a, 'UTC', 'Pacific/Rarotonga'), b), TIMESTAMPDIFF(HOUR, a, b) FROM t",
    "SELECT UNIX_TIMESTAMP(CONVERT_TZ(ts, 'UTC', 'Asia/Kolkata')), UNIX_TIMESTAMP() FROM t",
    "SELECT CONVERT_TZ(CONVERT_TZ(ts, 'UTC', 'America/New_York'), 'UTC', 'America/Chicago') FROM t",
    "SELECT CONVERT_TZ(ts, 'UTC', 'Nowhere/City'), CONVERT_TZ(ts, 'America/New_York', 'UTC') FROM t",
    "SELECT d FROM (SELECT DATE(CONVERT_TZ(ts, '+00:00', 'America/New_York')) AS d FROM t) x "
    "WHERE HOUR(CONVERT_TZ(NOW(), 'UTC', 'America/New_York')) > 3 UNION ALL SELECT DATEDIFF(a, b) FROM t",
    "SELECT 1",
]


def _every_pass(tree: sqlglot.exp.Expr, macros: bool) -> str:
    """The reference: each of app.sqldialect's fixes as its own whole-tree pass, in order."""
    from app.sqldialect import _FIXES, fast_convert_tz

    out = tree.copy()
    for fix in _FIXES:
        out = out.transform(fix, macros, copy=False) if fix is fast_convert_tz else out.transform(fix, copy=False)
    return out.sql(dialect="duckdb")


@pytest.mark.parametrize("macros", [False, True])
def test_one_walk_rendering_matches_running_every_pass(macros: bool) -> None:
    """render() runs only the passes a tree needs; the text must be what all seven passes give."""
    from app.commands.bench import golden_sql
    from app.sqldialect import for_duckdb, render

    statements = golden_sql() + TRICKY
    assert sum("CONVERT_TZ" in s for s in statements) > 10
    for sql in statements:
        tree = sqlglot.parse_one(sql, read="mysql")
        before = tree.sql("mysql")
        expected = _every_pass(tree, macros)
        assert render(tree, "duckdb", macros=macros) == expected, sql
        assert tree.sql("mysql") == before  # copy=True leaves the caller's tree alone
        assert for_duckdb(tree, macros=macros).sql("duckdb") == expected, sql
        assert render(tree.copy(), "duckdb", copy=False, macros=macros) == expected, sql


def test_macro_zones_render_a_call_other_zones_inline_unknown_zones_exact() -> None:
    from app.localtime import MACRO_ZONES
    from app.sqldialect import render

    for zone in MACRO_ZONES:
        out = render(sqlglot.parse_one(f"SELECT CONVERT_TZ(ts, 'UTC', '{zone}') FROM t", read="mysql"), "duckdb",
                     macros=True)
        assert "LUCKY_LOCAL_" in out.upper() and "CASE" not in out, out
    kolkata = render(sqlglot.parse_one("SELECT CONVERT_TZ(ts, 'UTC', 'Asia/Kolkata') FROM t", read="mysql"),
                     "duckdb", macros=True)
    assert "CASE" in kolkata and "LUCKY_LOCAL_" not in kolkata.upper()
    unknown = render(sqlglot.parse_one("SELECT CONVERT_TZ(ts, 'UTC', 'Nowhere/City') FROM t", read="mysql"),
                     "duckdb", macros=True)
    assert "AT TIME ZONE" in unknown and "LUCKY_LOCAL_" not in unknown.upper() and "CASE" not in unknown
    plain = render(sqlglot.parse_one("SELECT CONVERT_TZ(ts, 'UTC', 'America/New_York') FROM t", read="mysql"),
                   "duckdb")
    assert "CASE" in plain and "LUCKY_LOCAL_" not in plain.upper()  # the default runs on any connection


@pytest.mark.parametrize("zone", ["America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Rarotonga"])
def test_macros_give_the_icu_conversion_across_transitions_and_years(zone: str) -> None:
    from app.localtime import install_macros
    from app.sqldialect import render

    tree = sqlglot.parse_one(f"SELECT ts, CONVERT_TZ(ts, 'UTC', '{zone}') AS local FROM t", read="mysql")
    macro, exact = render(tree, "duckdb", macros=True), tree.sql("duckdb")
    assert "AT TIME ZONE" in exact and "AT TIME ZONE" not in macro
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2018-06-01 00:00:00' + to_seconds(i * 1799) AS ts "
                "FROM range(250000) r(i)")  # 2018 .. 2032, every ~30 minutes: DST changes and uncovered years
    assert con.execute(f"SELECT COUNT(*) FROM (({macro}) EXCEPT ({exact})) x").fetchone() == (0,)
    assert con.execute(f"SELECT COUNT(*) FROM ({macro}) x").fetchone() == (250000,)


def test_macro_zones_cover_every_shop_zone() -> None:
    """The catalog's shop time zones and the generator's shops all get a macro (the fast path)."""
    import yaml

    from app.dataset.gen_shops import ZONES
    from app.localtime import MACRO_ZONES, macro_sql

    catalog = Path(__file__).resolve().parents[1] / "schema_catalog" / "catalog"
    shop = yaml.safe_load((catalog / "luckyus_opshop.yaml").read_text(encoding="utf-8"))
    table = next(t for t in shop["tables"] if t["name"] == "t_shop_info")
    codes = next(c for c in table["columns"] if c["name"] == "time_zone")["codes"]
    zones = set(codes) | set(ZONES)
    assert zones and zones <= set(MACRO_ZONES), zones - set(MACRO_ZONES)
    assert len(macro_sql()) == len(MACRO_ZONES)
