"""Seed tool 10: product scorecard, menu-engineering quadrant, category and 30-day product trends.

The quadrant follows Kasavana & Smith's menu engineering, the standard rule in the trade, stated
in the output: a product is *popular* when its share of items sold is at least 70 % of an equal
share (0.7 / number of products), and *profitable* when its contribution margin per item is at
least the items-weighted average. Contribution margin = average net price per item minus the
ingredient cost of its recipe (``t_formula_spu`` quantities × ``t_mdm_goods.unit_cost``); the
seed's own proxy, price realisation (paid ÷ list price), is reported next to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import Field
from scipy.stats import binomtest

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import chart, parse_period, table
from tools.common2 import LOCAL_DAY, ORDER_FILTER, ORDER_FILTER_TEXT, PROD_CAP_S, PROD_SECONDS, PROD_VALID, rows
from tools.registry import tool

_SCORECARD = f"""
SELECT i.spu_code, i.spu_name, i.one_category_name AS category, COUNT(*) AS orders, SUM(i.quantity) AS items,
       SUM(i.pay_money) AS revenue, SUM(i.origin_price * i.quantity) AS list_value,
       COUNT(DISTINCT {LOCAL_DAY}) AS selling_days
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY i.spu_code, i.spu_name, i.one_category_name
ORDER BY i.spu_code
"""

_SKU_MIX = f"""
SELECT i.spu_code, i.sku_code, SUM(i.quantity) AS items
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY i.spu_code, i.sku_code
ORDER BY i.spu_code, i.sku_code
"""

_RECIPE_COST = """
SELECT f.spu_code, f.sku_code, SUM(f.quantity * g.unit_cost) AS cost
FROM luckyus_scm_commodity.t_formula_spu AS f
JOIN (SELECT goods_code, AVG(unit_cost) AS unit_cost FROM luckyus_scm_commodity.t_mdm_goods GROUP BY goods_code) AS g
  ON g.goods_code = f.goods_code
GROUP BY f.spu_code, f.sku_code
ORDER BY f.spu_code, f.sku_code
"""

_PRODUCTION = f"""
SELECT c.spu_code, COUNT(*) AS productions, AVG({PROD_SECONDS}) AS avg_seconds
FROM luckyus_opproduction.t_commodity AS c JOIN luckyus_opproduction.t_production AS p ON p.id = c.production_id
WHERE {PROD_VALID} AND {PROD_SECONDS} <= {PROD_CAP_S} AND p.create_time >= :lo AND p.create_time < :hi
  AND c.production_id IN (SELECT production_id FROM luckyus_opproduction.t_commodity GROUP BY production_id
                          HAVING COUNT(*) = 1)
