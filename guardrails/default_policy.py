"""The policy ``check`` uses when none is given: the shipped catalog, or the schema contract as a fallback.

Until ``schema_catalog/catalog/`` exists the guard must still know which Luckin columns are
personal, so this module keeps a PII map for the schema contract (``app/dataset/schema.py``). When
the catalog loads, its PII classes are the truth; ``tests/guardrails/test_policy.py`` checks that it
marks at least the columns marked here.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from guardrails.policy import CatalogPolicy, ShopVia, TablePolicy

log = logging.getLogger(__name__)

# (database, table, column) -> PII class, for columns whose name alone does not say it.
LUCKIN_PII: dict[tuple[str, str, str], str] = {
    ("luckyus_sales_crm", "t_user", "phone"): "phone",
    ("luckyus_sales_crm", "t_user", "email"): "email",
    ("luckyus_sales_crm", "t_user", "nick_name"): "name",
    ("luckyus_sales_crm", "t_user_profile", "birthday"): "birthdate",
    ("luckyus_sales_payment", "t_user", "email"): "email",
    ("luckyus_sales_payment", "t_user", "stripe_customer_id"): "payment_ref",
    ("luckyus_sales_payment", "t_user_channel", "card_last4"): "card",
    ("luckyus_sales_payment", "t_trade", "third_trade_no"): "payment_ref",
    ("luckyus_scm_purchase", "t_supplier", "contact_name"): "name",
    ("luckyus_scm_purchase", "t_supplier", "contact_phone"): "phone",
    ("luckyus_scm_purchase", "t_supplier", "contact_email"): "email",
}
# Every ``user_no`` is a customer's number: hashed on output, groupable.
USER_ID_COLUMNS = frozenset({"user_no"})

# Tables with no shop column that reach one through a key (row-level scope follows the key).
LUCKIN_SHOP_VIA: dict[tuple[str, str], str] = {
    ("luckyus_sales_order", "t_order_item"): "order_id -> luckyus_sales_order.t_order.id",
    ("luckyus_sales_order", "t_order_amount"): "order_id -> luckyus_sales_order.t_order.id",
    ("luckyus_sales_order", "t_order_oper_history"): "order_id -> luckyus_sales_order.t_order.id",
    ("luckyus_sales_payment", "t_channel_fee"): "trade_id -> luckyus_sales_payment.t_trade.id",
    ("luckyus_opproduction", "t_commodity"): "production_id -> luckyus_opproduction.t_production.id",
    ("luckyus_scm_purchase", "t_purchase_order_item"): "po_no -> luckyus_scm_purchase.t_purchase_order.po_no",
}

_GUESS = [
    (re.compile(r"(^|_)(phone|mobile|tel|telephone|cell|cellphone)(_?(no|number|num))?$"), "phone"),
    (re.compile(r"(^|_)e?mail(_?addr(ess)?)?$"), "email"),
    (re.compile(r"^(first|last|full|nick|contact|given|family|sur)_?name$"), "name"),
    (re.compile(r"(^|_)(birthday|birth_?date|dob|date_of_birth)$"), "birthdate"),
    (re.compile(r"(^|_)(card_?(no|number|last4)|pan|iban)$"), "card"),
    (re.compile(r"(^|_)(home_address|street|street_address)$"), "address"),
    (re.compile(r"(^|_)(ssn|social_security|passport(_no)?)$"), "payment_ref"),
]


def guess_pii_class(column: str) -> str | None:
    """A PII class from a column name alone (for introspected databases without a reviewed catalog)."""
    low = column.lower()
    for pattern, cls in _GUESS:
        if pattern.search(low):
            return cls
    return None


def policy_from_schema() -> CatalogPolicy:
    """The schema contract with the PII map above, shop keys and full-scale row counts."""
    from app.dataset.schema import T

    tables: list[TablePolicy] = []
    for t in T:
        names = tuple(c.name for c in t.columns)
        pii = {c: LUCKIN_PII[(t.database, t.name, c)] for c in names if (t.database, t.name, c) in LUCKIN_PII}
        pii.update({c: "user_id" for c in names if c in USER_ID_COLUMNS})
        shop_key = None
        if t.qualified == "luckyus_opshop.t_shop_info":
            shop_key = "id"
        elif "shop_id" in names:
            shop_key = "shop_id"
        via = LUCKIN_SHOP_VIA.get((t.database, t.name))
        tables.append(TablePolicy(
            database=t.database, name=t.name, columns=names, types=tuple(c.type for c in t.columns),
            pii=pii, shop_key=shop_key,
            shop_via=ShopVia.parse(via) if via else None, rows=t.full_rows))
    return CatalogPolicy(tables=tuple(tables), default_db=None, name="schema.py")


@lru_cache(maxsize=1)
def default_policy() -> CatalogPolicy:
    """The shipped catalog's policy when ``schema_catalog.load_catalog`` works, else the schema contract's.

    Built once per process (the check's p50 budget is 2 ms; building a policy costs far more).
    """
    try:
        from schema_catalog import load_catalog
    except ImportError:
        return policy_from_schema()
    try:
        catalog = load_catalog()
    except (OSError, ValueError) as err:  # no catalog files yet, or one that does not validate
        log.warning("guardrails: catalog not usable (%s); using the schema contract's PII map", err)
        return policy_from_schema()
    from guardrails.policy import policy_from_catalog

    return policy_from_catalog(catalog, name="catalog")
