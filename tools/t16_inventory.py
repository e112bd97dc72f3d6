"""Seed tool 16: days of supply per store × SKU, stock-out and overstock risk, reorders, consumption anomalies.

Sources: end-of-day stock positions (``t_shop_goods_stock``), the seven weekday change tables
(``t_shop_goods_stock_change_mon`` .. ``_sun``; change_type 1 consumption, 2 receipt, 3 waste,
4 count adjustment) and the champion demand forecast (``wh_goods_daily_demand_pred``,
``dmd-v3``, the shortest lead for each day).

* Days of supply = stock on hand ÷ average daily consumption over the last ``rate_days``.
* Stock-out: a day the store closed with zero stock (events are runs of consecutive days);
  at risk now: under ``risk_days`` of supply. Overstock now: over ``overstock_days`` of supply.
  Overstock event: a delivery at least ``over_delivery`` times the store-and-SKU's median delivery
  (the opening stock-up excepted) after which closing stock stayed above ``max_stock_qty`` for a
  week or more.
* Reorder = forecast use over lead + review days + safety stock − stock on hand (rounded up).
* Consumption anomaly: a day whose recorded use is far more than that day's sales explain. The
  use sales imply is Σ items sold × the SPU's default recipe — its ``<spu>-L-R`` formula in
  ``t_formula_spu`` (16 oz, regular), or its only formula where there is none (food) — which is
  what the stores' stock system deducts per item sold.
  It is scaled by the store-and-SKU's usual recorded-to-implied ratio; a day is anomalous when it
  used at least ``anomaly_ratio`` times that and the unexplained part is at least
  ``anomaly_excess`` typical days of use — or when it used at least a typical day's amount while
  its sales explain almost none of it (under a tenth of a typical day). Only candidate days leave
  the database.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from typing import Any

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import all_shops, table
from tools.common2 import LOCAL_DAY, as_date, rows, utc_bounds
from tools.registry import tool

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CHANGES = " UNION ALL ".join(
    f"SELECT shop_id, goods_code, biz_date, change_type, change_qty "
    f"FROM luckyus_scm_shopstock.t_shop_goods_stock_change_{d} WHERE biz_date >= :d0 AND biz_date <= :d1"
    for d in _WEEKDAYS)
_FLOWS = f"""
SELECT c.shop_id, c.goods_code,
       SUM(CASE WHEN c.change_type = 1 AND c.biz_date >= :r0 THEN -c.change_qty ELSE 0 END) AS used_recent,
       SUM(CASE WHEN c.change_type = 3 THEN -c.change_qty ELSE 0 END) AS waste,
       SUM(CASE WHEN c.change_type = 2 THEN c.change_qty ELSE 0 END) AS received,
       SUM(CASE WHEN c.change_type = 4 THEN c.change_qty ELSE 0 END) AS adjusted
FROM ({_CHANGES}) AS c
GROUP BY c.shop_id, c.goods_code
ORDER BY c.shop_id, c.goods_code
"""

_CURRENT = """
SELECT s.shop_id, s.goods_code, s.goods_name, s.unit, s.stock_date, s.stock_qty, s.safety_stock_qty, s.max_stock_qty
FROM luckyus_scm_shopstock.t_shop_goods_stock AS s
JOIN (SELECT shop_id, goods_code, MAX(stock_date) AS d FROM luckyus_scm_shopstock.t_shop_goods_stock
      WHERE stock_date <= :d1 GROUP BY shop_id, goods_code) AS latest
  ON latest.shop_id = s.shop_id AND latest.goods_code = s.goods_code AND latest.d = s.stock_date
