"""Reconciliation: every planted mismatch found, nothing else flagged, figures equal independent SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql


@pytest.fixture(scope="module")
def full(duck: Executor):
    return run(duck, "reconciliation", period="all")


def test_every_planted_shop_day_and_nothing_else(full, small_data: Path) -> None:
    facts = manifest(small_data)["reconciliation_mismatch"]["facts"]
    planted = {(f["business_date"], f["shop_id"]) for f in facts}
    found = {(f.keys["business_date"], f.keys["shop_id"]) for f in full.findings_of("recon_day_mismatch")}
    assert found == planted
    for f in facts:  # the amounts the tool reports are the planted ones
        got = next(x.keys for x in full.findings_of("recon_day_mismatch")
                   if (x.keys["business_date"], x.keys["shop_id"]) == (f["business_date"], f["shop_id"]))
        assert round(-got["payments_minus_orders"] * 100) == f["orders_minus_trades_cents"]
        assert round(-got["accounting_minus_orders"] * 100) == f["orders_minus_income_cents"]


def test_order_level_gaps_are_the_planted_orders(full, small_data: Path) -> None:
    facts = manifest(small_data)["reconciliation_mismatch"]["facts"]
    missing = {o for f in facts if f["cause"] == "missing_trade" for o in f["order_ids"]}
    off = {o: d for f in facts if f["cause"] == "trade_amount_off"
           for o, d in zip(f["order_ids"], f["trade_minus_order_cents"], strict=True)}
    assert {f.keys["order_id"] for f in full.findings_of("payment_missing")} == missing
    assert {f.keys["order_id"]: f.keys["diff_cents"] for f in full.findings_of("payment_amount_mismatch")} == off
    assert not full.findings_of("orphan_payment") and not full.findings_of("payment_for_unfinished_order")


def test_fee_records_match_the_manifest(full, small_data: Path) -> None:
    m = manifest(small_data)
    assert {f.keys["trade_id"] for f in full.findings_of("trade_without_fee")} == \
        {f["trade_id"] for f in m["trade_without_fee"]["facts"]}
    assert {f.keys["trade_id"] for f in full.findings_of("fee_without_trade")} == \
        {f["trade_id"] for f in m["fee_without_trade"]["facts"]}


def test_tolerance_is_honoured(duck: Executor, small_data: Path) -> None:
    facts = manifest(small_data)["reconciliation_mismatch"]["facts"]
    loose = run(duck, "reconciliation", period="all", tolerance=0.01)
    found = {(f.keys["business_date"], f.keys["shop_id"]) for f in loose.findings_of("recon_day_mismatch")}
    one_cent = {(f["business_date"], f["shop_id"]) for f in facts
                if max(abs(f["orders_minus_trades_cents"]), abs(f["orders_minus_income_cents"])) <= 1}
    assert one_cent, "the generator plants a 1-cent difference"
    assert found == {(f["business_date"], f["shop_id"]) for f in facts} - one_cent


def test_totals_equal_independent_sql(small_data: Path, duck: Executor) -> None:
    out = run(duck, "reconciliation", period="2026-01")
    orders = sql(duck, """
        SELECT SUM(o.pay_money) FROM luckyus_sales_order.t_order o
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE o.status = 90 AND o.currency_code = 'USD' AND s.test_flag = 0
          AND o.create_time >= TIMESTAMP '2026-01-01 05:00:00' AND o.create_time < TIMESTAMP '2026-02-01 05:00:00'
    """)[0][0]
    pays = sql(duck, """
        SELECT SUM(t.amount) / 100 FROM luckyus_sales_payment.t_trade t
        JOIN luckyus_sales_order.t_order o ON o.id = t.order_id
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE t.status IN (1, 2) AND o.status = 90 AND t.currency_code = 'USD' AND s.test_flag = 0
          AND o.create_time >= TIMESTAMP '2026-01-01 05:00:00' AND o.create_time < TIMESTAMP '2026-02-01 05:00:00'
    """)[0][0]
    income = sql(duck, """
        SELECT SUM(b.income_amount) FROM luckyus_ifiaccounting.t_acc_income_bill b
        JOIN luckyus_opshop.t_shop_info s ON s.id = b.shop_id
        WHERE b.currency_code = 'USD' AND s.test_flag = 0 AND b.business_date BETWEEN '2026-01-01' AND '2026-01-31'
    """)[0][0]
    assert out.headline["orders_total_usd"] == pytest.approx(float(orders), abs=0.005)
    assert out.headline["payments_total_usd"] == pytest.approx(float(pays), abs=0.005)
    assert out.headline["accounting_total_usd"] == pytest.approx(float(income), abs=0.005)


def test_fee_rate_per_channel_equals_sql(small_data: Path, duck: Executor) -> None:
    out = run(duck, "reconciliation", period="all")
    want = dict(sql(duck, """
        SELECT t.channel_id, ROUND(100.0 * SUM(f.total_fee) / SUM(f.amount), 3)
        FROM luckyus_sales_payment.t_trade t JOIN luckyus_sales_payment.t_channel_fee f ON f.trade_id = t.id
        JOIN luckyus_opshop.t_shop_info s ON s.id = t.shop_id
        WHERE t.status IN (1, 2, 3) AND t.currency_code = 'USD' AND s.test_flag = 0 GROUP BY t.channel_id
    """))
    got = {r["channel_id"]: r["effective_rate_pct"] for r in rows(out, "fees_by_channel")}
    assert got == pytest.approx({k: float(v) for k, v in want.items()}, abs=0.0011)


def test_nzd_is_reported_separately(duck: Executor) -> None:
    out = run(duck, "reconciliation", period="all", currency="all", include_test_shops=True)
    assert out.headline["orders_total_nzd"] > 0 and out.headline["orders_total_usd"] > 0
    assert {r["currency"] for r in rows(out, "store_days")} == {"USD", "NZD"}
    nzd_only = run(duck, "reconciliation", period="all", currency="NZD")
    assert "orders_total_usd" not in nzd_only.headline
    assert nzd_only.headline["orders_total_nzd"] == out.headline["orders_total_nzd"]


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    a = run(duck, "reconciliation", period="last 60 days", currency="all", include_test_shops=True)
    b = run(maria, "reconciliation", period="last 60 days", currency="all", include_test_shops=True)
    assert comparable(a) == comparable(b)
