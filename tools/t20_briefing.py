"""Seed tool 20: the executive daily briefing, written from the figures without an LLM.

For a business day D it compares revenue, orders and AOV (chain and per store) with the same day
last week and the trailing 30-day mean; flags a store-day more than 2 σ from its norm (the same
weekday of the previous 8 weeks: mean and standard deviation); adds production and fleet health,
stock alerts, new users, active customers and coupon use, the anomaly scan of tool 24 for D, and a
7-day outlook from the replenishment system's order forecast (latest run per store, date and hour;
the mean of the last four same weekdays where there is none).

Every sentence is a template filled with numbers computed here, so the text is reproducible and
testable; the output carries it as Markdown and as Slack Block Kit blocks. An LLM may polish the
wording when one is configured, but nothing here needs one.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import all_shops, chart, table
from tools.common2 import (
    LOCAL_DAY,
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

_STORE_DAYS = f"""
SELECT o.shop_id, {LOCAL_DAY} AS d, COUNT(*) AS orders, SUM(o.pay_money) AS revenue,
       COUNT(DISTINCT o.user_no) AS customers
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY o.shop_id, {LOCAL_DAY}
ORDER BY o.shop_id, d
"""
_ACTIVE = f"""
SELECT COUNT(DISTINCT o.user_no) AS customers FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
"""
_PROD_DAY = "DATE(CONVERT_TZ(p.create_time, 'UTC', 'America/New_York'))"
_PRODUCTION = f"""
SELECT {_PROD_DAY} AS d, COUNT(*) AS productions,
       AVG(CASE WHEN {PROD_SECONDS} <= {PROD_CAP_S} THEN {PROD_SECONDS} END) AS avg_seconds,
       SUM(CASE WHEN {PROD_SECONDS} > {PROD_CAP_S} THEN 1 ELSE 0 END) AS outliers