ORDER BY s.shop_id, s.goods_code
"""

_ZERO_DAYS = """
SELECT s.shop_id, s.goods_code, s.goods_name, s.stock_date, s.stock_qty, s.safety_stock_qty
FROM luckyus_scm_shopstock.t_shop_goods_stock AS s
WHERE s.stock_qty <= 0 AND s.stock_date >= :d0 AND s.stock_date <= :d1
ORDER BY s.shop_id, s.goods_code, s.stock_date
"""

_OVER_DAYS = """
SELECT s.shop_id, s.goods_code, s.goods_name, s.stock_date, s.stock_qty, s.max_stock_qty
FROM luckyus_scm_shopstock.t_shop_goods_stock AS s
WHERE s.stock_qty > s.max_stock_qty AND s.max_stock_qty > 0 AND s.stock_date >= :d0 AND s.stock_date <= :d1
ORDER BY s.shop_id, s.goods_code, s.stock_date
"""

_RECEIPTS = f"""SELECT c.shop_id, c.goods_code, c.biz_date, SUM(c.change_qty) AS qty
FROM ({_CHANGES}) AS c WHERE c.change_type = 2 GROUP BY c.shop_id, c.goods_code, c.biz_date"""

_OVER_DELIVERY = f"""
SELECT t.shop_id, t.goods_code, t.biz_date, t.qty, t.avg_qty, t.n FROM (
  SELECT r.shop_id, r.goods_code, r.biz_date, r.qty,
         AVG(r.qty) OVER (PARTITION BY r.shop_id, r.goods_code) AS avg_qty,
         COUNT(*) OVER (PARTITION BY r.shop_id, r.goods_code) AS n,
         MIN(r.biz_date) OVER (PARTITION BY r.shop_id, r.goods_code) AS first_day
  FROM ({_RECEIPTS}) AS r) AS t
WHERE t.n >= 6 AND t.biz_date > t.first_day AND t.qty > :factor * t.avg_qty
ORDER BY t.shop_id, t.goods_code, t.biz_date
"""

_RECEIPT_SERIES = f"""
SELECT r.biz_date, r.qty FROM ({_RECEIPTS}) AS r WHERE r.shop_id = :shop AND r.goods_code = :goods ORDER BY r.biz_date
"""

_FORECAST = """
SELECT p.shop_id, p.goods_code, SUM(p.pred_qty) AS qty, COUNT(*) AS days
FROM luckyus_ireplenishment.wh_goods_daily_demand_pred AS p
JOIN (SELECT shop_id, goods_code, pred_date, MIN(lead_days) AS lead_days
      FROM luckyus_ireplenishment.wh_goods_daily_demand_pred
      WHERE model_version = 'dmd-v3' AND pred_date >= :f0 AND pred_date <= :f1
      GROUP BY shop_id, goods_code, pred_date) AS best
  ON best.shop_id = p.shop_id AND best.goods_code = p.goods_code AND best.pred_date = p.pred_date
 AND best.lead_days = p.lead_days
WHERE p.model_version = 'dmd-v3' AND p.pred_date >= :f0 AND p.pred_date <= :f1
GROUP BY p.shop_id, p.goods_code
ORDER BY p.shop_id, p.goods_code
"""

_RECIPE = """
SELECT f.spu_code, f.goods_code, SUM(f.quantity) AS qty
FROM luckyus_scm_commodity.t_formula_spu AS f
JOIN (SELECT spu_code, COALESCE(MAX(CASE WHEN sku_code = CONCAT(spu_code, '-L-R') THEN sku_code END),
                                MIN(sku_code)) AS sku
      FROM luckyus_scm_commodity.t_formula_spu GROUP BY spu_code) AS k
  ON k.spu_code = f.spu_code AND k.sku = f.sku_code
GROUP BY f.spu_code, f.goods_code
"""
_IMPLIED_LINES = f"""
SELECT s.shop_id, r.goods_code, s.biz_date, 0 AS used, s.items * r.qty AS implied
FROM (SELECT o.shop_id, {LOCAL_DAY} AS biz_date, i.spu_code, SUM(i.quantity) AS items
      FROM luckyus_sales_order.t_order AS o JOIN luckyus_sales_order.t_order_item AS i ON i.order_id = o.id
      WHERE o.status = 90 AND o.create_time >= :lo AND o.create_time < :hi
      GROUP BY o.shop_id, {LOCAL_DAY}, i.spu_code) AS s
