"""`lucky catalog introspect` writes a loadable catalog for SQLite, DuckDB and MariaDB."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from app.commands.catalog import app
from schema_catalog import load_catalog
from schema_catalog.introspect import introspect

ACADEMIC = Path("/work/shared/corpora/spider-train/database/academic.sqlite")


@pytest.mark.skipif(not ACADEMIC.exists(), reason="spider corpus not available")
def test_sqlite_academic(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["introspect", "--url", f"sqlite:///{ACADEMIC}", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.glob("*.yaml")] == ["academic.yaml"]
    cat = load_catalog(tmp_path)
    con = sqlite3.connect(ACADEMIC)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {t.name for t in cat.iter_tables()} == names
    for t in cat.iter_tables():
        live_cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t.name}")')]
        assert t.column_names == live_cols
        assert t.description == "TODO" and all(c.description == "TODO" for c in t.columns)
    writes = cat.table("academic.writes")
    assert writes.column("aid").references == ["academic.author.aid"]
    assert writes.column("pid").references == ["academic.publication.pid"]
    assert cat.table("academic.author").primary_key == ["aid"]


def test_duckdb_multiple_schemas_one_file_each(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA sales; CREATE SCHEMA ops")
    con.execute("CREATE TABLE ops.shop (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL)")
    con.execute("CREATE TABLE sales.customer (id BIGINT PRIMARY KEY)")
    con.execute("CREATE TABLE sales.orders (id BIGINT PRIMARY KEY, customer_id BIGINT REFERENCES sales.customer(id), "
                "amount DECIMAL(10,2) NOT NULL, status TINYINT, created TIMESTAMP)")
    con.close()
    files, warnings = introspect(f"duckdb:///{db}", tmp_path / "out")
    assert sorted(f.name for f in files) == ["ops.yaml", "sales.yaml"]
    assert warnings == []
    cat = load_catalog(tmp_path / "out")
    orders = cat.table("sales.orders")
    assert [(c.name, c.type, c.nullable) for c in orders.columns] == [
        ("id", "BIGINT", False), ("customer_id", "BIGINT", True), ("amount", "DECIMAL(10,2)", False),
        ("status", "TINYINT", True), ("created", "TIMESTAMP", True)]
    assert orders.column("customer_id").references == ["sales.customer.id"]
    assert cat.table("ops.shop").column("name").nullable is False
    assert orders.primary_key == ["id"]
    raw = yaml.safe_load((tmp_path / "out" / "sales.yaml").read_text())
    assert raw["name"] == "sales" and raw["tables"][0]["columns"][0]["description"] == "TODO"


def test_dangling_sqlite_foreign_key_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, ghost_id INTEGER REFERENCES ghost(id))")
    con.commit()
    con.close()
    files, warnings = introspect(f"sqlite:///{path}", tmp_path / "out")
    assert len(files) == 1 and any("ghost" in w for w in warnings)
    assert load_catalog(tmp_path / "out").table("f.a").column("ghost_id").references == []


@pytest.mark.mysql
def test_mariadb_information_schema(tmp_path: Path, mysql_loaded: str) -> None:
    url = mysql_loaded.rstrip("/") + "/luckyus_sales_payment"
    files, _ = introspect(url, tmp_path)
    assert [f.name for f in files] == ["luckyus_sales_payment.yaml"]
    got = load_catalog(tmp_path)
    shipped = load_catalog()
    for t in got.iter_tables():
        ref = shipped.table(t.qualified)
        assert [(c.name, c.type, c.nullable) for c in t.columns] == [
            (c.name, c.type, c.nullable) for c in ref.columns], t.qualified
        assert t.primary_key == ref.primary_key