GROUP BY c.spu_code
ORDER BY c.spu_code
"""

_CATEGORY_MONTHS = f"""
SELECT i.one_category_name AS category, YEAR({LOCAL_DAY}) AS y, MONTH({LOCAL_DAY}) AS m,
       SUM(i.quantity) AS items, SUM(i.pay_money) AS revenue
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY i.one_category_name, YEAR({LOCAL_DAY}), MONTH({LOCAL_DAY})
ORDER BY category, y, m
"""

_WINDOWS = f"""
SELECT i.spu_code, i.spu_name, i.one_category_name AS category,
       SUM(CASE WHEN o.create_time >= :mid THEN i.quantity ELSE 0 END) AS recent,
       SUM(CASE WHEN o.create_time < :mid THEN i.quantity ELSE 0 END) AS previous
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY i.spu_code, i.spu_name, i.one_category_name
ORDER BY i.spu_code
"""

_DAILY_TOP = f"""
SELECT i.spu_code, {LOCAL_DAY} AS d, SUM(i.quantity) AS items
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi AND i.spu_code IN (:codes)
GROUP BY i.spu_code, {LOCAL_DAY}
ORDER BY i.spu_code, d
"""


class MenuInput(ToolInput):
    period: str = Field("all", description="Period of the scorecard: all, last 90 days, 2026-01, D1..D2")
    category: str | None = Field(None, description="Only this one_category_name (e.g. Matcha)")
    top: int = Field(25, ge=1, le=200, description="Rows of the scorecard to show")
    trend_days: int = Field(30, ge=7, le=90, description="Window of the rolling trend (recent vs previous window)")


def quadrant(popular: bool, profitable: bool) -> str:
    """Kasavana-Smith: star (popular, profitable), plow horse (popular), puzzle (profitable), dog (neither)."""
    return {(True, True): "star", (True, False): "plow horse", (False, True): "puzzle",
            (False, False): "dog"}[(popular, profitable)]


def recipe_costs(ctx: ToolContext, lo: dt.datetime, hi: dt.datetime) -> dict[str, float]:
    """Ingredient cost per item of each product, weighted by the SKUs actually sold."""
    sku_cost: dict[tuple[str, str], float] = {(r["spu_code"], r["sku_code"]): float(r["cost"] or 0.0)
                                              for r in rows(ctx, _RECIPE_COST)}
    by_spu: dict[str, list[float]] = defaultdict(list)
    for (spu, _sku), c in sku_cost.items():
        by_spu[spu].append(c)
    weighted: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows(ctx, _SKU_MIX, lo=lo, hi=hi):
        spu, sku, n = r["spu_code"], r["sku_code"], float(r["items"])
        cost: float | None = sku_cost.get((spu, sku))
        if cost is None and by_spu.get(spu):
            cost = float(np.mean(by_spu[spu]))
        if cost is not None:
            weighted[spu][0] += cost * n
            weighted[spu][1] += n
    return {spu: w[0] / w[1] for spu, w in weighted.items() if w[1] > 0}


def trend_rows(ctx: ToolContext, end: dt.date, days: int) -> list[dict[str, Any]]:
    """Items sold in the last ``days`` vs the ``days`` before, with an exact binomial test of 'no change'."""
    from tools.common2 import utc_bounds

    lo, _ = utc_bounds(end - dt.timedelta(days=2 * days - 1), end)
    mid, hi = utc_bounds(end - dt.timedelta(days=days - 1), end)
    out = []
    for r in rows(ctx, _WINDOWS, lo=lo, mid=mid, hi=hi):
        recent, previous = int(r["recent"]), int(r["previous"])
        n = recent + previous
        p = binomtest(recent, n, 0.5).pvalue if n else 1.0
        change = (recent - previous) / previous if previous else None
        direction = "flat"
        if change is not None and p < 0.01 and abs(change) >= 0.15:
            direction = "rising" if change > 0 else "declining"
        elif previous == 0 and recent > 0:
            direction = "new"
        out.append({**r, "recent": recent, "previous": previous, "change": change, "p_value": p, "trend": direction})
    return out


@tool(name="menu", title="Product & menu engineering", department="Product", seed_tool=10, input_model=MenuInput,
      examples=("Which products are stars and which are dogs?", "Which categories are growing?"),
      keywords=("menu", "product", "scorecard", "stars", "dogs", "margin", "category", "trend"))
def menu(ctx: ToolContext, args: MenuInput) -> ToolOutput:
    """Scores every product (velocity, revenue share, margin, production time), places it in the
    menu-engineering quadrant (stars, plow horses, puzzles, dogs) by the Kasavana-Smith rule, and shows
    category trends and 30-day product trends."""
    period = parse_period(args.period, ctx.today)
    end = min(period.end, ctx.today - dt.timedelta(days=1))
    lo, hi = period.utc_window()
    recs = rows(ctx, _SCORECARD, lo=lo, hi=hi)
    if args.category:
        want = args.category.strip().lower()
        recs = [r for r in recs if str(r["category"]).lower() == want]
    costs = recipe_costs(ctx, lo, hi)
    prod = {r["spu_code"]: r for r in rows(ctx, _PRODUCTION, lo=lo, hi=hi)}
    total_rev = sum(r["revenue"] for r in recs) or 1.0
    total_items = sum(r["items"] for r in recs) or 1.0
    n_products = len(recs) or 1
    for r in recs:
        items = float(r["items"])
        r["revenue_share"] = r["revenue"] / total_rev
        r["items_share"] = items / total_items
        r["velocity_per_day"] = items / max(int(r["selling_days"]), 1)
        r["avg_price"] = r["revenue"] / items if items else 0.0
        r["price_realisation"] = r["revenue"] / r["list_value"] if r["list_value"] else None
        r["unit_cost"] = costs.get(r["spu_code"])
        r["unit_margin"] = r["avg_price"] - (r["unit_cost"] or 0.0)
        p = prod.get(r["spu_code"])
        r["production_s"] = p["avg_seconds"] if p else None
        r["production_n"] = int(p["productions"]) if p else 0
    avg_margin = (sum(r["unit_margin"] * r["items"] for r in recs) / total_items) if recs else 0.0
    pop_threshold = 0.7 / n_products
    for r in recs:
        r["popular"] = r["items_share"] >= pop_threshold
        r["profitable"] = r["unit_margin"] >= avg_margin
        r["quadrant"] = quadrant(r["popular"], r["profitable"])
    recs.sort(key=lambda r: (-r["revenue"], r["spu_code"]))

    trends = trend_rows(ctx, end, args.trend_days)
    trend_by = {t["spu_code"]: t for t in trends}
    for r in recs:
        t = trend_by.get(r["spu_code"])
        r["trend"] = t["trend"] if t else "n/a"
        r["trend_change"] = t["change"] if t else None

    cats = rows(ctx, _CATEGORY_MONTHS, lo=lo, hi=hi)
    cat_table = _category_trend(cats, trends)
    rolling = _rolling(ctx, recs[:5], end)

    findings = []
    for r in recs:
        if r["quadrant"] == "dog" and r["trend"] == "declining":
            findings.append(Finding(
                severity=Severity.info, kind="menu_retire_candidate",
                title=f"{r['spu_name']} is a dog (low volume, low margin) and declining "
                      f"({100 * (r['trend_change'] or 0):+.0f} % over {args.trend_days} days)",
                where=str(r["category"]), keys={"spu_code": r["spu_code"], "spu_name": r["spu_name"]},
                evidence=[{k: r[k] for k in ("items", "revenue", "unit_margin", "items_share", "trend_change")}]))
        if r["quadrant"] == "star" and r["trend"] == "declining":
            findings.append(Finding(
                severity=Severity.warning, kind="menu_star_declining",
                title=f"Star product {r['spu_name']} is declining ({100 * (r['trend_change'] or 0):+.0f} %)",
                where=str(r["category"]), keys={"spu_code": r["spu_code"], "spu_name": r["spu_name"]},
                evidence=[{k: r[k] for k in ("items", "revenue", "trend_change")}]))
    counts = {q: sum(1 for r in recs if r["quadrant"] == q) for q in ("star", "plow horse", "puzzle", "dog")}
    top = recs[0] if recs else None
    rule = (f"Popular = items share ≥ 70 % of an equal share ({100 * pop_threshold:.2f} %); profitable = "
            f"margin per item ≥ the items-weighted average (${avg_margin:.2f}); margin = net price − recipe cost.")
    summary = (f"{len(recs)} products, {period.label}: {counts['star']} stars, {counts['plow horse']} plow horses, "
               f"{counts['puzzle']} puzzles, {counts['dog']} dogs. " + rule)
    if top:
        summary += f" Top by revenue: {top['spu_name']} ({100 * top['revenue_share']:.1f} % of product revenue)."
    cols = ["spu_name", "category", "quadrant", "orders", "items", "revenue", "revenue_share", "velocity_per_day",
            "avg_price", "price_realisation", "unit_cost", "unit_margin", "production_s", "trend", "trend_change"]
    return ToolOutput(
        tool="menu", title="Product & menu engineering", summary=summary,
        headline={"products": len(recs), "product_revenue": round(total_rev, 2), **counts,
                  "popularity_threshold_share": round(pop_threshold, 6), "margin_threshold": round(avg_margin, 4)},
        tables=[table("scorecard", recs[:args.top], cols),
                table("quadrant", sorted(recs, key=lambda r: (r["quadrant"], -r["items"])),
                      ["spu_name", "quadrant", "items_share", "unit_margin", "popular", "profitable"]),
                table("categories", cat_table),
                table("rolling_30d", rolling)],
        findings=findings,
        chart=chart("point", [{"product": r["spu_name"], "items_share": r["items_share"],
                               "unit_margin": r["unit_margin"], "quadrant": r["quadrant"]} for r in recs],
                    "items_share", "unit_margin", title="Menu engineering: popularity vs margin", color="quadrant",
                    x_type="quantitative"),
        filters=[*ORDER_FILTER_TEXT, f"period {period.start}..{period.end}",
                 f"production time: single-item productions, ≤ {PROD_CAP_S} s"],
    )


def _category_trend(cats: list[dict[str, Any]], trends: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_cat: dict[str, dict[str, float]] = defaultdict(lambda: {"recent": 0.0, "previous": 0.0})
    for t in trends:
        by_cat[t["category"]]["recent"] += t["recent"]
        by_cat[t["category"]]["previous"] += t["previous"]
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cats:
        months[c["category"]].append(c)
    out = []
    for cat in sorted(set(months) | set(by_cat)):
        w = by_cat.get(cat, {"recent": 0.0, "previous": 0.0})
        series = months.get(cat, [])
        n = int(w["recent"] + w["previous"])
        p = binomtest(int(w["recent"]), n, 0.5).pvalue if n else 1.0
        change = (w["recent"] - w["previous"]) / w["previous"] if w["previous"] else None
        direction = "flat"
        if change is not None and p < 0.01 and abs(change) >= 0.10:
            direction = "growing" if change > 0 else "declining"
        out.append({"category": cat, "revenue": sum(s["revenue"] for s in series),
                    "items": sum(s["items"] for s in series),
                    "monthly_items": " ".join(str(int(s["items"])) for s in series),
                    "recent_items": int(w["recent"]), "previous_items": int(w["previous"]),
                    "change": change, "p_value": p, "trend": direction})
    return sorted(out, key=lambda r: -r["revenue"])


def _rolling(ctx: ToolContext, top: list[dict[str, Any]], end: dt.date, days: int = 120) -> list[dict[str, Any]]:
    """30-day rolling mean of daily items for the top products (last point and 30 days before it)."""
    from tools.common2 import as_date, utc_bounds

    if not top:
        return []
    lo, hi = utc_bounds(end - dt.timedelta(days=days - 1), end)
    series: dict[str, dict[dt.date, float]] = defaultdict(dict)
    for r in rows(ctx, _DAILY_TOP, lo=lo, hi=hi, codes=[t["spu_code"] for t in top]):
        series[r["spu_code"]][as_date(r["d"])] = float(r["items"])
    out = []
    for t in top:
        daily = np.array([series[t["spu_code"]].get(end - dt.timedelta(days=days - 1 - i), 0.0) for i in range(days)])
        roll = np.convolve(daily, np.ones(30) / 30, mode="valid")
        out.append({"spu_name": t["spu_name"], "rolling_30d_now": float(roll[-1]),
                    "rolling_30d_30_days_ago": float(roll[-31]) if len(roll) > 30 else None,
                    "rolling_30d_90_days_ago": float(roll[-91]) if len(roll) > 90 else None})
    return out