JOIN ({_RECIPE}) AS r ON r.spu_code = s.spu_code
"""
_USE_LINES = " UNION ALL ".join(
    f"SELECT shop_id, goods_code, biz_date, -change_qty AS used, 0 AS implied "
    f"FROM luckyus_scm_shopstock.t_shop_goods_stock_change_{d} "
    f"WHERE change_type = 1 AND biz_date >= :d0 AND biz_date <= :d1"
    for d in _WEEKDAYS)

_VS_SALES = f"""
SELECT t.shop_id, t.goods_code, t.biz_date, t.used, t.implied, t.ratio, t.typical FROM (
  SELECT d.shop_id, d.goods_code, d.biz_date, d.used, d.implied,
         SUM(d.used) OVER (PARTITION BY d.shop_id, d.goods_code)
           / NULLIF(SUM(d.implied) OVER (PARTITION BY d.shop_id, d.goods_code), 0) AS ratio,
         AVG(CASE WHEN d.used > 0 THEN d.used END) OVER (PARTITION BY d.shop_id, d.goods_code) AS typical
  FROM (SELECT u.shop_id, u.goods_code, u.biz_date, SUM(u.used) AS used, SUM(u.implied) AS implied
        FROM ({_USE_LINES} UNION ALL {_IMPLIED_LINES}) AS u
        WHERE u.goods_code IN (SELECT goods_code FROM luckyus_scm_commodity.t_formula_spu)
        GROUP BY u.shop_id, u.goods_code, u.biz_date) AS d
) AS t
WHERE t.used > 0 AND t.used > 1.5 * t.implied * COALESCE(t.ratio, 1) AND t.used >= t.typical
ORDER BY t.shop_id, t.goods_code, t.biz_date
"""


class InventoryInput(ToolInput):
    as_of: dt.date | None = Field(None, description="Business day whose closing stock is 'now' (default: yesterday)")
    days: int = Field(120, ge=7, le=400, description="Look-back for stock-out, overstock and anomaly events")
    rate_days: int = Field(14, ge=3, le=60, description="Days of consumption behind the daily rate")
    risk_days: float = Field(2.0, gt=0, le=30, description="Days of supply under which an item is at risk")
    lead_days: int = Field(2, ge=0, le=14, description="Supplier lead time for reorder suggestions")
    review_days: int = Field(3, ge=1, le=14, description="Days until the next order after this one")
    overstock_days: float = Field(21.0, gt=1, description="Days of supply above which a position is overstocked")
    over_delivery: float = Field(5.0, gt=1.5, description="Receipt ÷ median receipt that counts as an over-delivery")
    anomaly_ratio: float = Field(3.0, ge=1.5, description="Recorded ÷ sales-explained use that is anomalous")
    anomaly_excess: float = Field(2.0, gt=0, description="Unexplained use, in typical days of use, that is anomalous")
    store: str | None = Field(None, description="Only this store")


def _runs(days: list[dt.date]) -> list[list[dt.date]]:
    """Consecutive days grouped into runs."""
    out: list[list[dt.date]] = []
    for d in sorted(days):
        if out and (d - out[-1][-1]).days == 1:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def stockouts(ctx: ToolContext, d0: dt.date, d1: dt.date, names: dict[int, str]) -> list[Finding]:
    """Stock-out events: runs of consecutive days a store closed with zero stock of a SKU."""
    by: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows(ctx, _ZERO_DAYS, d0=d0, d1=d1):
        by[(int(r["shop_id"]), str(r["goods_code"]))].append(r)
    findings = []
    for (shop, goods), recs in sorted(by.items()):
        day_of = {as_date(r["stock_date"]): r for r in recs}
        for run in _runs(list(day_of)):
            ev = [day_of[d] for d in run]
            findings.append(Finding(
                severity=Severity.critical if len(run) >= 2 else Severity.warning, kind="stockout",
                title=f"{ev[0]['goods_name']} ran out at {names.get(shop, shop)}: closed with zero stock on "
                      f"{len(run)} day(s) from {run[0]} to {run[-1]}",
                where=names.get(shop, str(shop)),
                keys={"shop_id": shop, "goods_code": goods, "first_date": run[0].isoformat(),
                      "last_date": run[-1].isoformat(), "days": len(run)},
                evidence=[{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
                          for r in ev[:10]]))
    return findings


def over_deliveries(ctx: ToolContext, d0: dt.date, d1: dt.date, names: dict[int, str],
                    factor: float, min_days: int = 7) -> list[Finding]:
    """Overstock events: a receipt at least ``factor`` times the store-and-SKU's median receipt after which
    closing stock stayed above its maximum (``max_stock_qty``) for at least ``min_days`` recorded days."""
    cands = rows(ctx, _OVER_DELIVERY, d0=d0, d1=d1, factor=factor / 2)  # loose screen on the mean
    over_days: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    if cands:
        for r in rows(ctx, _OVER_DAYS, d0=d0, d1=d1):
            over_days[(int(r["shop_id"]), str(r["goods_code"]))].append(as_date(r["stock_date"]))
    findings = []
    medians: dict[tuple[int, str], float] = {}
    for r in cands:
        key = (int(r["shop_id"]), str(r["goods_code"]))
        if key not in medians:
            series = [float(x["qty"]) for x in rows(ctx, _RECEIPT_SERIES, d0=d0, d1=d1, shop=key[0], goods=key[1])]
            medians[key] = float(statistics.median(series[1:])) if len(series) > 1 else 0.0
        med, qty, day = medians[key], float(r["qty"]), as_date(r["biz_date"])
        if med <= 0 or qty < factor * med:
            continue
        after = [d for d in over_days.get(key, []) if day <= d]
        run = next((x for x in _runs(after) if x[0] <= day + dt.timedelta(days=1)), [])
        if len(run) < min_days:
            continue
        findings.append(Finding(
            severity=Severity.warning, kind="overstock",
            title=f"{key[1]} at {names.get(key[0], key[0])}: {qty:g} received on {day}, {qty / med:.0f}× the usual "
                  f"delivery of {med:g}; stock stayed above its maximum for {len(run)} recorded day(s)",
            where=names.get(key[0], str(key[0])),
            keys={"shop_id": key[0], "goods_code": key[1], "receipt_date": day.isoformat(), "days_above_max": len(run)},
            evidence=[{"receipt_date": day.isoformat(), "received": qty, "median_receipt": med,
                       "days_above_max": len(run), "last_day_above_max": run[-1].isoformat() if run else None}]))
    return findings


def consumption_anomalies(ctx: ToolContext, d0: dt.date, d1: dt.date, names: dict[int, str],
                          min_ratio: float = 3.0, min_typical: float = 2.0) -> list[Finding]:
    """Days whose recorded use is far more than the day's sales explain (see the module docstring)."""
    lo, hi = utc_bounds(d0, d1)
    findings = []
    for r in rows(ctx, _VS_SALES, d0=d0, d1=d1, lo=lo, hi=hi):
        used, implied = float(r["used"]), float(r["implied"])
        ratio = float(r["ratio"]) if r["ratio"] is not None else 1.0
        expected = ratio * implied
        excess = used - expected
        typical = float(r["typical"] or 0.0)
        unexplained_day = expected <= 0.1 * typical and used >= typical  # stock used on a day sales explain ~none of
        if used < min_ratio * expected or (excess < min_typical * typical and not unexplained_day):
            continue
        shop, goods, day = int(r["shop_id"]), str(r["goods_code"]), as_date(r["biz_date"])
        times = excess / typical if typical else float("inf")
        findings.append(Finding(
            severity=Severity.critical if times >= 4 else Severity.warning, kind="consumption_anomaly",
            title=f"{goods} at {names.get(shop, shop)} on {day}: {used:g} used but the day's sales explain "
                  f"{expected:.4g} — {excess:.4g} unexplained, {times:.1f}× a typical day's use",
            where=names.get(shop, str(shop)), keys={"shop_id": shop, "goods_code": goods, "biz_date": day.isoformat()},
            evidence=[{"biz_date": day.isoformat(), "used": used, "implied_by_sales": implied,
                       "usual_used_to_implied": ratio, "expected": expected, "unexplained": excess,
                       "typical_daily_use": typical}]))
    return findings


