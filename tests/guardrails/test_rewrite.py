"""The rewrite changes nothing but what it must: same rows as the original (up to the cap), shop scope
in every reference, and a MySQL time hint that MariaDB runs too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pymysql
import pytest
import sqlglot

from app.commands.bench import golden_sql, sql_file
from app.sqldialect import to_target
from guardrails import ADMIN, ANALYST, Principal, check
from guardrails.policy import CatalogPolicy, ShopVia, TablePolicy
from tests.conftest import MYSQL_URL

HERE = Path(__file__).parent
CORPUS = sql_file(HERE / "corpus_luckin.sql")
ORD = "luckyus_sales_order.t_order"
OI = "luckyus_sales_order.t_order_item"
S = "luckyus_opshop.t_shop_info"
MANAGER = Principal(role="store_manager", shops=(2,), name="m2")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _ordered(sql: str) -> bool:
    return sqlglot.parse_one(sql, read="mysql").args.get("order") is not None


def assert_same(original: list[tuple[Any, ...]], rewritten: list[tuple[Any, ...]], ordered: bool) -> None:
    if ordered:
        assert rewritten == original
    else:
        assert Counter(rewritten) == Counter(original)


def test_corpus_is_fifty_realistic_queries():
    assert len(CORPUS) >= 50


@pytest.mark.parametrize("sql", CORPUS + golden_sql(), ids=lambda s: " ".join(s.split())[:60])
def test_rewrite_returns_the_same_rows_on_duckdb(sql: str, synth_con: duckdb.DuckDBPyConnection):
    v = check(sql, ANALYST)
    assert v.allowed, v.reason
    assert v.sql is not None
    try:
        original = _rows(synth_con, to_target(sql, "duckdb"))
    except duckdb.Error as err:  # then the rewrite must fail the same way, not hide it
        with pytest.raises(duckdb.Error):
            _rows(synth_con, v.sql)
        pytest.fail(f"the gold statement itself fails on DuckDB: {err}")
    assert_same(original, _rows(synth_con, v.sql), _ordered(sql))


# ---------------------------------------------------------------- row-level scope
FORMULATIONS = [
    f"SELECT shop_id FROM {ORD}",
    f"SELECT o.shop_id FROM {ORD} AS o",
    f"SELECT {ORD}.shop_id FROM {ORD}",
    f"WITH x AS (SELECT * FROM {ORD}) SELECT shop_id FROM x",
    f"WITH x AS (SELECT shop_id FROM {ORD}), y AS (SELECT shop_id FROM x) SELECT shop_id FROM y",
    f"SELECT shop_id FROM (SELECT shop_id FROM (SELECT * FROM {ORD}) a) b",
    f"SELECT 2 AS shop_id FROM {S} WHERE 0 = 1 UNION ALL SELECT shop_id FROM {ORD}",
    f"SELECT s.id FROM {S} s WHERE s.id IN (SELECT shop_id FROM {ORD})",
    f"SELECT s.id FROM {S} s WHERE EXISTS (SELECT 1 FROM {ORD} o WHERE o.shop_id = s.id)",
    f"SELECT (SELECT MAX(shop_id) FROM {ORD}) AS shop_id",
    f"SELECT s.id FROM {S} s",
    f"SELECT o.shop_id FROM {ORD} o JOIN {S} s ON s.id = o.shop_id",
    f"SELECT s.id FROM {S} s LEFT JOIN {ORD} o ON o.shop_id = s.id",
    f"SELECT shop_id FROM luckyus_opproduction.t_production UNION SELECT shop_id FROM {ORD}",
]


@pytest.mark.parametrize("sql", FORMULATIONS)
def test_no_formulation_escapes_the_shop_scope(sql: str, synth_con: duckdb.DuckDBPyConnection):
    v = check(sql, MANAGER)
    assert v.allowed, v.reason
    rows = _rows(synth_con, v.sql or "")
    assert rows and {r[0] for r in rows} <= {2}
    unscoped = _rows(synth_con, check(sql, ADMIN).sql or "")
    assert {r[0] for r in unscoped} - {2}, "the test must be able to fail: other shops exist unscoped"


def test_scope_follows_keys_to_tables_without_a_shop_column(synth_con: duckdb.DuckDBPyConnection):
    v = check(f"SELECT i.id FROM {OI} i", MANAGER)
    assert "luckyus_sales_order.t_order_item" in v.scoped_tables
    got = {r[0] for r in _rows(synth_con, v.sql or "")}
    expected = {r[0] for r in _rows(synth_con, f"SELECT i.id FROM {OI} i JOIN {ORD} o ON o.id = i.order_id "
                                                "WHERE o.shop_id = 2")}
    assert got == expected and got


def test_scoped_figures_equal_an_explicit_filter(synth_con: duckdb.DuckDBPyConnection):
    sql = f"SELECT COUNT(*), SUM(pay_money) FROM {ORD} WHERE status = 90"
    scoped = _rows(synth_con, check(sql, MANAGER).sql or "")
    direct = _rows(synth_con, f"SELECT COUNT(*), SUM(pay_money) FROM {ORD} WHERE status = 90 AND shop_id = 2")
    assert scoped == direct


def test_left_join_semantics_survive_the_scope(synth_con: duckdb.DuckDBPyConnection):
    sql = (f"SELECT s.id, COUNT(o.id) FROM {S} s LEFT JOIN {ORD} o ON o.shop_id = s.id AND o.status = 0 "
           "GROUP BY s.id ORDER BY s.id")
    scoped = _rows(synth_con, check(sql, MANAGER).sql or "")
    direct = _rows(synth_con, f"SELECT s.id, COUNT(o.id) FROM {S} s LEFT JOIN {ORD} o ON o.shop_id = s.id "
                              "AND o.status = 0 WHERE s.id = 2 GROUP BY s.id ORDER BY s.id")
    assert scoped == direct


def test_db_qualified_columns_and_same_named_tables_still_resolve(synth_con: duckdb.DuckDBPyConnection):
    v = check(f"SELECT luckyus_sales_order.t_order.shop_id FROM {ORD}", MANAGER)
    assert {r[0] for r in _rows(synth_con, v.sql or "")} == {2}


# ---------------------------------------------------------------- MySQL / MariaDB
SCRATCH = "lucky_guardrails_test"


@pytest.fixture(scope="module")
def maria_scratch() -> Iterator[pymysql.connections.Connection]:
    """A scratch database of our own on the local MariaDB (the shared one's tables are untouched)."""
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    cur = conn.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    cur.execute(f"CREATE DATABASE {SCRATCH}")
    cur.execute(f"CREATE TABLE {SCRATCH}.orders (id INT PRIMARY KEY, shop_id INT, pay DECIMAL(8,2))")
    cur.execute(f"CREATE TABLE {SCRATCH}.items (id INT PRIMARY KEY, order_id INT, qty INT)")
    cur.executemany(f"INSERT INTO {SCRATCH}.orders VALUES (%s, %s, %s)",
                    [(i, i % 3 + 1, i * 1.5) for i in range(1, 31)])
    cur.executemany(f"INSERT INTO {SCRATCH}.items VALUES (%s, %s, %s)",
                    [(i, (i % 30) + 1, i % 4) for i in range(1, 61)])
    cur.execute(f"USE {SCRATCH}")  # the policy's default database, as for a catalog of one database
    yield conn
    cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    conn.close()


SCRATCH_POLICY = CatalogPolicy(tables=(
    TablePolicy(SCRATCH, "orders", ("id", "shop_id", "pay"), shop_key="shop_id", rows=30),
    TablePolicy(SCRATCH, "items", ("id", "order_id", "qty"), shop_via=ShopVia("order_id", SCRATCH, "orders", "id"),
                rows=60),
), default_db=SCRATCH, name="scratch")


@pytest.mark.mysql
@pytest.mark.parametrize("sql", [
    "SELECT shop_id, COUNT(*), SUM(pay) FROM orders GROUP BY shop_id ORDER BY shop_id",
    "SELECT id FROM orders UNION SELECT order_id FROM items ORDER BY 1 LIMIT 7",
    "WITH x AS (SELECT * FROM items) SELECT COUNT(*) FROM x JOIN orders o ON o.id = x.order_id",
    "SELECT o.id, (SELECT SUM(qty) FROM items i WHERE i.order_id = o.id) FROM orders o ORDER BY o.id",
])
def test_rewrite_with_time_hint_runs_on_mariadb(sql: str, maria_scratch: pymysql.connections.Connection):
    cur = maria_scratch.cursor()
    v = check(sql, ANALYST, "mysql", policy=SCRATCH_POLICY)
    assert v.allowed and v.sql is not None and "MAX_EXECUTION_TIME" in v.sql
    cur.execute(sql)
    original = cur.fetchall()
    cur.execute(v.sql)
    assert_same(list(original), list(cur.fetchall()), _ordered(sql))
    scoped = check(sql, Principal(role="store_manager", shops=(1,)), "mysql", policy=SCRATCH_POLICY)
    cur.execute(scoped.sql)
    cur.fetchall()


@pytest.mark.mysql
def test_mariadb_shop_scope_and_cap(maria_scratch: pymysql.connections.Connection):
    cur = maria_scratch.cursor()
    v = check("SELECT i.id FROM items i", Principal(role="store_manager", shops=(1,)), "mysql",
              policy=SCRATCH_POLICY, row_cap=5)
    cur.execute(v.sql)
    got = cur.fetchall()
    assert len(got) == 6  # the cap plus the probe row the executor uses to report truncation
    cur.execute("SELECT i.id FROM items i JOIN orders o ON o.id = i.order_id WHERE o.shop_id = 1")
    assert {r[0] for r in got} <= {r[0] for r in cur.fetchall()}


def test_mysql_url_constant_is_shared():
    assert MYSQL_URL.startswith("mysql")
