"""Seed tool 15: hourly demand per store turned into staff-hours, a weekly grid and a what-if.

Demand for each store, weekday and hour of the week to plan is the replenishment system's own
prediction (``luckyus_ireplenishment.t_order_predict_alg_v2``, the latest run for each store, date
and hour) where it exists, otherwise the
store's history: average completed orders in that weekday-hour over the last ``history_weeks``
weeks (per day the store traded). Staff needed in an hour = ceil(orders × production seconds per
order ÷ 3600 ÷ target utilisation), at least ``min_staff`` while the store trades; production
seconds per order is the store's average ``accept → done`` time over the same weeks (≤ 1800 s). A
weekday-hour counts as trading when the store took orders in it in the history or the forecast
plans for it.
The what-if scales demand by ``uplift_pct`` and reports the extra staff-hours it needs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from pydantic import Field

from tools.base import ToolContext, ToolInput, ToolOutput
from tools.common import ToolInputError, all_shops, chart, table
from tools.common2 import (
    LOCAL_TS,
    ORDER_FILTER,
    ORDER_FILTER_TEXT,
    PROD_CAP_S,
    PROD_SECONDS,
    PROD_VALID,
    as_date,
    rows,
    utc_bounds,
)
from tools.registry import tool

_DEMAND = f"""
SELECT o.shop_id, WEEKDAY({LOCAL_TS}) AS wd, HOUR({LOCAL_TS}) AS hr, COUNT(*) AS orders
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY o.shop_id, WEEKDAY({LOCAL_TS}), HOUR({LOCAL_TS})
ORDER BY o.shop_id, wd, hr
"""

_TRADING_DAYS = f"""
SELECT o.shop_id, WEEKDAY({LOCAL_TS}) AS wd, COUNT(DISTINCT DATE({LOCAL_TS})) AS days
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY o.shop_id, WEEKDAY({LOCAL_TS})
ORDER BY o.shop_id, wd
"""

_PRODUCTION = f"""
SELECT p.shop_id, AVG({PROD_SECONDS}) AS seconds, COUNT(*) AS productions
FROM luckyus_opproduction.t_production AS p
WHERE {PROD_VALID} AND {PROD_SECONDS} <= {PROD_CAP_S} AND p.create_time >= :lo AND p.create_time < :hi
GROUP BY p.shop_id
ORDER BY p.shop_id
"""

_FORECAST = """
SELECT f.shop_id, f.pred_date, f.pred_hour, MAX(f.pred_order_cnt) AS orders
FROM luckyus_ireplenishment.t_order_predict_alg_v2 AS f
JOIN (SELECT shop_id, pred_date, pred_hour, MAX(create_time) AS run
      FROM luckyus_ireplenishment.t_order_predict_alg_v2
      WHERE pred_date >= :d0 AND pred_date <= :d1
      GROUP BY shop_id, pred_date, pred_hour) AS latest
  ON latest.shop_id = f.shop_id AND latest.pred_date = f.pred_date AND latest.pred_hour = f.pred_hour
 AND latest.run = f.create_time
