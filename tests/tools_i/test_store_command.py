"""Store command center: figures against independent SQL, lights follow thresholds, the age-fair ranking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql
from tools.t13_store_command import age_curve, light_high, light_low


@pytest.fixture(scope="module")
def week(duck: Executor):
    return run(duck, "store_command", period="last 7 days")


def test_orders_and_revenue_equal_sql(week, duck: Executor) -> None:
    want = {int(s): (int(n), round(float(r), 2)) for s, n, r in sql(duck, """
        SELECT o.shop_id, COUNT(*), SUM(o.pay_money) FROM luckyus_sales_order.t_order o
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id
        WHERE o.status = 90 AND o.currency_code = 'USD' AND s.test_flag = 0
          AND o.create_time >= TIMESTAMP '2026-02-07 05:00:00' AND o.create_time < TIMESTAMP '2026-02-14 05:00:00'
        GROUP BY o.shop_id""")}
    got = {r["shop_id"]: (r["orders"], r["revenue"]) for r in rows(week, "scorecard") if r["orders"]}
    assert got == want


def test_lights_follow_the_thresholds(week) -> None:
    for r in rows(week, "scorecard"):
        assert r["light_production"] == light_low(r["avg_production_s"], 240, 300)
        assert r["light_uptime"] == light_high(r["machine_uptime_pct"], 90, 70)
        assert r["light_orders"] == light_high(r["orders_per_hour_vs_baseline_pct"], 90, 75)
    strict = [c.keys["shop_id"] for c in week.findings_of("store_kpi_red")]
    assert all(any(r[k] == "red" for k in r if k.startswith("light_")) for r in rows(week, "scorecard")
               if r["shop_id"] in strict)


def test_uptime_drops_where_a_machine_went_offline(week, small_data: Path) -> None:
    outage_shops = {f["shop_id"] for f in manifest(small_data)["device_offline"]["facts"]}
    for r in rows(week, "scorecard"):
        if r["shop_id"] in outage_shops:
            assert r["machine_uptime_pct"] < 100
    assert any(r["machine_uptime_pct"] == 100 for r in rows(week, "scorecard") if r["shop_id"] not in outage_shops)


def test_age_curve_is_the_median_of_stores_at_the_same_age() -> None:
    opened = {1: dt.date(2025, 7, 1), 2: dt.date(2025, 9, 1), 3: dt.date(2025, 11, 3)}
    hist = [{"shop_id": s, "d": (o + dt.timedelta(days=i)).isoformat(), "orders": n}
            for s, o in opened.items() for i, n in enumerate([10, 20] if s != 3 else [40, 40])]
    assert age_curve(hist, opened) == {0: 15.0}  # week 0 means 15, 15, 40 -> median 15


def test_ranking_is_age_fair(week) -> None:
    ranked = [r for r in rows(week, "scorecard") if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r["age_fair_index"] for r in ranked] == sorted((r["age_fair_index"] for r in ranked), reverse=True)


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "store_command", period="last week")) == \
        comparable(run(maria, "store_command", period="last week"))


def test_today_has_no_data_yet(duck: Executor) -> None:
    from tools.common import ToolInputError

    with pytest.raises(ToolInputError, match="no data"):
        run(duck, "store_command", period="today")
    week = run(duck, "store_command", period="this week")  # Mon..Sat: scored up to yesterday, no false reds
    assert not week.findings_of("store_kpi_red") or all(
        "orders" not in f.keys["red"] for f in week.findings_of("store_kpi_red"))
