"""Tenant audit: the planted USD-labelled Cook Islands orders, every related row, the contamination size."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, run, sql


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "tenant_audit")


def test_mislabelled_orders_found_exactly(out, small_data: Path) -> None:
    planted = {f["order_id"] for f in manifest(small_data)["currency_mislabel"]["facts"]}
    got = {i for f in out.findings_of("currency_mismatch") if f.keys["table"] == "luckyus_sales_order.t_order"
           for i in f.keys["ids"]}
    assert got == planted
    assert out.headline["test_shop_usd_orders"] == len(planted)
    amount = sum(f["pay_money"] for f in manifest(small_data)["currency_mislabel"]["facts"] if f["status"] == 90)
    assert out.headline["test_shop_usd_amount"] == pytest.approx(amount, abs=0.005)


def test_every_other_mismatch_belongs_to_a_planted_order(out, small_data: Path, duck: Executor) -> None:
    planted = [f["order_id"] for f in manifest(small_data)["currency_mislabel"]["facts"]]
    marks = ",".join("?" * len(planted))
    trades = {r[0] for r in sql(duck, f"SELECT id FROM luckyus_sales_payment.t_trade WHERE order_id IN ({marks})",
                                planted)}
    bill_days = {(r[0], str(r[1])) for r in sql(duck, f"""
        SELECT o.shop_id, CAST(timezone(s.time_zone, timezone('UTC', o.create_time)) AS DATE)
        FROM luckyus_sales_order.t_order o JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE o.id IN ({marks})""", planted)}
    for f in out.findings_of("tenant_mismatch") + out.findings_of("currency_mismatch"):
        table, ids = f.keys["table"], set(f.keys["ids"])
        if table == "luckyus_sales_order.t_order":
            assert ids <= set(planted)
        elif table == "luckyus_sales_payment.t_trade":
            assert ids <= trades
        elif table == "luckyus_ifiaccounting.t_acc_income_bill":
            marks_b = ",".join("?" * len(ids))
            days = {(r[0], str(r[1])) for r in sql(duck, "SELECT shop_id, business_date FROM "
                                                   f"luckyus_ifiaccounting.t_acc_income_bill WHERE id IN ({marks_b})",
                                                   sorted(ids))}
            assert days <= bill_days
        else:
            pytest.fail(f"unexpected mismatch in {table}")
    assert not out.findings_of("unknown_tenant") and not out.findings_of("unknown_shop")


def test_nzd_share_equals_sql(out, duck: Executor) -> None:
    (nzd, total), = sql(duck, "SELECT SUM(CASE WHEN currency_code = 'NZD' THEN 1 ELSE 0 END), COUNT(*) "
                              "FROM luckyus_sales_order.t_order WHERE status = 90")
    assert out.headline["nzd_completed_orders"] == nzd
    assert out.headline["nzd_pct_of_completed"] == round(100 * nzd / total, 2)


def test_tenant_counts_cover_every_tenant_table(out, duck: Executor) -> None:
    n, = sql(duck, "SELECT COUNT(*) FROM luckyus_sales_order.t_order WHERE tenant = 'LKCK'")[0]
    dist = {(r[0], r[1]): r[2] for r in out.tables[0].rows}
    assert dist[("luckyus_sales_order.t_order", "LKCK")] == n
    assert out.headline["tables_checked"] == 9 and out.headline["status"] == "FAIL"


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "tenant_audit")) == comparable(run(maria, "tenant_audit"))