WHERE f.pred_date >= :d0 AND f.pred_date <= :d1
GROUP BY f.shop_id, f.pred_date, f.pred_hour
ORDER BY f.shop_id, f.pred_date, f.pred_hour
"""

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class StaffingInput(ToolInput):
    week_start: dt.date | None = Field(None, description="Monday of the week to plan (default: the coming Monday)")
    store: str | None = Field(None, description="Store name for the schedule grid (default: the busiest store)")
    uplift_pct: float = Field(0.0, ge=-90, le=500, description="What-if: change in orders, e.g. 20 for +20 %")
    history_weeks: int = Field(8, ge=1, le=26, description="Weeks of history behind the averages")
    utilisation: float = Field(0.75, gt=0.1, le=1.0, description="Target share of staff time spent making orders")
    min_staff: int = Field(1, ge=0, le=10, description="Staff on duty in every trading hour")


def staff_for(orders: float, seconds: float, utilisation: float, min_staff: int, trading: bool = True) -> int:
    """Staff needed in one hour: ``orders`` × ``seconds`` of production work, at least ``min_staff`` while trading."""
    need = math.ceil(max(orders, 0.0) * seconds / 3600.0 / utilisation - 1e-9)
    return max(min_staff, need) if trading else need


def plan(ctx: ToolContext, args: StaffingInput, week: dt.date) -> dict[str, Any]:
    """Demand and staff per store × day × hour for the week, baseline and what-if."""
    hist_end = min(week - dt.timedelta(days=1), ctx.today - dt.timedelta(days=1))
    hist_start = hist_end - dt.timedelta(days=7 * args.history_weeks - 1)
    lo, hi = utc_bounds(hist_start, hist_end)
    demand: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    days = {(int(r["shop_id"]), int(r["wd"])): int(r["days"]) for r in rows(ctx, _TRADING_DAYS, lo=lo, hi=hi)}
    for r in rows(ctx, _DEMAND, lo=lo, hi=hi):
        s, wd, hr = int(r["shop_id"]), int(r["wd"]), int(r["hr"])
        demand[s][(wd, hr)] = int(r["orders"]) / max(days.get((s, wd), 1), 1)
    secs = {int(r["shop_id"]): float(r["seconds"]) for r in rows(ctx, _PRODUCTION, lo=lo, hi=hi)}
    chain_secs = sum(secs.values()) / len(secs) if secs else 220.0
    fc: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    for r in rows(ctx, _FORECAST, d0=week, d1=week + dt.timedelta(days=6)):
        d = as_date(r["pred_date"])
        fc[int(r["shop_id"])][((d - week).days, int(r["pred_hour"]))] = float(r["orders"])
    factor = 1 + args.uplift_pct / 100.0
    cells = []
    for s in sorted(demand):
        sec = secs.get(s, chain_secs)
        hours = sorted({h for (_wd, h), v in demand[s].items() if v > 0} | {h for (_d, h) in fc.get(s, {})})
        for wd in range(7):
            for h in hours:
                hist = demand[s].get((wd, h), 0.0)
                pred = fc.get(s, {}).get((wd, h))
                base = pred if pred is not None else hist
                trading = hist > 0 or pred is not None  # the store took orders in this weekday-hour or plans to
                cells.append({"shop_id": s, "day": wd, "date": week + dt.timedelta(days=wd), "hour": h,
                              "history_orders": hist, "forecast_orders": pred, "orders": base,
                              "source": "forecast" if pred is not None else "history", "seconds": sec,
                              "staff": staff_for(base, sec, args.utilisation, args.min_staff, trading),
                              "staff_whatif": staff_for(base * factor, sec, args.utilisation, args.min_staff,
                                                        trading)})
    return {"cells": cells, "history": (hist_start, hist_end), "seconds": secs}


@tool(name="staffing", title="Dynamic staffing optimizer", department="Operations", seed_tool=15,
      input_model=StaffingInput,
      examples=("How many staff do we need next week at 8th & Broadway?", "What if orders rise 20 %?"),
      keywords=("staff", "staffing", "schedule", "labor", "shift", "hours", "what-if", "demand"))
def staffing(ctx: ToolContext, args: StaffingInput) -> ToolOutput:
    """Predicts hourly demand per store for a week (the replenishment forecast, else history), turns it
    into staff per hour with the production-time benchmark, lays out a weekly schedule grid and
    answers a what-if such as "+20 % orders"."""
    week = args.week_start or (ctx.today + dt.timedelta(days=(7 - ctx.today.weekday()) % 7 or 7))
    if week.weekday() != 0:
        raise ToolInputError(f"week_start must be a Monday; {week} is a {DAYS[week.weekday()]}.")
    shops = {s.id: s for s in all_shops(ctx)}
    p = plan(ctx, args, week)
    cells = p["cells"]
    per: dict[int, dict[str, Any]] = {}
    for c in cells:
        d = per.setdefault(c["shop_id"], {"shop_id": c["shop_id"], "store": shops[c["shop_id"]].name
                                          if c["shop_id"] in shops else str(c["shop_id"]),
                                          "orders": 0.0, "staff_hours": 0, "staff_hours_whatif": 0, "peak_staff": 0,
                                          "peak": "", "forecast_hours": 0, "seconds_per_order": c["seconds"]})
        d["orders"] += c["orders"]
        d["staff_hours"] += c["staff"]
        d["staff_hours_whatif"] += c["staff_whatif"]
        d["forecast_hours"] += c["source"] == "forecast"
        if c["staff"] > d["peak_staff"]:
            d["peak_staff"], d["peak"] = c["staff"], f"{DAYS[c['day']]} {c['hour']:02d}:00"
    stores = sorted(per.values(), key=lambda d: -d["orders"])
    for d in stores:
        d["extra_staff_hours"] = d["staff_hours_whatif"] - d["staff_hours"]
    if args.store:
        want = args.store.strip().lower()
        match = [d for d in stores if d["store"].lower() == want] or [d for d in stores if want in d["store"].lower()]
        if len(match) != 1:
            names = [d["store"] for d in stores]
            raise ToolInputError(f"Choose one store for the grid: {', '.join(names)}.", names)
        focus = match[0]
    elif stores:
        focus = stores[0]
    else:
        raise ToolInputError("No store traded in the history window; nothing to plan.")
    grid: dict[int, dict[str, Any]] = {}
    for c in cells:
        if c["shop_id"] != focus["shop_id"]:
            continue
        row = grid.setdefault(c["hour"], {"hour": f"{c['hour']:02d}:00"})
        row[DAYS[c["day"]]] = c["staff_whatif"] if args.uplift_pct else c["staff"]
        row[DAYS[c["day"]] + "_orders"] = round(c["orders"] * (1 + args.uplift_pct / 100.0), 1)
    grid_rows = [grid[h] for h in sorted(grid)]
    tot_h = sum(d["staff_hours"] for d in stores)
    tot_w = sum(d["staff_hours_whatif"] for d in stores)
    hs, he = p["history"]
    summary = (f"Week of {week}: {sum(d['orders'] for d in stores):,.0f} orders expected across {len(stores)} stores, "
               f"{tot_h:,} staff-hours at {int(args.utilisation * 100)} % utilisation "
               f"(history {hs}..{he}; forecast used for {sum(d['forecast_hours'] for d in stores)} store-hours). "
               f"Busiest: {focus['store']}, peak {focus['peak_staff']} staff ({focus['peak']}).")
    if args.uplift_pct:
        summary += (f" What-if {args.uplift_pct:+g} % orders: {tot_w:,} staff-hours "
                    f"({tot_w - tot_h:+,}, {100 * (tot_w - tot_h) / tot_h if tot_h else 0:+.1f} %).")
    long = [{"store": per[c["shop_id"]]["store"], "slot": f"{DAYS[c['day']]} {c['hour']:02d}", "staff": c["staff"]}
            for c in cells if c["shop_id"] == focus["shop_id"]]
    return ToolOutput(
        tool="staffing", title="Dynamic staffing optimizer", summary=summary,
        headline={"week_start": week.isoformat(), "stores": len(stores), "staff_hours": tot_h,
                  "staff_hours_whatif": tot_w, "extra_staff_hours": tot_w - tot_h, "uplift_pct": args.uplift_pct,
                  "grid_store": focus["store"]},
        tables=[table("stores", stores, ["store", "orders", "staff_hours", "staff_hours_whatif", "extra_staff_hours",
                                         "peak_staff", "peak", "seconds_per_order", "forecast_hours"]),
                table(f"schedule_grid {focus['store']}", grid_rows),
                table("cells", [{**c, "store": per[c["shop_id"]]["store"]} for c in cells],
                      ["store", "date", "hour", "history_orders", "forecast_orders", "orders", "source", "staff",
                       "staff_whatif"])],
        chart=chart("bar", long, "slot", "staff", title=f"Staff per hour, {focus['store']}, week of {week}"),
        filters=[*ORDER_FILTER_TEXT, f"history {hs}..{he}", f"production time ≤ {PROD_CAP_S} s"],
    )
