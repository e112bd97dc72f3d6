"""The shipped catalog documents exactly the physical contract, completely, and agrees with the generator."""

from __future__ import annotations

import re

import pytest

from app.dataset import reference
from app.dataset.schema import DATABASES, TABLES
from schema_catalog import load_catalog
from schema_catalog.models import PII_CLASSES

CAT = load_catalog()


def test_one_file_per_database_and_every_table() -> None:
    assert sorted(db.name for db in CAT.databases) == sorted(DATABASES)
    assert sorted(t.qualified for t in CAT.iter_tables()) == sorted(TABLES)


@pytest.mark.parametrize("qualified", sorted(TABLES))
def test_every_column_documented_with_the_contract_type(qualified: str) -> None:
    contract = TABLES[qualified]
    doc = CAT.table(qualified)
    assert doc.column_names == contract.column_names, "columns differ from app/dataset/schema.py (or order)"
    for col in contract.columns:
        c = doc.column(col.name)
        assert c.type == col.type, f"{col.name}: catalog {c.type}, schema.py {col.type}"
        assert c.nullable == col.nullable, f"{col.name}: nullability differs"
    assert doc.primary_key == ([contract.primary_key] if contract.primary_key else [])
    assert doc.rows == contract.full_rows
    assert doc.rows_magnitude == (0 if not contract.full_rows else 10 ** (len(str(contract.full_rows)) - 1))


def test_no_empty_or_placeholder_description() -> None:
    for db in CAT.databases:
        assert len(db.description) > 40, db.name
        for t in db.tables:
            assert len(t.description) > 20 and "TODO" not in t.description, t.qualified
            assert t.grain, f"{t.qualified} has no grain"
            for c in t.columns:
                assert c.description.strip() and "TODO" not in c.description, f"{t.qualified}.{c.name}"


def test_codes_agree_with_the_generator_reference() -> None:
    for ref, codes in reference.CODES.items():
        db, table, column = ref.split(".")
        col = CAT.column(f"{db}.{table}", column)
        assert col.code_keys() == {str(k) for k in codes}, f"{ref}: catalog and app/dataset/reference.py differ"
    # every payment-channel list is the reference's channel list
    channels = {str(c.channel_id) for c in reference.PAY_CHANNELS}
    for t in CAT.iter_tables():
        if t.has_column("channel_id"):
            assert t.column("channel_id").code_keys() == channels, t.qualified


def _codes(qualified: str, column: str) -> dict[int | str, str]:
    codes = CAT.column(qualified, column).codes
    assert codes is not None, f"{qualified}.{column} has no code list"
    return codes


def test_seed_codes_are_there() -> None:
    order = "luckyus_sales_order.t_order"
    assert _codes(order, "status")[90].startswith("completed")
    assert _codes(order, "status")[0].startswith("cancelled")
    assert set(_codes(order, "channel")) == {1, 2, 3, 8, 9, 10}
    assert "iOS" in _codes(order, "channel")[2]
    assert _codes(order, "order_type") == {1: "pickup in store", 2: "delivery"}
    com = "luckyus_scm_commodity.t_commodity_base_info"
    assert set(_codes(com, "status")) == {4, 5}
    assert set(_codes(com, "mode")) == {0, 1}
    assert [v.split()[0] for v in _codes(com, "commodity_level").values()] == ["S", "A", "B"]
    assert _codes("luckyus_sales_payment.t_trade", "channel_id")[53] == "Apple Pay"


def test_units_where_they_matter() -> None:
    assert CAT.column("luckyus_sales_payment.t_trade", "amount").unit == "cents in currency_code"
    assert CAT.column("luckyus_sales_payment.t_channel_fee", "total_fee").unit == "cents in currency_code"
    assert CAT.column("luckyus_sales_order.t_order", "pay_money").unit == "dollars in currency_code"
    money = re.compile(r"(money|amount|fee|price|cost)$")
    for t in CAT.iter_tables():
        for c in t.columns:
            if money.search(c.name) and c.type.startswith(("DECIMAL", "BIGINT")):
                assert c.unit, f"{t.qualified}.{c.name} is money without a unit"


def test_pii_classes() -> None:
    pii = {f"{t.qualified}.{c.name}": c.pii for t in CAT.iter_tables() for c in t.columns if c.pii}
    assert set(pii.values()) <= set(PII_CLASSES)
    expected = {
        "luckyus_sales_crm.t_user.phone": "phone", "luckyus_sales_crm.t_user.email": "email",
        "luckyus_sales_crm.t_user.nick_name": "name", "luckyus_sales_crm.t_user_profile.birthday": "birthdate",
        "luckyus_sales_payment.t_user_channel.card_last4": "card",
        "luckyus_sales_payment.t_user.stripe_customer_id": "payment_ref",
        "luckyus_sales_payment.t_trade.third_trade_no": "payment_ref",
        "luckyus_scm_purchase.t_supplier.contact_phone": "phone",
    }
    for col, cls in expected.items():
        assert pii.get(col) == cls, col
    for t in CAT.iter_tables():
        if t.has_column("user_no"):
            assert t.column("user_no").pii == "user_id", t.qualified


def test_every_table_is_shop_scoped_or_deliberately_not() -> None:
    # Tables holding a shop_id column must say so; reference/user-level tables have no shop.
    for t in CAT.iter_tables():
        if t.has_column("shop_id"):
            assert t.shop_key == "shop_id", t.qualified
        path = CAT.shop_path(t.qualified)
        if t.shop_scope_via:
            assert path, t.qualified
    assert CAT.table("luckyus_opshop.t_shop_info").shop_key == "id"
    assert CAT.shop_path("luckyus_sales_payment.t_channel_fee") == [
        ("trade_id", "luckyus_sales_payment.t_trade.id")]
    assert CAT.shop_path("luckyus_sales_order.t_order_item") == [("order_id", "luckyus_sales_order.t_order.id")]


def test_required_joins() -> None:
    refs = {(f"{t.qualified}.{c.name}", r) for t in CAT.iter_tables() for c in t.columns for r in c.references}
    for pair in [
        ("luckyus_sales_order.t_order_item.order_id", "luckyus_sales_order.t_order.id"),
        ("luckyus_sales_order.t_order.shop_id", "luckyus_opshop.t_shop_info.id"),
        ("luckyus_sales_payment.t_trade.order_id", "luckyus_sales_order.t_order.id"),
        ("luckyus_sales_order.t_order.user_no", "luckyus_sales_crm.t_user.user_no"),
        ("luckyus_sales_payment.t_trade.channel_id", "luckyus_sales_payment.t_pay_channel.channel_id"),
    ]:
        assert pair in refs
