"""The catalog models refuse contradictions at load time, with a message that says where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from schema_catalog import CatalogError, load_catalog
from schema_catalog.models import Catalog, CatalogColumn, CatalogDatabase, CatalogTable, is_code_type


def _db(tables: list[dict[str, Any]], name: str = "shop") -> dict[str, Any]:
    return {"name": name, "description": "d", "tables": tables}


def _table(name: str, columns: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "columns": columns, **extra}


def _col(name: str, type_: str = "BIGINT", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "description": "d", **extra}


def _catalog(*dbs: dict[str, Any]) -> Catalog:
    return Catalog(databases=[CatalogDatabase.model_validate(d) for d in dbs])


def test_valid_catalog_resolves_cross_database_joins_and_shop_paths() -> None:
    shops = _db([_table("t_shop", [_col("id")], primary_key="id", shop_key="id")], "ops")
    sales = _db([
        _table("t_order", [_col("id"), _col("shop_id", references="ops.t_shop.id")], shop_key="shop_id"),
        _table("t_item", [_col("id"), _col("order_id", references=["sales.t_order.id"])],
               shop_scope_via="order_id -> sales.t_order.id"),
    ], "sales")
    cat = _catalog(shops, sales)
    assert cat.table("sales.t_item").qualified == "sales.t_item"
    assert cat.column("sales.t_order", "shop_id").references == ["ops.t_shop.id"]
    assert cat.shop_path("sales.t_item") == [("order_id", "sales.t_order.id")]
    assert cat.shop_path("sales.t_order") == []
    assert [t.qualified for t in cat.iter_tables()] == ["ops.t_shop", "sales.t_order", "sales.t_item"]
    assert cat.table("sales.t_item").key_columns() == ["order_id"]


@pytest.mark.parametrize(("ref", "message"), [
    ("sales.t_missing.id", "table sales.t_missing is not in the catalog"),
    ("sales.t_order.nope", "sales.t_order has no column nope"),
    ("t_order.id", "not of the form database.table.column"),
])
def test_join_to_missing_table_or_column_fails(ref: str, message: str) -> None:
    db = _db([_table("t_order", [_col("id"), _col("other_id", references=ref)])], "sales")
    with pytest.raises((CatalogError, ValueError), match=message):
        _catalog(db)


def test_codes_only_on_integer_or_short_varchar_columns() -> None:
    ok = CatalogColumn.model_validate(_col("status", "TINYINT", codes={0: "off", 1: "on"}))
    assert ok.code_keys() == {"0", "1"}
    short = CatalogColumn.model_validate(_col("cur", "VARCHAR(3)", codes={"USD": "dollar"}))
    assert short.codes == {"USD": "dollar"}
    for bad_type in ("DECIMAL(10,2)", "DATETIME", "VARCHAR(128)", "TEXT"):
        with pytest.raises(ValueError, match="cannot carry a code list"):
            CatalogColumn.model_validate(_col("x", bad_type, codes={1: "one"}))
    with pytest.raises(ValueError, match="non-integer codes"):
        CatalogColumn.model_validate(_col("status", "INT", codes={"a": "letter"}))
    with pytest.raises(ValueError, match="empty code list"):
        CatalogColumn.model_validate(_col("status", "INT", codes={}))


def test_code_type_rule() -> None:
    assert is_code_type("tinyint(4)") and is_code_type("VARCHAR(32)")
    assert not is_code_type("VARCHAR(33)") and not is_code_type("VARCHAR") and not is_code_type("DATE")


def test_unknown_pii_class_fails() -> None:
    with pytest.raises(ValueError, match="pii"):
        CatalogColumn.model_validate(_col("ssn", "VARCHAR(11)", pii="social_security"))


def test_shop_key_and_primary_key_must_be_columns() -> None:
    with pytest.raises(ValueError, match="shop_key store_id is not a column"):
        CatalogTable.model_validate(_table("t", [_col("id")], shop_key="store_id"))
    with pytest.raises(ValueError, match="primary key uid is not a column"):
        CatalogTable.model_validate(_table("t", [_col("id")], primary_key="uid"))
    with pytest.raises(ValueError, match="shop_scope_via starts at order_id"):
        CatalogTable.model_validate(_table("t", [_col("id")], shop_scope_via="order_id -> a.b.c"))


def test_duplicate_column_table_and_unknown_field_fail() -> None:
    with pytest.raises(ValueError, match="duplicate column id"):
        CatalogTable.model_validate(_table("t", [_col("id"), _col("id")]))
    with pytest.raises(ValueError, match="duplicate table t"):
        CatalogDatabase.model_validate(_db([_table("t", [_col("id")]), _table("t", [_col("id")])]))
    with pytest.raises(ValueError, match="Extra inputs"):
        CatalogColumn.model_validate({**_col("id"), "descripton": "typo"})


def test_shop_scope_chain_must_end_at_a_shop_key() -> None:
    db = _db([
        _table("t_a", [_col("id"), _col("b_id")], shop_scope_via="b_id -> s.t_b.id"),
        _table("t_b", [_col("id")]),
    ], "s")
    with pytest.raises(ValueError, match="neither shop_key nor shop_scope_via"):
        _catalog(db)
    loop = _db([
        _table("t_a", [_col("id"), _col("b_id")], shop_scope_via="b_id -> s.t_b.id"),
        _table("t_b", [_col("id"), _col("a_id")], shop_scope_via="a_id -> s.t_a.id"),
    ], "s")
    with pytest.raises(ValueError, match="loops"):
        _catalog(loop)


def test_loader_names_file_table_and_column_in_errors(tmp_path: Path) -> None:
    good = _db([_table("t_ok", [_col("id")])], "alpha")
    (tmp_path / "alpha.yaml").write_text(yaml.safe_dump(good))
    assert load_catalog(tmp_path).table("alpha.t_ok").name == "t_ok"
    bad = _db([_table("t_bad", [_col("id"), _col("flag", "DATE", codes={1: "x"})])], "beta")
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    (bad_dir / "beta.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(CatalogError, match=r"beta\.yaml: table t_bad, column flag"):
        load_catalog(bad_dir)
    misnamed = tmp_path / "misnamed"
    misnamed.mkdir()
    (misnamed / "gamma.yaml").write_text(yaml.safe_dump(good))
    with pytest.raises(CatalogError, match=r"name the file alpha\.yaml"):
        load_catalog(misnamed)


def test_yaml_booleans_in_code_lists_are_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare "no" as False: the loader must not accept a code meaning "False".
    (tmp_path / "d.yaml").write_text(
        "name: d\ndescription: x\ntables:\n- name: t\n  description: x\n  columns:\n"
        "  - {name: f, type: TINYINT, description: x, codes: {0: no, 1: yes}}\n")
    with pytest.raises(CatalogError, match="column f"):
        load_catalog(tmp_path)