@tool(name="inventory", title="Inventory command center", department="Supply chain", seed_tool=16,
      input_model=InventoryInput,
      examples=("Which stores are about to run out of oat milk?", "What should we reorder today?"),
      keywords=("inventory", "stock", "stock-out", "overstock", "days of supply", "reorder", "waste", "consumption"))
def inventory(ctx: ToolContext, args: InventoryInput) -> ToolOutput:
    """Days of supply for every store × SKU from closing stock and consumption, stock-out and overstock
    events and risks, reorder suggestions from the demand forecast, waste, and consumption anomalies."""
    end = args.as_of or ctx.today - dt.timedelta(days=1)
    start = end - dt.timedelta(days=args.days - 1)
    names = {s.id: s.name for s in all_shops(ctx)}
    only: int | None = None
    if args.store:
        from tools.common import resolve_shop

        shop = resolve_shop(ctx, args.store)
        only = shop.id if shop else None
    current = rows(ctx, _CURRENT, d1=end)
    r0 = end - dt.timedelta(days=args.rate_days - 1)
    flows = {(int(r["shop_id"]), str(r["goods_code"])): r for r in rows(ctx, _FLOWS, d0=start, d1=end, r0=r0)}
    horizon = args.lead_days + args.review_days
    fc = {(int(r["shop_id"]), str(r["goods_code"])): r
          for r in rows(ctx, _FORECAST, f0=end + dt.timedelta(days=1), f1=end + dt.timedelta(days=horizon))}
    grid = []
    for c in current:
        key = (int(c["shop_id"]), str(c["goods_code"]))
        if only is not None and key[0] != only:
            continue
        f = flows.get(key, {})
        rate = float(f.get("used_recent") or 0.0) / args.rate_days
        stock = float(c["stock_qty"])
        dos = stock / rate if rate > 0 else None
        fq = fc.get(key)
        need = float(fq["qty"]) * horizon / max(int(fq["days"]), 1) if fq else rate * horizon
        reorder = max(0.0, need + float(c["safety_stock_qty"]) - stock)
        status = ("out" if stock <= 0 else "idle (no recent use)" if rate <= 0
                  else "at risk" if dos is not None and dos < args.risk_days
                  else "overstock" if dos is not None and dos > args.overstock_days else "ok")
        grid.append({"store": names.get(key[0], str(key[0])), "shop_id": key[0], "goods_code": key[1],
                     "goods_name": c["goods_name"], "unit": c["unit"], "stock_date": as_date(c["stock_date"]),
                     "stock": stock, "safety": float(c["safety_stock_qty"]), "max": float(c["max_stock_qty"]),
                     "daily_use": rate, "days_of_supply": dos, "forecast_use": need,
                     "forecast_source": "dmd-v3" if fq else "recent rate", "reorder_qty": math.ceil(reorder),
                     "waste": float(f.get("waste") or 0.0), "status": status})
    grid.sort(key=lambda g: (g["days_of_supply"] if g["days_of_supply"] is not None else 1e9, g["store"],
                             g["goods_code"]))
    findings = [f for f in stockouts(ctx, start, end, names) + over_deliveries(ctx, start, end, names,
                                                                              args.over_delivery)
                if only is None or f.keys["shop_id"] == only]
    findings += [f for f in consumption_anomalies(ctx, start, end, names, args.anomaly_ratio, args.anomaly_excess)
                 if only is None or f.keys["shop_id"] == only]
    for g in grid:
        if g["status"] in ("out", "at risk"):
            findings.append(Finding(
                severity=Severity.critical if g["status"] == "out" else Severity.warning, kind="stockout_risk",
                title=f"{g['goods_name']} at {g['store']}: {g['stock']:g} {g['unit']} left, "
                      + (f"{g['days_of_supply']:.1f} days of supply" if g["days_of_supply"] is not None else "no use")
                      + f"; reorder {g['reorder_qty']:,} {g['unit']}",
                where=g["store"], keys={"shop_id": g["shop_id"], "goods_code": g["goods_code"]},
                evidence=[{k: g[k] for k in ("stock", "safety", "daily_use", "days_of_supply", "reorder_qty")}]))
    reorders = [g for g in grid if g["reorder_qty"] > 0]
    counts = {k: sum(1 for f in findings if f.kind == k) for k in
              ("stockout", "overstock", "consumption_anomaly", "stockout_risk")}
    summary = (f"{len(grid)} store × SKU positions on {end}: {sum(g['status'] == 'at risk' for g in grid)} at risk "
               f"(< {args.risk_days:g} days of supply), {sum(g['status'] == 'out' for g in grid)} out, "
               f"{sum(g['status'] == 'overstock' for g in grid)} over {args.overstock_days:g} days of supply; "
               f"{len(reorders)} reorder suggestions. "
               f"Last {args.days} days: {counts['stockout']} stock-out event(s), {counts['overstock']} overstock "
               f"event(s), {counts['consumption_anomaly']} consumption anomaly(ies).")
    cols = ["store", "goods_name", "unit", "stock", "safety", "max", "daily_use", "days_of_supply", "forecast_use",
            "reorder_qty", "waste", "status"]
    return ToolOutput(
        tool="inventory", title="Inventory command center", summary=summary,
        headline={"positions": len(grid), **counts, "reorders": len(reorders), "as_of": end.isoformat()},
        tables=[table("days_of_supply", grid, cols), table("reorder_suggestions", reorders, cols),
                table("events", [{"kind": f.kind, "severity": f.severity.value, "title": f.title} for f in findings])],
        findings=findings,
        filters=[f"consumption rate over {r0}..{end}", f"events {start}..{end}",
                 f"forecast dmd-v3, next {horizon} days"],
    )
