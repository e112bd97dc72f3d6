"""The policy the guard consumes: built from the catalog interface, the schema contract or a live database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace as NS

from guardrails import check
from guardrails.default_policy import LUCKIN_PII, default_policy, guess_pii_class, policy_from_schema
from guardrails.policy import CatalogPolicy, ShopVia, policy_from_catalog, policy_from_sqlalchemy


def test_catalog_interface_uses_only_the_agreed_attributes():
    col = lambda name, type_, pii=None: NS(name=name, type=type_, pii=pii)  # noqa: E731
    catalog = NS(databases=[NS(name="shop", tables=[
        NS(name="orders", shop_key="shop_id", shop_scope_via=None,
           columns=[col("id", "BIGINT"), col("shop_id", "BIGINT"), col("email", "VARCHAR(9)", "email")]),
        NS(name="lines", shop_key=None, shop_scope_via="order_id -> shop.orders.id",
           columns=[col("id", "BIGINT"), col("order_id", "BIGINT")]),
    ])])
    policy = policy_from_catalog(catalog)
    assert policy.default_db == "shop"
    orders, lines = policy.lookup(None, "orders"), policy.lookup("shop", "LINES")
    assert orders is not None and orders.pii == {"email": "email"} and orders.shop_key == "shop_id"
    assert lines is not None and lines.shop_via == ShopVia("order_id", "shop", "orders", "id")
    assert check("SELECT email FROM orders", policy=policy).masked == {"email": "email"}


def test_shipped_catalog_marks_at_least_the_guards_pii():
    policy = default_policy()
    assert policy is default_policy()  # built once per process
    for (db, table, column), cls in LUCKIN_PII.items():
        tp = policy.lookup(db, table)
        assert tp is not None and tp.pii.get(column) == cls, (db, table, column)
    for tp in policy.tables:
        if "user_no" in tp.columns:
            assert tp.pii.get("user_no") == "user_id", tp.qualified


def test_schema_contract_policy_shop_paths_and_rows():
    policy = policy_from_schema()
    assert len(policy.tables) == len(policy.index) == 63
    assert policy.lookup("luckyus_sales_order", "t_order").shop_key == "shop_id"
    assert policy.lookup("luckyus_opshop", "t_shop_info").shop_key == "id"
    item = policy.lookup("luckyus_sales_order", "t_order_item")
    assert item is not None and item.shop_via is not None and item.shop_via.table == "t_order"
    assert policy.lookup("luckyus_sales_crm", "t_user").shop_key is None
    assert policy.lookup("luckyus_sales_order", "t_order").rows == 516_000


def test_policy_from_sqlalchemy_on_sqlite(tmp_path: Path):
    db = tmp_path / "x.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE Person (id INTEGER, Mobile_Phone TEXT, email_addr TEXT, city TEXT)")
    con.execute("INSERT INTO Person VALUES (1, '555', 'a@b.c', 'Rome')")
    con.commit()
    con.close()
    plain = policy_from_sqlalchemy(f"sqlite:///{db}")
    assert plain.default_db == "main" and plain.lookup(None, "person") is not None
    person0 = plain.lookup(None, "person")
    assert person0 is not None and not person0.pii
    guessed = policy_from_sqlalchemy(f"sqlite:///{db}", guess_pii=True, count_rows=True)
    person = guessed.lookup("main", "Person")
    assert person is not None and person.rows == 1
    assert person.pii == {"mobile_phone": "phone", "email_addr": "email"}


def test_guess_pii_class_by_name():
    assert guess_pii_class("contact_phone") == "phone" and guess_pii_class("email") == "email"
    assert guess_pii_class("last_name") == "name" and guess_pii_class("birth_date") == "birthdate"
    assert guess_pii_class("shop_name") is None and guess_pii_class("phone_model_count") is None


def test_mapping_schema_is_built_once_and_matches():
    policy = CatalogPolicy(tables=policy_from_schema().tables[:3])
    schema = policy.mapping_schema
    assert schema is policy.mapping_schema
    first = policy.tables[0]
    assert schema.column_names(f"{first.database}.{first.name}") == list(first.columns)


def test_suggestions_are_nearest_names():
    policy = policy_from_schema()
    assert policy.suggest_tables("luckyus_sales_order.t_ordr")[0] == "luckyus_sales_order.t_order"
    assert "luckyus_opshop.t_shop_info" in policy.suggest_tables("t_shopinfo")
