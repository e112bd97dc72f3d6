"""The one executor: read-only on both targets, time-limited, row-capped, clear errors."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from app.errors import ConnectionFailed, DataMissing, QueryFailed, QueryTimeout, Refused, UnknownTable
from app.executor import Executor
from app.settings import Settings

ORDERS = "SELECT id FROM luckyus_sales_order.t_order"


@pytest.mark.parametrize("fixture", ["duck", "maria"])
def test_insert_reaching_the_session_fails(fixture: str, request: pytest.FixtureRequest) -> None:
    ex: Executor = request.getfixturevalue(fixture)
    before = ex.run("SELECT COUNT(*) FROM luckyus_opshop.t_shop_info").rows[0][0]
    target = "duckdb" if fixture == "duck" else "mysql"
    insert = "INSERT INTO luckyus_opshop.t_shop_info (id) VALUES (999999)"
    # Bypass the guardrails on purpose: the session itself must refuse to write.
    with pytest.raises(QueryFailed):
        ex._execute(insert, target, 10, 5.0)
    assert ex.run("SELECT COUNT(*) FROM luckyus_opshop.t_shop_info").rows[0][0] == before


@pytest.mark.parametrize("fixture", ["duck", "maria"])
def test_guardrails_refuse_writes_before_the_database(fixture: str, request: pytest.FixtureRequest) -> None:
    ex: Executor = request.getfixturevalue(fixture)
    with pytest.raises(Refused):
        ex.run("DELETE FROM luckyus_sales_order.t_order")


@pytest.mark.parametrize("fixture", ["duck", "maria"])
def test_rows_are_capped_and_flagged(fixture: str, request: pytest.FixtureRequest) -> None:
    ex: Executor = request.getfixturevalue(fixture)
    res = ex.run(ORDERS, row_cap=7)
    assert len(res.rows) == 7
    assert res.truncated is True
    small = ex.run(ORDERS + " ORDER BY id LIMIT 3", row_cap=7)
    assert len(small.rows) == 3 and small.truncated is False


def test_duckdb_slow_query_times_out(duck: Executor) -> None:
    slow = ("SELECT COUNT(*) FROM range(100000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3")
    with pytest.raises(QueryTimeout):
        duck._execute(slow, "duckdb", 10, 0.3)
    # the connection pool recovers: the next query works
    assert duck.run("SELECT 1 AS one").rows == [[1]]


def test_mysql_slow_query_times_out(small_settings: Settings, mysql_loaded: str) -> None:
    ex = Executor(small_settings.model_copy(update={"target": "mysql", "statement_timeout_s": 0.5}))
    try:
        with pytest.raises(QueryTimeout):
            ex._execute("SELECT SLEEP(3)", "mysql", 10, 0.5)
        assert ex.run("SELECT 1 AS one").rows == [[1]]
    finally:
        ex.dispose()


@pytest.mark.parametrize("fixture", ["duck", "maria"])
def test_unknown_table_is_a_clear_error(fixture: str, request: pytest.FixtureRequest) -> None:
    ex: Executor = request.getfixturevalue(fixture)
    target = "duckdb" if fixture == "duck" else "mysql"
    with pytest.raises(UnknownTable) as info:
        ex._execute("SELECT * FROM luckyus_sales_order.t_nope", target, 10, 5.0)
    assert "Traceback" not in info.value.message


def test_connection_refused_is_a_clear_error(small_settings: Settings) -> None:
    bad = small_settings.model_copy(update={"mysql_url": SecretStr("mysql+pymysql://root@127.0.0.1:1/"),
                                            "target": "mysql"})
    with pytest.raises(ConnectionFailed):
        Executor(bad).run("SELECT 1")


def test_missing_dataset_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataMissing):
        Executor(Settings(data_dir=tmp_path)).run("SELECT 1")


def test_result_json_shape(duck: Executor) -> None:
    out = duck.run("SELECT 1 AS a, 'x' AS b").as_json()
    assert set(out) == {"columns", "rows", "truncated", "elapsed_ms"}
    assert out["columns"] == ["a", "b"] and out["rows"] == [[1, "x"]]
