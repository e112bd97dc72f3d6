"""Seed tool 13, store performance command center: per-store KPIs, traffic lights and an age-fair ranking.

KPIs per store for the period: orders and revenue per open hour (open hours from
``t_shop_opening_time``), mean production time, machine uptime (of the in-service machines that made
cups in the analysed window, the share online now: appliances whose IoT module never reported do not
count) and items out of stock. Volume lights compare each store with its *own* previous 28 days, so they mean
the same at any data scale and for young and old stores alike; production, uptime and stock-out
lights use absolute thresholds. All thresholds are inputs. The ranking divides a store's orders per
day by what the fleet's stores sold at the same age (weeks since opening), so a store open two
weeks is compared with other stores' second weeks, not with the flagship.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import (
    PERIOD_HELP,
    Period,
    Scope,
    ToolInputError,
    bind,
    cents,
    chart,
    fetch,
    num,
    parse_period,
    scope_of,
    table,
)
from tools.registry import tool
from tools.t12_production_time import stats as production_stats

_DAILY = """
SELECT o.shop_id AS shop_id, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) AS d,
       COUNT(*) AS orders, SUM(o.pay_money) AS revenue
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE o.status = 90 AND o.currency_code = 'USD' AND o.create_time >= :lo AND o.create_time < :hi
  AND o.shop_id IN (:shops) AND DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) BETWEEN :d0 AND :d1
GROUP BY o.shop_id, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone))
"""

_OPEN_MINUTES = """
SELECT t.shop_id AS shop_id, CASE WHEN t.business_date >= :p0 THEN 'period' ELSE 'baseline' END AS part,
       SUM(CASE WHEN t.is_closed = 0 THEN
             (CAST(SUBSTRING(t.close_time, 1, 2) AS SIGNED) * 60 + CAST(SUBSTRING(t.close_time, 4, 2) AS SIGNED))
           - (CAST(SUBSTRING(t.open_time, 1, 2) AS SIGNED) * 60 + CAST(SUBSTRING(t.open_time, 4, 2) AS SIGNED))
           ELSE 0 END) AS minutes
FROM luckyus_opshop.t_shop_opening_time AS t
WHERE t.business_date BETWEEN :d0 AND :d1 AND t.shop_id IN (:shops)
GROUP BY t.shop_id, CASE WHEN t.business_date >= :p0 THEN 'period' ELSE 'baseline' END
"""

_DEVICES = """
SELECT d.shop_id AS shop_id, COUNT(*) AS devices, SUM(CASE WHEN d.online_status = 1 THEN 1 ELSE 0 END) AS online
FROM luckyus_iot_platform.t_device AS d
WHERE d.status = 1 AND d.shop_id IN (:shops)
  AND d.device_no IN (SELECT c.device_no FROM luckyus_iot_platform.t_cup_order_info AS c
                      WHERE c.start_time >= :c0 AND c.start_time < :c1 AND c.shop_id IN (:shops))
