"""The one executor: read-only on both targets, time-limited, row-capped, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from app.errors import ConnectionFailed, DataMissing, QueryFailed, QueryTimeout, Refused, UnknownTable
from app.executor import Executor, session_setup
from app.settings import Settings

ORDERS = "SELECT id FROM luckyus_sales_order.t_order"


@pytest.mark.parametrize(("flavor", "version", "expected"), [
    ("auto", "11.4.2-MariaDB-log", ["SET SESSION TRANSACTION READ ONLY", "SET SESSION time_zone = '+00:00'",
                                    "SET SESSION max_statement_time = 2.5"]),
    ("auto", "8.4.3", ["SET SESSION TRANSACTION READ ONLY", "SET SESSION time_zone = '+00:00'",
                       "SET SESSION max_execution_time = 2500"]),
    ("starrocks", "", ["SET time_zone = '+00:00'", "SET query_timeout = 3"]),
    ("doris", "", ["SET time_zone = '+00:00'", "SET query_timeout = 3"]),
])
def test_session_setup_per_server_flavor(flavor: str, version: str, expected: list[str]) -> None:
    """Doris/StarRocks reject the MySQL read-only and time-limit statements: each server gets its own."""
    assert session_setup(flavor, version, 2.5) == expected


def test_mysql_session_is_read_only_utc_and_limited(small_settings: Settings, mysql_loaded: str) -> None:
    ex = Executor(small_settings.model_copy(update={"target": "mysql", "statement_timeout_s": 7.0}))
    try:
        with ex.engine("mysql").connect() as conn:
            row = conn.exec_driver_sql("SELECT @@session.tx_read_only, @@session.time_zone, "
                                       "@@session.max_statement_time").one()
        assert (int(row[0]), row[1], float(row[2])) == (1, "+00:00", 7.0)
    finally:
        ex.dispose()


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


def test_missing_dataset_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DataMissing):
        Executor(Settings(data_dir=tmp_path)).run("SELECT 1")


def test_result_json_shape(duck: Executor) -> None:
    out = duck.run("SELECT 1 AS a, 'x' AS b").as_json()
    assert set(out) == {"columns", "rows", "truncated", "elapsed_ms"}
    assert out["columns"] == ["a", "b"] and out["rows"] == [[1, "x"]]


LOCAL_TIME = ("SELECT DAYOFWEEK(CONVERT_TZ(create_time, 'UTC', 'America/New_York')) AS dw, "
              "HOUR(CONVERT_TZ(create_time, 'UTC', 'America/New_York')) AS h, "
              "HOUR(CONVERT_TZ(create_time, 'UTC', 'Pacific/Rarotonga')) AS hr, COUNT(*) AS n "
              "FROM luckyus_sales_order.t_order GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


def test_duckdb_runs_the_local_time_macros_with_the_inline_and_icu_results(duck: Executor) -> None:
    """The guard's DuckDB SQL calls the connection macros; the rows equal the inline CASE's and ICU's."""
    import sqlglot

    import guardrails

    res = duck.run(LOCAL_TIME)
    assert "lucky_local_america_new_york" in res.sql.lower() and "lucky_local_pacific_rarotonga" in res.sql.lower()
    assert "CASE" not in res.sql and not res.truncated
    inline = guardrails.check(LOCAL_TIME, target="duckdb", duckdb_macros=False).sql
    assert inline is not None and "lucky_local" not in inline.lower() and "CASE" in inline
    exact = sqlglot.parse_one(LOCAL_TIME.replace("DAYOFWEEK(", "1 + DAYOFWEEK("), read="mysql").sql("duckdb")
    assert "AT TIME ZONE" in exact  # sqlglot's own rendering: ICU per row (DuckDB counts Sunday as 0)
    raw = duck.engine("duckdb").raw_connection()
    try:
        cur = raw.cursor()
        got = {}
        for name, sql in (("inline", inline), ("icu", exact)):
            cur.execute(sql)
            got[name] = [list(r) for r in cur.fetchall()]
    finally:
        raw.close()
    assert len(res.rows) > 100 and res.rows == got["inline"] == got["icu"]


def test_duckdb_without_the_macros_falls_back_to_inline(small_settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection that lacks the macros (the connect hook failed to define them) still answers, the same."""
    from app import localtime

    with_macros = Executor(small_settings.model_copy(update={"target": "duckdb"}))
    try:
        expected = with_macros.run(LOCAL_TIME).rows
    finally:
        with_macros.dispose()
    def broken(con: object) -> None:
        raise RuntimeError("no macros here")

    monkeypatch.setattr(localtime, "install_macros", broken)
    bare = Executor(small_settings.model_copy(update={"target": "duckdb"}))
    try:
        res = bare.run(LOCAL_TIME)
    finally:
        bare.dispose()
    assert res.rows == expected and "lucky_local" not in res.sql.lower() and "CASE" in res.sql


def test_duckdb_read_only_connections_define_the_macros(small_data: Path) -> None:
    from app.duckdb_files import duckdb_read_only

    with duckdb_read_only(small_data / "lucky.duckdb") as con:
        got = con.execute("SELECT lucky_local_america_new_york(TIMESTAMP '2026-07-01 12:00:00'), "
                          "lucky_local_america_new_york(TIMESTAMP '2026-01-01 12:00:00')").fetchone()
    assert got is not None and [t.hour for t in got] == [8, 7]