FROM luckyus_opproduction.t_production AS p
WHERE {PROD_VALID} AND p.create_time >= :lo AND p.create_time < :hi
GROUP BY {_PROD_DAY} ORDER BY d
"""
_FLEET = """
SELECT d.machine_type, COUNT(*) AS devices, SUM(CASE WHEN d.online_status = 1 THEN 1 ELSE 0 END) AS online
FROM luckyus_iot_platform.t_device AS d WHERE d.status = 1
GROUP BY d.machine_type ORDER BY devices DESC, d.machine_type
"""
_DEVICE_EVENTS = """
SELECT e.event_type, COUNT(*) AS n, COUNT(DISTINCT e.device_no) AS devices
FROM luckyus_iot_platform.t_device_event AS e
WHERE e.event_time >= :lo AND e.event_time < :hi AND e.event_type IN (2, 3)
GROUP BY e.event_type ORDER BY e.event_type
"""
_STOCK = """
SELECT s.shop_id, s.goods_name, s.stock_qty, s.safety_stock_qty, s.max_stock_qty, s.unit
FROM luckyus_scm_shopstock.t_shop_goods_stock AS s
WHERE s.stock_date = :d AND s.stock_qty < s.safety_stock_qty
ORDER BY s.stock_qty, s.shop_id, s.goods_name
"""
_NEW_USERS = """
SELECT DATE(CONVERT_TZ(u.register_time, 'UTC', 'America/New_York')) AS d, COUNT(*) AS users
FROM luckyus_sales_crm.t_user AS u
WHERE u.origin <> 6 AND u.register_time >= :lo AND u.register_time < :hi
GROUP BY DATE(CONVERT_TZ(u.register_time, 'UTC', 'America/New_York')) ORDER BY d
"""
_COUPONS = f"""
SELECT COUNT(*) AS redeemed, SUM(r.discount_amount) AS discount, SUM(o.pay_money) AS revenue
FROM luckyus_sales_marketing.t_coupon_record AS r JOIN luckyus_sales_order.t_order AS o ON o.id = r.order_id
WHERE r.status = 2 AND {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
"""
_OUTLOOK = """
SELECT f.pred_date, SUM(f.pred_order_cnt) AS orders
FROM luckyus_ireplenishment.t_order_predict_alg_v2 AS f
JOIN (SELECT shop_id, pred_date, pred_hour, MAX(create_time) AS run
      FROM luckyus_ireplenishment.t_order_predict_alg_v2 WHERE pred_date >= :d0 AND pred_date <= :d1
      GROUP BY shop_id, pred_date, pred_hour) AS latest
  ON latest.shop_id = f.shop_id AND latest.pred_date = f.pred_date AND latest.pred_hour = f.pred_hour
 AND latest.run = f.create_time
WHERE f.pred_date >= :d0 AND f.pred_date <= :d1
GROUP BY f.pred_date ORDER BY f.pred_date
"""


class BriefingInput(ToolInput):
    date: dt.date | None = Field(None, description="Business day to brief on (default: yesterday)")
    sigma: float = Field(2.0, gt=0, le=6, description="Standard deviations from the norm that raise an alert")


def pct_change(now: float, then: float | None) -> float | None:
    return None if not then else now / then - 1


def trend_words(change: float | None) -> str:
    if change is None:
        return "no comparison"
    if abs(change) < 0.005:
        return "flat"
    return f"{'up' if change > 0 else 'down'} {abs(change) * 100:.1f} %"


def money(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 1000 else f"${x:,.2f}"


def zscore(value: float, history: list[float]) -> float | None:
    if len(history) < 4:
        return None
    sd = statistics.pstdev(history)
    mu = statistics.fmean(history)
    return (value - mu) / sd if sd > 0 else None


class Figures:
    """Everything the briefing says, computed once; the renderers only format it."""

    def __init__(self, ctx: ToolContext, day: dt.date, sigma: float) -> None:
        self.day, self.sigma = day, sigma
        names = {s.id: s.name for s in all_shops(ctx)}
        lo, hi = utc_bounds(day - dt.timedelta(days=56), day)
        d_lo, d_hi = utc_bounds(day, day)
        per: dict[int, dict[dt.date, dict[str, float]]] = defaultdict(dict)
        for r in rows(ctx, _STORE_DAYS, lo=lo, hi=hi):
            per[int(r["shop_id"])][as_date(r["d"])] = {"orders": float(r["orders"]), "revenue": float(r["revenue"])}
        chain: dict[dt.date, dict[str, float]] = defaultdict(lambda: {"orders": 0.0, "revenue": 0.0})
        for series in per.values():
            for d, v in series.items():
                chain[d]["orders"] += v["orders"]
                chain[d]["revenue"] += v["revenue"]
        self.chain = self._compare(dict(chain), "chain")
        self.stores = []
        for s, series in per.items():
            if day in series or any(day - dt.timedelta(days=k) in series for k in range(1, 8)):
                c = self._compare(series, names.get(s, str(s)))
                c["shop_id"] = s
                self.stores.append(c)
        self.stores.sort(key=lambda c: -c["revenue"])
        self.alerts = [c for c in [self.chain, *self.stores]
                       if (c["z_revenue"] is not None and abs(c["z_revenue"]) > sigma)
                       or (c["z_orders"] is not None and abs(c["z_orders"]) > sigma)]
        self.active = int(rows(ctx, _ACTIVE, lo=d_lo, hi=d_hi)[0]["customers"] or 0)
        prod = {as_date(r["d"]): r for r in rows(ctx, _PRODUCTION, lo=utc_bounds(day - dt.timedelta(days=30), day)[0],
                                                    hi=hi)}
        today_p = prod.get(day)
        trail = [float(r["avg_seconds"]) for d, r in prod.items() if d < day and r["avg_seconds"] is not None]
        self.production = {"avg_seconds": float(today_p["avg_seconds"]) if today_p and today_p["avg_seconds"]
                           is not None else None, "productions": int(today_p["productions"]) if today_p else 0,
                           "outliers": int(today_p["outliers"] or 0) if today_p else 0,
                           "trailing_avg_seconds": statistics.fmean(trail) if trail else None}
        self.fleet = rows(ctx, _FLEET)
        self.device_events = {int(r["event_type"]): r for r in rows(ctx, _DEVICE_EVENTS, lo=d_lo, hi=d_hi)}
        self.stock = rows(ctx, _STOCK, d=day)
        for r in self.stock:
            r["store"] = names.get(int(r["shop_id"]), str(r["shop_id"]))
        users = {as_date(r["d"]): int(r["users"]) for r in rows(ctx, _NEW_USERS, lo=utc_bounds(
            day - dt.timedelta(days=30), day)[0], hi=hi)}
        self.new_users = users.get(day, 0)
        prev = [users.get(day - dt.timedelta(days=k), 0) for k in range(1, 31)]
        self.new_users_mean = statistics.fmean(prev)
        cp = rows(ctx, _COUPONS, lo=d_lo, hi=d_hi)[0]
        self.coupons = {"redeemed": int(cp["redeemed"] or 0), "discount": float(cp["discount"] or 0.0),
                        "revenue": float(cp["revenue"] or 0.0)}
        self.outlook = self._outlook(ctx, dict(chain))
        from tools.t24_anomalies import AnomalyInput, anomalies

        scan = anomalies(ctx, AnomalyInput(since=day, until=day, min_severity="warning"))
        self.anomalies = scan.findings

    def _compare(self, series: dict[dt.date, dict[str, float]], label: str) -> dict[str, Any]:
        day = self.day
        now = series.get(day, {"orders": 0.0, "revenue": 0.0})
        week = series.get(day - dt.timedelta(days=7))
        trail = [series.get(day - dt.timedelta(days=k), {"orders": 0.0, "revenue": 0.0}) for k in range(1, 31)]
        same = [series[d] for d in (day - dt.timedelta(weeks=k) for k in range(1, 9)) if d in series]
        mean_rev = statistics.fmean(t["revenue"] for t in trail)
        mean_ord = statistics.fmean(t["orders"] for t in trail)
        aov = now["revenue"] / now["orders"] if now["orders"] else None
        return {"name": label, "orders": now["orders"], "revenue": now["revenue"], "aov": aov,
                "revenue_last_week": week["revenue"] if week else None,
                "orders_last_week": week["orders"] if week else None,
                "aov_last_week": week["revenue"] / week["orders"] if week and week["orders"] else None,
                "revenue_30d_mean": mean_rev, "orders_30d_mean": mean_ord,
                "vs_last_week": pct_change(now["revenue"], week["revenue"] if week else None),
                "vs_30d_mean": pct_change(now["revenue"], mean_rev),
                "z_revenue": zscore(now["revenue"], [s["revenue"] for s in same]),
                "z_orders": zscore(now["orders"], [s["orders"] for s in same]),
                "norm_revenue": statistics.fmean(s["revenue"] for s in same) if same else None,
                "norm_orders": statistics.fmean(s["orders"] for s in same) if same else None}

    def _outlook(self, ctx: ToolContext, chain: dict[dt.date, dict[str, float]]) -> list[dict[str, Any]]:
        d0, d1 = self.day + dt.timedelta(days=1), self.day + dt.timedelta(days=7)
        fc = {as_date(r["pred_date"]): float(r["orders"]) for r in rows(ctx, _OUTLOOK, d0=d0, d1=d1)}
        out = []
        for k in range(1, 8):
            d = self.day + dt.timedelta(days=k)
            last = [chain[x]["orders"] for x in (d - dt.timedelta(weeks=w) for w in range(1, 5)) if x in chain]
            naive = statistics.fmean(last) if last else None
            value, source = (fc[d], "forecast") if d in fc else (naive, "same-weekday mean")
            ref = chain.get(d - dt.timedelta(days=7), {}).get("orders")
            out.append({"date": d, "weekday": f"{d:%a}", "orders": value, "source": source,
                        "same_day_last_week": ref, "change": pct_change(value or 0.0, ref) if value else None})
        return out


def alert_text(a: dict[str, Any], day: dt.date, sigma: float) -> str:
    """'221 Grand: revenue $53.79 vs a usual $19.50 for a Friday (+5.6 σ)', for whichever measure tripped."""
    parts = []
    if a["z_revenue"] is not None and abs(a["z_revenue"]) > sigma:
        parts.append(f"revenue {money(a['revenue'])} vs a usual {money(a['norm_revenue'] or 0)} "
                     f"({a['z_revenue']:+.1f} σ)")
    if a["z_orders"] is not None and abs(a["z_orders"]) > sigma:
        parts.append(f"{a['orders']:,.0f} orders vs a usual {a['norm_orders'] or 0:,.0f} ({a['z_orders']:+.1f} σ)")
    return f"{a['name']}: " + " and ".join(parts) + f" for a {day:%A}"


def lead_sentence(f: Figures, bold: bool = True) -> str:
    """The briefing's first sentence: the day's revenue, orders and AOV against last week and the 30-day mean."""
    c = f.chain
    b = "**" if bold else ""
    aov = f"${c['aov']:.2f}" if c["aov"] is not None else "n/a"
    return (f"Revenue on {f.day:%a %d %b} was {b}{money(c['revenue'])}{b} from {b}{c['orders']:,.0f} orders{b} "
            f"(AOV {aov}): {trend_words(c['vs_last_week'])} on the same day last week and "
            f"{trend_words(c['vs_30d_mean'])} against the 30-day average ({money(c['revenue_30d_mean'])}).")


def to_markdown(f: Figures) -> str:
    day = f"{f.day:%A %d %B %Y}"
    lines = [f"# Daily briefing — {day}", "", "## 1. Revenue & orders", lead_sentence(f)]
    if f.stores:
        best = max(f.stores, key=lambda s: s["revenue"])
        lines.append(f"Top store: {best['name']} with {money(best['revenue'])}.")
        lines += ["", "| Store | Revenue | Orders | AOV | vs last week | vs 30-day avg |",
                  "|---|---:|---:|---:|---:|---:|"]
        for s in f.stores:
            aov = f"${s['aov']:.2f}" if s["aov"] else "n/a"
            lines.append(f"| {s['name']} | {money(s['revenue'])} | {s['orders']:,.0f} | {aov} | "
                         f"{trend_words(s['vs_last_week'])} | {trend_words(s['vs_30d_mean'])} |")
    lines += ["", "## 2. Operational health"]
    p = f.production
    if p["avg_seconds"] is not None:
        tr = pct_change(p["avg_seconds"], p["trailing_avg_seconds"])
        lines.append(f"- Production: {p['productions']:,} orders made in {p['avg_seconds']:.0f} s on average "
                     f"({trend_words(tr)} vs the 30-day average"
                     + (f"; {p['outliers']} over {PROD_CAP_S} s excluded" if p["outliers"] else "") + ").")
    else:
        lines.append("- Production: no productions recorded.")
    devices = sum(int(r["devices"]) for r in f.fleet)
    online = sum(int(r["online"]) for r in f.fleet)
    if devices:
        worst = min(f.fleet, key=lambda r: int(r["online"]) / max(int(r["devices"]), 1))
        lines.append(f"- Machines: {online} of {devices} in-service devices online now "
                     f"({100 * online / devices:.0f} %); lowest: {worst['machine_type']} "
                     f"({worst['online']}/{worst['devices']}). "
                     f"{int(f.device_events.get(2, {}).get('devices', 0))} device(s) went offline and "
                     f"{int(f.device_events.get(3, {}).get('n', 0))} error event(s) on the day.")
    outs = [r for r in f.stock if float(r["stock_qty"]) <= 0]
    low = [r for r in f.stock if 0 < float(r["stock_qty"]) < float(r["safety_stock_qty"])]
    lines.append(f"- Stock: {len(outs)} store item(s) out of stock and {len(low)} below safety stock at closing"
                 + (": " + "; ".join(f"{r['goods_name']} at {r['store']}" for r in outs[:5]) if outs else "") + ".")
    lines += ["", "## 3. Customers"]
    lines.append(f"- {f.new_users:,} new registration(s) ({trend_words(pct_change(f.new_users, f.new_users_mean))} vs "
                 f"the 30-day average of {f.new_users_mean:.1f}); {f.active:,} customers ordered.")
    cp = f.coupons
    lines.append(f"- Coupons: {cp['redeemed']:,} redeemed, {money(cp['discount'])} of discounts on "
                 f"{money(cp['revenue'])} of orders.")
    lines += ["", "## 4. Alerts & exceptions"]
    if not f.alerts and not f.anomalies and not outs:
        lines.append("- Nothing needs attention.")
    for a in f.alerts:
        lines.append(f"- {alert_text(a, f.day, f.sigma)}.")
    for fnd in f.anomalies:
        lines.append(f"- [{fnd.severity.value}] {fnd.title}")
    lines += ["", "## 5. 7-day outlook"]
    total = sum(o["orders"] or 0 for o in f.outlook)
    ref = sum(o["same_day_last_week"] or 0 for o in f.outlook)
    src = sorted({o["source"] for o in f.outlook})
    lines.append(f"About {total:,.0f} orders expected over the next 7 days ({trend_words(pct_change(total, ref))} on "
                 f"the 7 days before; {', '.join(src)}).")
    lines.append(" · ".join(f"{o['date']:%a %d}: {o['orders'] or 0:,.0f}" for o in f.outlook))
    return "\n".join(lines) + "\n"


def to_slack(f: Figures, markdown: str) -> list[dict[str, Any]]:
    """Slack Block Kit: a header, one section per part of the briefing, dividers between them."""
    parts = markdown.split("\n## ")
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text",
                                                                "text": f"Daily briefing — {f.day:%a %d %b %Y}"}}]
    c = f.chain
    fields = [("Revenue", money(c["revenue"])), ("Orders", f"{c['orders']:,.0f}"),
              ("AOV", f"${c['aov']:.2f}" if c["aov"] else "n/a"), ("vs last week", trend_words(c["vs_last_week"]))]
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]})
    for part in parts[1:]:
        head, _, body = part.partition("\n")
        body = "\n".join(line for line in body.splitlines() if not line.startswith("|"))  # tables do not render
        text = f"*{head.strip()}*\n" + body.replace("**", "*").strip()
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Ask Lucky · figures from the "
                                                    "warehouse, text generated without an LLM"}]})
    return blocks


@tool(name="briefing", title="Executive daily briefing", department="Cross-department", seed_tool=20,
      input_model=BriefingInput,
      examples=("Give me the daily briefing", "Briefing for 2026-02-13"),
      keywords=("briefing", "daily", "summary", "digest", "executive", "yesterday", "report", "outlook"))
def briefing(ctx: ToolContext, args: BriefingInput) -> ToolOutput:
    """Yesterday (or any day) against the same day last week and the 30-day mean for revenue, orders and
    AOV by store; production and fleet health; stock alerts; new users and coupon use; anomalies more
    than 2 σ from the norm; a 7-day outlook from the forecast — written as Markdown and Slack blocks."""
    day = args.date or ctx.today - dt.timedelta(days=1)
    f = Figures(ctx, day, args.sigma)
    md = to_markdown(f)
    blocks = to_slack(f, md)
    findings = [Finding(severity=Severity.warning, kind="briefing_alert", title=alert_text(a, day, args.sigma),
                        where=a["name"],
                        keys={"date": day.isoformat(), "scope": a["name"], "shop_id": a.get("shop_id")},
                        evidence=[{k: a[k] for k in ("revenue", "orders", "norm_revenue", "norm_orders", "z_revenue",
                                                     "z_orders")}])
                for a in f.alerts]
    findings += f.anomalies
    c = f.chain
    return ToolOutput(
        tool="briefing", title=f"Daily briefing {day}", summary=lead_sentence(f, bold=False),
        headline={"date": day.isoformat(), "revenue": round(c["revenue"], 2), "orders": int(c["orders"]),
                  "aov": round(c["aov"], 2) if c["aov"] else None,
                  "revenue_last_week": c["revenue_last_week"], "revenue_30d_mean": round(c["revenue_30d_mean"], 2),
                  "vs_last_week": c["vs_last_week"], "vs_30d_mean": c["vs_30d_mean"], "new_users": f.new_users,
                  "active_customers": f.active, "coupons_redeemed": f.coupons["redeemed"],
                  "alerts": len(f.alerts), "anomalies": len(f.anomalies),
                  "outlook_7d_orders": round(sum(o["orders"] or 0 for o in f.outlook), 1)},
        tables=[table("stores", f.stores, ["name", "revenue", "orders", "aov", "revenue_last_week", "vs_last_week",
                                           "revenue_30d_mean", "vs_30d_mean", "z_revenue", "z_orders"]),
                table("stock_alerts", f.stock, ["store", "goods_name", "stock_qty", "safety_stock_qty",
                                                "max_stock_qty", "unit"]),
                table("outlook", f.outlook)],
        findings=findings,
        chart=chart("bar", [{"store": s["name"], "revenue": s["revenue"]} for s in f.stores], "store", "revenue",
                    title=f"Revenue by store, {day}"),
        documents={"markdown": md, "slack_blocks": blocks},
        filters=[*ORDER_FILTER_TEXT, f"norm: same weekday of the previous 8 weeks, alert beyond {args.sigma:g} σ"],
    )

