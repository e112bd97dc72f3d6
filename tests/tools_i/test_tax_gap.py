"""Tax gap: the planted missing/zero-tax orders exactly, the monthly figures against independent SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "tax_gap", period="all")


@pytest.mark.parametrize("kind", ["missing_tax", "zero_tax"])
def test_planted_orders_found_exactly(out, small_data: Path, kind: str) -> None:
    fact = manifest(small_data)[kind]
    assert {f.keys["order_id"] for f in out.findings_of(kind)} == {f["order_id"] for f in fact["facts"]}
    assert round(sum(f.keys["gap"] for f in out.findings_of(kind)) * 100) == fact["expected_tax_cents"]


def test_no_other_order_has_a_gap(out) -> None:
    kinds = {f.kind for f in out.findings}
    assert kinds <= {"fi_tax_empty", "missing_tax", "zero_tax"}
    assert out.findings_of("fi_tax_empty")[0].severity == "critical" and out.headline["fi_tax_rows"] == 0


def test_monthly_collected_and_expected_equal_sql(out, duck: Executor) -> None:
    want = {m: (round(float(c), 2), round(float(e), 2)) for m, c, e in sql(duck, """
        SELECT strftime(timezone('America/New_York', timezone('UTC', o.create_time)), '%Y-%m') AS m,
               SUM(COALESCE(i.tax, 0)), SUM(ROUND(i.pay_money * 0.08875, 2))
        FROM luckyus_sales_order.t_order_item i JOIN luckyus_sales_order.t_order o ON o.id = i.order_id
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE o.status = 90 AND o.currency_code = 'USD' AND s.test_flag = 0 AND i.tax_mode = 1
        GROUP BY m""")}
    got = {r["month"]: (r["tax_collected"], r["tax_expected"]) for r in rows(out, "monthly_summary")}
    assert got == want


def test_rate_is_a_setting(duck: Executor) -> None:
    half = run(duck, "tax_gap", period="2025-10", rate=0.04)
    full = run(duck, "tax_gap", period="2025-10")
    assert half.headline["tax_expected"] < full.headline["tax_expected"]
    assert half.headline["rate_pct"] == 4.0 and half.findings_of("over_tax")  # collected at 8.875 % > 4 %


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "tax_gap", period="all")) == comparable(run(maria, "tax_gap", period="all"))
