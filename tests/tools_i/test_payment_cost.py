"""Payment channel cost: per-channel figures equal independent SQL, the what-if arithmetic, same on MariaDB."""

from __future__ import annotations

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, rows, run, sql
from tools.t08_payment_cost import what_if


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "payment_cost", period="all")


def test_channels_equal_independent_sql(out, duck: Executor) -> None:
    want = {int(c): (int(n), round(float(a), 2), round(float(f or 0), 2)) for c, n, a, f in sql(duck, """
        SELECT t.channel_id, COUNT(*), SUM(t.amount) / 100.0, SUM(f.total_fee) / 100.0
        FROM luckyus_sales_payment.t_trade t
        JOIN luckyus_opshop.t_shop_info s ON s.id = t.shop_id
        LEFT JOIN luckyus_sales_payment.t_channel_fee f ON f.trade_id = t.id
        WHERE t.status IN (1, 2, 3) AND t.currency_code = 'USD' AND s.test_flag = 0
        GROUP BY t.channel_id""")}
    got = {r["channel_id"]: (r["trades"], r["revenue"], r["total_fee"]) for r in rows(out, "channels")}
    assert got == want
    ranked = [r["effective_rate_pct"] for r in rows(out, "channels")]
    assert ranked == sorted(ranked, reverse=True) and rows(out, "channels")[0]["rank"] == 1


def test_what_if_is_share_times_rate_difference_per_year(out) -> None:
    ch = {r["channel_id"]: r for r in rows(out, "channels")}
    apple, debit = ch[53], ch[3]
    scenario = rows(out, "what_if")[0]
    # rates from the table (fee / fee base); moved volume priced at debit's rate, annualised over active days
    moved = 0.1 * apple["revenue"]
    saved = 0.1 * apple["total_fee"] - moved * debit["effective_rate_pct"] / 100
    assert scenario["volume_moved"] == pytest.approx(moved, abs=0.01)
    assert scenario["savings_per_year"] == pytest.approx(saved * 365 / out.headline["active_days"], rel=0.01)
    assert out.headline["what_if_savings_per_year"] == scenario["savings_per_year"] > 0


def test_what_if_unit() -> None:
    chans = {53: {"channel_name": "A", "amount": 1000.0, "fee_base": 1000.0, "total_fee": 30.0, "effective_rate": 0.03},
             3: {"channel_name": "D", "amount": 500.0, "fee_base": 500.0, "total_fee": 5.0, "effective_rate": 0.01}}
    s = what_if(chans, 53, 3, 0.1, 365)
    assert s["volume_moved"] == 100.0 and s["savings_per_year"] == pytest.approx(2.0)


def test_fees_follow_contract_terms(out) -> None:
    # the generator charges exactly the contract terms of t_pay_channel: no channel may be flagged
    assert not out.findings_of("fee_off_contract")
    assert out.findings_of("most_expensive_channel")[0].keys["channel_id"] == rows(out, "channels")[0]["channel_id"]


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "payment_cost", period="last 90 days")) == \
        comparable(run(maria, "payment_cost", period="last 90 days"))
