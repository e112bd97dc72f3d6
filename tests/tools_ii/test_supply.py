"""Staffing, inventory and suppliers: planted stock events and supplier facts found, figures vs SQL."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from app.executor import Executor
from tests.tools_ii.conftest import Runner
from tests.tools_ii.helpers import planted, rows, scalar
from tools.t15_staffing import staff_for

FILTER = ("o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN "
          "(SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")
NY = "CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')"


# ----------------------------------------------------------------------------- staffing
def test_staffing_history_demand_matches_sql_and_what_if_adds_staff(duck_tool: Runner, duck: Executor) -> None:
    base = duck_tool("staffing", store="8th & Broadway")
    more = duck_tool("staffing", store="8th & Broadway", uplift_pct=20)
    cell = next(c for c in rows(base, "cells") if c["store"] == "8th & Broadway" and c["date"] == "2026-02-16"
                and c["hour"] == 8)
    # history: the 8 weeks 2025-12-20 .. 2026-02-13; Mondays traded by the store in that window
    n = scalar(duck, f"""SELECT COUNT(*) FROM luckyus_sales_order.t_order o JOIN luckyus_opshop.t_shop_info s
        ON s.id = o.shop_id WHERE {FILTER} AND s.shop_name = '8th & Broadway' AND WEEKDAY({NY}) = 0
        AND HOUR({NY}) = 8 AND o.create_time >= '2025-12-20 05:00:00' AND o.create_time < '2026-02-14 05:00:00'""")
    days = scalar(duck, f"""SELECT COUNT(DISTINCT DATE({NY})) FROM luckyus_sales_order.t_order o
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id WHERE {FILTER} AND s.shop_name = '8th & Broadway'
        AND WEEKDAY({NY}) = 0 AND o.create_time >= '2025-12-20 05:00:00' AND o.create_time < '2026-02-14 05:00:00'""")
    assert cell["history_orders"] == pytest.approx(n / days, abs=1e-6)
    secs = next(r for r in rows(base, "stores") if r["store"] == "8th & Broadway")["seconds_per_order"]
    assert cell["staff"] == staff_for(cell["orders"], secs, 0.75, 1, trading=True)
    assert all(c["staff"] >= 1 for c in rows(base, "cells") if c["history_orders"] > 0 or c["source"] == "forecast")
    assert more.headline["staff_hours_whatif"] >= base.headline["staff_hours"]
    assert more.headline["extra_staff_hours"] == more.headline["staff_hours_whatif"] - more.headline["staff_hours"]
    grid = rows(more, "schedule_grid 8th & Broadway")
    assert grid and all(math.isclose(r["Mon_orders"], round(r["Mon_orders"], 1)) for r in grid)


def test_staffing_uses_the_latest_forecast_run_where_there_is_one(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("staffing", week_start="2026-02-09")
    fc = [c for c in rows(out, "cells") if c["source"] == "forecast"]
    assert fc, "the forecast table covers 2026-02-09..15 and must be used"
    c = fc[0]
    latest = scalar(duck, f"""SELECT f.pred_order_cnt FROM luckyus_ireplenishment.t_order_predict_alg_v2 f
        JOIN luckyus_opshop.t_shop_info s ON s.id = f.shop_id WHERE s.shop_name = '{c['store']}'
        AND f.pred_date = '{c['date']}' AND f.pred_hour = {c['hour']} ORDER BY f.create_time DESC LIMIT 1""")
    assert c["orders"] == pytest.approx(float(latest), abs=1e-6)


# ----------------------------------------------------------------------------- inventory
def test_every_planted_stockout_and_only_real_zero_days(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("inventory", days=240)
    events = out.findings_of("stockout")
    days = {(f.keys["shop_id"], f.keys["goods_code"], d) for f in events
            for d in _dates(f.keys["first_date"], f.keys["last_date"])}
    plants = planted(facts, "stockout")
    want = {(p["shop_id"], p["goods_code"], d) for p in plants for d in p["stockout_dates"]}
    assert want and want <= days
    other = facts["stockout"].get("other_zero_stock_days", facts.get("stockout_other_days"))
    if other is not None:  # every other zero-stock day the generator counted (it skips the planted pairs)
        pairs = {(p["shop_id"], p["goods_code"]) for p in plants}
        assert len({d for d in days if d[:2] not in pairs}) == other


def _dates(a: str, b: str) -> list[str]:
    d0, d1 = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    return [(d0 + dt.timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def test_overstock_and_consumption_anomalies_are_exactly_the_planted(duck_tool: Runner,
                                                                     facts: dict[str, Any]) -> None:
    out = duck_tool("inventory", days=240)
    over = {(f.keys["shop_id"], f.keys["goods_code"], f.keys["receipt_date"]) for f in out.findings_of("overstock")}
    assert over == {(p["shop_id"], p["goods_code"], p["receipt_date"]) for p in planted(facts, "overstock")}
    anom = {(f.keys["shop_id"], f.keys["goods_code"], f.keys["biz_date"])
            for f in out.findings_of("consumption_anomaly")}
    assert anom == {(p["shop_id"], p["goods_code"], p["biz_date"]) for p in planted(facts, "consumption_anomaly")}


def test_days_of_supply_matches_sql(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("inventory", days=240)
    g = next(r for r in rows(out, "days_of_supply") if r["daily_use"] and r["days_of_supply"])
    used = scalar(duck, " + ".join(
        f"""(SELECT COALESCE(-SUM(c.change_qty), 0) FROM luckyus_scm_shopstock.t_shop_goods_stock_change_{d} c
             JOIN luckyus_opshop.t_shop_info s ON s.id = c.shop_id JOIN (SELECT goods_code, MAX(goods_name) AS n
             FROM luckyus_scm_shopstock.t_shop_goods_stock GROUP BY goods_code) gn ON gn.goods_code = c.goods_code
             WHERE s.shop_name = '{g['store']}' AND gn.n = '{g['goods_name']}' AND c.change_type = 1
             AND c.biz_date >= '2026-01-31' AND c.biz_date <= '2026-02-13')"""
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")).join(["SELECT ", ""]))
    assert g["daily_use"] == pytest.approx(float(used) / 14, abs=1e-5)
    assert g["days_of_supply"] == pytest.approx(g["stock"] / g["daily_use"], rel=1e-4)


# ----------------------------------------------------------------------------- suppliers
def test_late_supplier_and_overdue_deliveries_are_the_planted(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("suppliers")
    (late,) = planted(facts, "late_supplier")
    assert {f.keys["supplier_id"] for f in out.findings_of("late_supplier")} == {late["supplier_id"]}
    row = next(r for r in rows(out, "scorecard") if r["supplier"] == late["supplier_name"])
    assert (row["arrived"], row["late"]) == (late["arrived_shipments"], late["late_shipments"])
    assert {f.keys["ship_no"] for f in out.findings_of("overdue_delivery")} == \
        {p["ship_no"] for p in planted(facts, "overdue_delivery")}


def test_price_rise_found_when_observable_and_never_elsewhere(duck_tool: Runner, duck: Executor,
                                                              facts: dict[str, Any]) -> None:
    out = duck_tool("suppliers")
    (rise,) = planted(facts, "supplier_price_increase")
    found = {f.keys["supplier_id"] for f in out.findings_of("price_increase")}
    assert found <= {rise["supplier_id"]}
    lines = scalar(duck, f"""SELECT COUNT(*) FROM luckyus_scm_purchase.t_purchase_order_item i
        JOIN luckyus_scm_purchase.t_purchase_order p ON p.po_no = i.po_no
        WHERE p.supplier_id = {rise['supplier_id']} AND p.status NOT IN (1, 5)""")
    if lines >= 12:  # enough lines on both sides of the rise to test it
        assert found == {rise["supplier_id"]}


def test_supplier_on_time_rate_matches_sql(duck_tool: Runner, duck: Executor) -> None:
    arrived, late = duck.run("""SELECT COUNT(*), SUM(CASE WHEN arrival_date > expected_arrival_date THEN 1 ELSE 0 END)
        FROM luckyus_scm_purchase.t_ship_order WHERE arrival_date IS NOT NULL""").rows[0]
    out = duck_tool("suppliers")
    assert out.headline["arrived"] == arrived and out.headline["late"] == int(late)