GROUP BY d.shop_id
"""

_STOCKOUTS = """
SELECT g.shop_id AS shop_id, COUNT(DISTINCT g.goods_code) AS items_out
FROM luckyus_scm_shopstock.t_shop_goods_stock AS g
WHERE g.stock_date BETWEEN :d0 AND :d1 AND g.shop_id IN (:shops) AND g.stock_qty <= 0
GROUP BY g.shop_id
"""

_HISTORY = """
SELECT o.shop_id AS shop_id, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) AS d, COUNT(*) AS orders
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE o.status = 90 AND o.currency_code = 'USD' AND o.shop_id IN (:shops) AND o.create_time < :hi
GROUP BY o.shop_id, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone))
"""


class StoreCommandInput(ToolInput):
    period: str = Field("yesterday", description=f"Days to score: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every open store).")
    baseline_days: int = Field(28, ge=7, le=120, description="Days before the period a store is compared with.")
    volume_green_pct: float = Field(90.0, description="Orders/revenue per hour at least this % of the store's own "
                                                      "baseline is green.")
    volume_yellow_pct: float = Field(75.0, description="... at least this % is yellow; below is red.")
    production_green_s: float = Field(240.0, description="Mean production time at most this many seconds is green.")
    production_yellow_s: float = Field(300.0, description="... at most this is yellow; above is red.")
    uptime_green_pct: float = Field(90.0, description="Share of in-service machines online, green from here.")
    uptime_yellow_pct: float = Field(70.0, description="... yellow from here; below is red.")
    stockout_green: int = Field(0, ge=0, description="Items out of stock at most this many is green.")
    stockout_yellow: int = Field(3, ge=0, description="... at most this many is yellow; above is red.")


def light_high(value: float | None, green: float, yellow: float) -> str:
    """Higher is better."""
    if value is None:
        return "grey"
    return "green" if value >= green else "yellow" if value >= yellow else "red"


def light_low(value: float | None, green: float, yellow: float) -> str:
    """Lower is better."""
    if value is None:
        return "grey"
    return "green" if value <= green else "yellow" if value <= yellow else "red"


def age_curve(history: list[dict[str, Any]], opened: dict[int, dt.date]) -> dict[int, float]:
    """Median over stores of average orders per trading day, by week of age (week 0 = opening week)."""
    per: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in history:
        sid = int(r["shop_id"])
        if sid not in opened:
            continue
        day = dt.date.fromisoformat(str(r["d"])[:10])
        week = (day - opened[sid]).days // 7
        if week >= 0:
            per[(sid, week)].append(int(r["orders"]))
    by_week: dict[int, list[float]] = defaultdict(list)
    for (_, week), vals in per.items():
        by_week[week].append(sum(vals) / len(vals))
    return {w: statistics.median(v) for w, v in by_week.items()}


def _first_day(history: list[dict[str, Any]]) -> dict[int, dt.date]:
    first: dict[int, dt.date] = {}
    for r in history:
        sid, day = int(r["shop_id"]), dt.date.fromisoformat(str(r["d"])[:10])
        if sid not in first or day < first[sid]:
            first[sid] = day
    return first


def scorecard(ctx: ToolContext, scope: Scope, args: StoreCommandInput) -> tuple[list[dict[str, Any]], list[Finding]]:
    period = scope.period
    base = Period(period.start - dt.timedelta(days=args.baseline_days), period.start - dt.timedelta(days=1), "base")
    wide = Scope(Period(base.start, period.end, "wide"), scope.shops, ["USD"])
    wp = wide.params()
    wp.pop("cur")
    daily = fetch(ctx, bind(_DAILY, **wp), "store-days")
    minutes = fetch(ctx, bind(_OPEN_MINUTES, p0=period.start, d0=base.start, d1=period.end, shops=wp["shops"]))
    devices = {int(r["shop_id"]): r for r in ctx.records(bind(_DEVICES, shops=wp["shops"], c0=wp["lo"],
                                                              c1=wp["hi"]))}
    stockouts = {int(r["shop_id"]): int(r["items_out"]) for r in
                 ctx.records(bind(_STOCKOUTS, d0=period.start, d1=period.end, shops=wp["shops"]))}
    prod = {int(r["k"]): r for r in production_stats(ctx, scope, "shop_id", None, 1800)}
    history = fetch(ctx, bind(_HISTORY, shops=wp["shops"], hi=wp["hi"]), "store-days of history")
    opened_sql = _first_day(history)
    opened = {s.id: s.opened or opened_sql.get(s.id) for s in scope.shops if s.opened or s.id in opened_sql}
    curve = age_curve(history, {k: v for k, v in opened.items() if v})
    agg: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # orders, revenue cents, days
    for r in daily:
        day = dt.date.fromisoformat(str(r["d"])[:10])
        part = "period" if day >= period.start else "baseline"
        a = agg[(int(r["shop_id"]), part)]
        a[0] += int(r["orders"])
        a[1] += cents(r["revenue"])
        a[2] += 1
    mins = {(int(r["shop_id"]), r["part"]): float(r["minutes"] or 0) for r in minutes}
    cards: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for s in scope.shops:
        o, rev_c, _ = agg.get((s.id, "period"), [0, 0, 0])
        bo, brev_c, bdays = agg.get((s.id, "baseline"), [0, 0, 0])
        rev, brev = rev_c / 100, brev_c / 100
        hours = mins.get((s.id, "period"), 0.0) / 60
        bhours = mins.get((s.id, "baseline"), 0.0) / 60
        if o == 0 and bo == 0 and not devices.get(s.id):
            continue  # not trading (never opened, closed, template)
        oph = o / hours if hours else None
        rph = rev / hours if hours else None
        enough = bdays >= 7  # a baseline of a store's first few days says nothing
        boph = bo / bhours if bhours and enough else None
        brph = brev / bhours if bhours and enough else None
        vol = 100 * oph / boph if oph is not None and boph else None
        rvol = 100 * rph / brph if rph is not None and brph else None
        p = prod.get(s.id)
        dev = devices.get(s.id)
        uptime = 100.0 * int(dev["online"]) / int(dev["devices"]) if dev and int(dev["devices"]) else None
        out = stockouts.get(s.id, 0)
        start = opened.get(s.id)
        age_w = ((period.end - start).days // 7) if start else None
        expected = curve.get(age_w) if age_w is not None else None
        per_day = o / period.days
        index = per_day / expected if expected else None
        card: dict[str, Any] = {"shop_id": s.id, "store": s.name, "opened": start.isoformat() if start else None,
                                "age_weeks": age_w,
                "orders": int(o), "revenue": num(rev), "open_hours": round(hours, 1),
                "orders_per_hour": num(oph, 2), "revenue_per_hour": num(rph, 2),
                "orders_per_hour_vs_baseline_pct": num(vol, 1), "revenue_per_hour_vs_baseline_pct": num(rvol, 1),
                "avg_production_s": p["avg_s"] if p else None, "p95_production_s": p["p95_s"] if p else None,
                "machines": int(dev["devices"]) if dev else 0, "machine_uptime_pct": num(uptime, 1),
                "items_out_of_stock": out, "age_fair_index": num(index, 3)}
        card["light_orders"] = light_high(vol, args.volume_green_pct, args.volume_yellow_pct)
        card["light_revenue"] = light_high(rvol, args.volume_green_pct, args.volume_yellow_pct)
        card["light_production"] = light_low(card["avg_production_s"], args.production_green_s,
                                             args.production_yellow_s)
        card["light_uptime"] = light_high(uptime, args.uptime_green_pct, args.uptime_yellow_pct)
        card["light_stock"] = light_low(float(out), args.stockout_green, args.stockout_yellow)
        reds = [k[6:] for k, v in card.items() if k.startswith("light_") and v == "red"]
        card["reds"] = len(reds)
        cards.append(card)
        if reds:
            findings.append(Finding(
                severity=Severity.critical if len(reds) >= 3 else Severity.warning, kind="store_kpi_red",
                title=f"{s.name}: red on {', '.join(reds)}.", where=s.name,
                evidence=[{k: card[k] for k in ("orders_per_hour", "orders_per_hour_vs_baseline_pct",
                                                "avg_production_s", "machine_uptime_pct", "items_out_of_stock")}],
                keys={"shop_id": s.id, "red": reds}))
    ranked = sorted((c for c in cards if c["age_fair_index"] is not None), key=lambda c: -c["age_fair_index"])
    for i, c in enumerate(ranked):
        c["rank"] = i + 1
    return sorted(cards, key=lambda c: (c.get("rank") or 999, c["store"])), findings


@tool(name="store_command", title="Store performance command center", department="Operations", seed_tool=13,
      input_model=StoreCommandInput,
      examples=("how did each store do yesterday", "store scorecard last week", "which stores are red today"),
      keywords=("store performance", "scorecard", "traffic light", "kpi", "orders per hour", "ranking",
                "uptime", "stock-out", "command center"))
def store_command(ctx: ToolContext, args: StoreCommandInput) -> ToolOutput:
    """Per-store scorecard for a period: orders and revenue per open hour (vs the store's own previous 28 days),
    mean production time, machine uptime and items out of stock, each with a green/yellow/red light against
    configurable thresholds; and a ranking normalised for store age (orders per day divided by what the
    fleet's stores sold at the same number of weeks after opening)."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    if period.end >= ctx.today:  # the day in progress has no data yet: score the days that do
        if period.start >= ctx.today:
            raise ToolInputError(f"There is no data for {period.label} yet (the data ends "
                                 f"{ctx.today - dt.timedelta(days=1)}). Try 'yesterday' or 'this week'.")
        period = Period(period.start, ctx.today - dt.timedelta(days=1), period.label)
    scope = scope_of(ctx, period, args.shop, "USD", False)
    cards, findings = scorecard(ctx, scope, args)
    light_cols = [c for c in (cards[0] if cards else {}) if c.startswith("light_")]
    headline: dict[str, Any] = {"period": period.label, "stores": len(cards),
                                "stores_with_red": sum(1 for c in cards if c["reds"]),
                                "orders": sum(c["orders"] for c in cards),
                                "revenue": num(sum(c["revenue"] or 0 for c in cards)),
                                "top_store_age_fair": cards[0]["store"] if cards and cards[0].get("rank") else None}
    lights = [{"store": c["store"], "kpi": k[6:], "light": c[k]} for c in cards for k in light_cols]
    return ToolOutput(
        tool="store_command", title=f"Store command center, {period.label}",
        summary=f"{len(cards)} stores, {headline['stores_with_red']} with a red light; best age-adjusted: "
                f"{headline['top_store_age_fair']}.",
        headline=headline,
        tables=[table("scorecard", cards), table("lights", lights)],
        findings=findings,
        chart={"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": "KPI lights by store",
               "data": {"values": lights}, "mark": {"type": "rect", "tooltip": True},
               "encoding": {"x": {"field": "kpi", "type": "nominal"}, "y": {"field": "store", "type": "nominal"},
                            "color": {"field": "light", "type": "nominal",
                                      "scale": {"domain": ["green", "yellow", "red", "grey"],
                                                "range": ["#2e7d32", "#f9a825", "#c62828", "#9e9e9e"]}}}}
        if lights else chart("bar", cards, "store", "orders", title="Orders"),
        filters=["completed USD orders, test shops excluded", f"period {period.start}..{period.end} (local days)",
                 f"baseline: the {args.baseline_days} days before the period",
                 "uptime = share of in-service machines that made cups in the baseline or period and are online now",
                 "stock-outs = goods with stock_qty <= 0 on any day of the period",
                 "volume lights grey when the store has fewer than 7 baseline days"],
    )
