"""Timezone hub: local-day closes against independent SQL, the planted UTC-day trap, currencies apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql


def test_yesterday_matches_the_timezone_trap(duck: Executor, small_data: Path) -> None:
    trap = manifest(small_data)["timezone_trap"]["facts"][0]
    out = run(duck, "timezone_hub", period="yesterday")
    ny = next(r for r in rows(out, "daily_close") if r["market"] == "America/New_York" and r["currency"] == "USD")
    assert ny["business_date"] == trap["business_date"]
    assert ny["orders_local_day"] == trap["orders_local_day"]
    assert ny["orders_utc_day"] == trap["orders_utc_day"]
    assert ny["orders_on_other_utc_day"] == trap["orders_on_next_utc_day"]
    assert ny["day_closes_at_utc"] == "2026-02-14 05:00"


def test_local_days_equal_independent_sql(duck: Executor) -> None:
    out = run(duck, "timezone_hub", period="2025-10-06..2025-10-12")
    want = {(tz, cur, str(d)): int(n) for tz, cur, d, n in sql(duck, """
        SELECT s.time_zone, o.currency_code, CAST(timezone(s.time_zone, timezone('UTC', o.create_time)) AS DATE) d,
               COUNT(*)
        FROM luckyus_sales_order.t_order o JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE o.status = 90 GROUP BY 1, 2, 3 HAVING d BETWEEN DATE '2025-10-06' AND DATE '2025-10-12'""")}
    got = {(r["market"], r["currency"], r["business_date"]): r["orders_local_day"] for r in rows(out, "daily_close")
           if r["orders_local_day"]}
    assert got == want
    assert {m for m, _, _ in want} >= {"America/New_York", "Pacific/Rarotonga"}


def test_currencies_never_summed(duck: Executor) -> None:
    out = run(duck, "timezone_hub", period="last 30 days")
    markets = rows(out, "markets")
    assert {(m["market"], m["currency"]) for m in markets} >= {("America/New_York", "USD"),
                                                               ("Pacific/Rarotonga", "NZD")}
    assert out.findings_of("currencies_separate")
    rarotonga = next(m for m in markets if m["market"] == "Pacific/Rarotonga" and m["currency"] == "NZD")
    assert rarotonga["test_market"] is True and rarotonga["share_pct"] > 0  # UTC-10: afternoons roll over


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "timezone_hub", period="last 30 days")) == \
        comparable(run(maria, "timezone_hub", period="last 30 days"))
