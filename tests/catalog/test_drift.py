"""`lucky catalog check`: no drift on the built dataset; planted drift is found on both targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.commands.catalog import app
from app.executor import Executor
from app.settings import Settings
from schema_catalog import Catalog, load_catalog, write_catalog
from schema_catalog.drift import check_drift, compare_schema
from schema_catalog.live import LiveColumn, LiveTable, read_duckdb
from schema_catalog.models import CatalogColumn, CatalogTable
from schema_catalog.typenorm import duckdb_canonical, mysql_canonical, same_type


def planted(tmp: Path) -> Path:
    """A copy of the shipped catalog with four kinds of drift planted."""
    cat = load_catalog().model_copy(deep=True)
    order = next(t for t in cat.database("luckyus_sales_order").tables if t.name == "t_order")
    order.columns = [c for c in order.columns if c.name != "cancel_reason"]  # live has an extra column
    status = next(c for c in order.columns if c.name == "status")
    status.codes = {k: v for k, v in (status.codes or {}).items() if k != 90}  # data has an unknown code
    trade = next(t for t in cat.database("luckyus_sales_payment").tables if t.name == "t_trade")
    next(c for c in trade.columns if c.name == "amount").type = "INT"  # type mismatch
    ghost = CatalogTable(name="t_ghost", description="documented but never created", columns=[
        CatalogColumn(name="id", type="BIGINT", nullable=False, description="id")])
    cat.database("luckyus_opshop").tables.append(ghost)  # missing table
    out = tmp / "planted"
    write_catalog(Catalog.model_validate(cat.model_dump()), out)
    return out


PLANTED = {
    ("extra_column", "luckyus_sales_order.t_order", "cancel_reason"),
    ("unknown_code", "luckyus_sales_order.t_order", "status"),
    ("type", "luckyus_sales_payment.t_trade", "amount"),
    ("missing_table", "luckyus_opshop.t_ghost", None),
}


def test_type_normalisation() -> None:
    assert mysql_canonical("int(11)") == "INT" and mysql_canonical("bigint(20) unsigned") == "BIGINT UNSIGNED"
    assert mysql_canonical("decimal(10, 2)") == "DECIMAL(10,2)" and mysql_canonical("INTEGER") == "INT"
    assert duckdb_canonical("DATETIME") == "TIMESTAMP" and duckdb_canonical("VARCHAR(32)") == "VARCHAR"
    assert duckdb_canonical("INT") == "INTEGER" and duckdb_canonical("DECIMAL(12,3)") == "DECIMAL(12,3)"
    assert same_type("TINYINT", "tinyint(4)", "mysql") and not same_type("INT", "bigint(20)", "mysql")
    assert same_type("VARCHAR(16)", "VARCHAR", "duckdb") and not same_type("VARCHAR(16)", "varchar(32)", "mysql")


def test_compare_schema_without_a_database() -> None:
    cat = load_catalog()
    live = {t.qualified: LiveTable(t.database, t.name, [LiveColumn(c.name, c.type, c.nullable) for c in t.columns])
            for t in cat.iter_tables()}
    assert compare_schema(cat, live, "mysql").ok
    live["luckyus_opshop.t_extra"] = LiveTable("luckyus_opshop", "t_extra", [LiveColumn("id", "BIGINT")])
    live["luckyus_opshop.t_shop_info"].columns[0].nullable = True
    kinds = {(i.kind, i.table, i.column) for i in compare_schema(cat, live, "mysql").items}
    assert kinds == {("extra_table", "luckyus_opshop.t_extra", None), ("nullable", "luckyus_opshop.t_shop_info", "id")}


def test_duckdb_has_no_drift(small_settings: Settings) -> None:
    report = check_drift(load_catalog(), "duckdb", small_settings)
    assert report.ok, [i.sentence() for i in report.items]
    assert report.tables_checked == 63 and report.columns_checked == 660
    assert report.code_columns_checked >= 80


def test_duckdb_planted_drift(small_settings: Settings, tmp_path: Path) -> None:
    report = check_drift(load_catalog(planted(tmp_path)), "duckdb", small_settings)
    assert {(i.kind, i.table, i.column) for i in report.items} == PLANTED
    code = next(i for i in report.items if i.kind == "unknown_code")
    assert code.live == "90"
    typ = next(i for i in report.items if i.kind == "type")
    assert (typ.catalog, typ.live) == ("INTEGER", "BIGINT")


def test_cli_exit_codes_duckdb(small_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["check", "--target", "duckdb", "--data", str(small_data)])
    assert ok.exit_code == 0, ok.output
    assert "no drift" in ok.output
    bad = runner.invoke(app, ["check", "--target", "duckdb", "--data", str(small_data),
                              "--catalog", str(planted(tmp_path)), "--json"])
    assert bad.exit_code == 1
    assert '"ok": false' in bad.output and "cancel_reason" in bad.output


@pytest.mark.mysql
def test_mysql_has_no_drift(small_settings: Settings, mysql_loaded: str) -> None:
    report = check_drift(load_catalog(), "mysql", small_settings)
    assert report.ok, [i.sentence() for i in report.items]
    assert report.code_columns_checked >= 80


@pytest.mark.mysql
def test_mysql_planted_drift(small_settings: Settings, mysql_loaded: str, tmp_path: Path) -> None:
    report = check_drift(load_catalog(planted(tmp_path)), "mysql", small_settings)
    assert {(i.kind, i.table, i.column) for i in report.items} == PLANTED
    typ = next(i for i in report.items if i.kind == "type")
    assert (typ.catalog, typ.live) == ("INT", "BIGINT")
    result = CliRunner().invoke(app, ["check", "--target", "mysql", "--data", str(small_settings.data_dir),
                                      "--catalog", str(tmp_path / "planted")])
    assert result.exit_code == 1


def test_schema_read_coexists_with_the_executors_open_duckdb(duck: Executor, small_settings: Settings) -> None:
    # DuckDB refuses a second connection with another configuration in the same process; the
    # introspection reader must open the file the way the executor did.
    with duck.engine("duckdb").connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").fetchone() == (1,)
        live = read_duckdb(small_settings.duckdb_path, ["luckyus_opshop"])
    assert set(live) == {"luckyus_opshop.t_shop_info", "luckyus_opshop.t_shop_opening_time"}
    assert live["luckyus_opshop.t_shop_info"].columns[0].name == "id"
