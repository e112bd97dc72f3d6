"""Seed tool 17: supplier scorecard — on-time rate, lead time, price trends, spend, overdue deliveries.

Definitions, stated in the output:

* a shipment is late when ``arrival_date > expected_arrival_date`` (arrived shipments only);
  on-time rate = 1 − late share. A supplier is *late* when its late share is at least twice
  everyone else's and a two-proportion z-test gives p < 0.001;
* lead time = ``arrival_date − t_purchase_order.order_date`` in days;
* a delivery is overdue when it has not arrived (``arrival_date`` NULL) and its expected arrival
  date is before today;
* price trend: each PO line's unit price relative to the goods master's ``unit_cost``; for each
  supplier the month boundary that best separates its relative prices is found, and prices rose
  when the mean after is at least ``min_price_change`` above the mean before and Welch's t-test
  (SciPy), Bonferroni-corrected for the months tried, gives p < 0.001;
* spend = PO totals, cancelled and draft POs excluded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import Field
from scipy.stats import ttest_ind

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import chart, table
from tools.common2 import as_date, fmt_p, fmt_pct, rows, two_proportions
from tools.registry import tool

_SUPPLIERS = """
SELECT supplier_id, supplier_name, category, payment_terms_days FROM luckyus_scm_purchase.t_supplier
ORDER BY supplier_id
"""

_SHIPMENTS = """
SELECT s.supplier_id, COUNT(*) AS shipments,
       SUM(CASE WHEN s.arrival_date IS NOT NULL THEN 1 ELSE 0 END) AS arrived,
       SUM(CASE WHEN s.arrival_date > s.expected_arrival_date THEN 1 ELSE 0 END) AS late,
       SUM(CASE WHEN s.arrival_date > s.expected_arrival_date THEN DATEDIFF(s.arrival_date, s.expected_arrival_date)
                ELSE 0 END) AS late_days,
       SUM(CASE WHEN s.arrival_date IS NULL AND s.expected_arrival_date < :today THEN 1 ELSE 0 END) AS overdue
FROM luckyus_scm_purchase.t_ship_order AS s
WHERE s.ship_date <= :today
GROUP BY s.supplier_id
ORDER BY s.supplier_id
"""

_LEAD_TIMES = """
SELECT s.supplier_id, DATEDIFF(s.arrival_date, p.order_date) AS lead_days, COUNT(*) AS n
FROM luckyus_scm_purchase.t_ship_order AS s JOIN luckyus_scm_purchase.t_purchase_order AS p ON p.po_no = s.po_no
WHERE s.arrival_date IS NOT NULL
GROUP BY s.supplier_id, DATEDIFF(s.arrival_date, p.order_date)
ORDER BY s.supplier_id, lead_days
"""

_OVERDUE = """
SELECT s.ship_no, s.po_no, s.supplier_id, s.shop_id, s.ship_date, s.expected_arrival_date, s.carrier,
       DATEDIFF(:today, s.expected_arrival_date) AS days_overdue
FROM luckyus_scm_purchase.t_ship_order AS s
WHERE s.arrival_date IS NULL AND s.expected_arrival_date < :today
ORDER BY days_overdue DESC, s.ship_no
"""

_PRICES = """
SELECT p.supplier_id, i.goods_code, MAX(i.goods_name) AS goods_name, YEAR(p.order_date) AS y,
       MONTH(p.order_date) AS m, AVG(i.unit_price) AS unit_price, SUM(i.quantity) AS quantity,
       SUM(i.amount) AS amount, MIN(p.order_date) AS first_date, COUNT(*) AS lines
FROM luckyus_scm_purchase.t_purchase_order_item AS i
JOIN luckyus_scm_purchase.t_purchase_order AS p ON p.po_no = i.po_no
WHERE p.status NOT IN (1, 5)
GROUP BY p.supplier_id, i.goods_code, YEAR(p.order_date), MONTH(p.order_date)
ORDER BY p.supplier_id, i.goods_code, y, m
"""

_PRICE_LINES = """
SELECT p.supplier_id, i.goods_code, p.order_date, i.unit_price, g.unit_cost
FROM luckyus_scm_purchase.t_purchase_order_item AS i
JOIN luckyus_scm_purchase.t_purchase_order AS p ON p.po_no = i.po_no
JOIN (SELECT goods_code, AVG(unit_cost) AS unit_cost FROM luckyus_scm_commodity.t_mdm_goods GROUP BY goods_code) AS g
  ON g.goods_code = i.goods_code
WHERE p.status NOT IN (1, 5)
ORDER BY p.supplier_id, i.goods_code, p.order_date, i.id
"""

_SPEND_CATEGORY = """
SELECT COALESCE(g.goods_category, 'unknown') AS category, SUM(i.amount) AS spend, COUNT(DISTINCT p.po_no) AS pos
FROM luckyus_scm_purchase.t_purchase_order_item AS i
JOIN luckyus_scm_purchase.t_purchase_order AS p ON p.po_no = i.po_no
LEFT JOIN (SELECT goods_code, MAX(goods_category) AS goods_category FROM luckyus_scm_commodity.t_mdm_goods
           GROUP BY goods_code) AS g ON g.goods_code = i.goods_code
WHERE p.status NOT IN (1, 5)
GROUP BY COALESCE(g.goods_category, 'unknown')
ORDER BY spend DESC, category
"""

_SPEND_SUPPLIER = """
SELECT p.supplier_id, SUM(p.total_amount) AS spend, COUNT(*) AS pos,
       SUM(CASE WHEN p.order_date >= :recent THEN p.total_amount ELSE 0 END) AS spend_recent
FROM luckyus_scm_purchase.t_purchase_order AS p
WHERE p.status NOT IN (1, 5)
GROUP BY p.supplier_id
ORDER BY p.supplier_id
"""

_SETTLEMENTS = """
SELECT st.supplier_id, COUNT(*) AS settlements,
       SUM(CASE WHEN st.status = 2 THEN 1 ELSE 0 END) AS paid,
       SUM(CASE WHEN st.status = 3 THEN 1 ELSE 0 END) AS overdue,
       AVG(CASE WHEN st.settle_date IS NOT NULL THEN DATEDIFF(st.settle_date, st.due_date) END) AS days_vs_due
FROM luckyus_scm_purchase.t_supplier_settlement AS st
GROUP BY st.supplier_id
ORDER BY st.supplier_id
"""


class SupplierInput(ToolInput):
    as_of: dt.date | None = Field(None, description="'Today' for overdue deliveries (default: the reference today)")
    min_price_change: float = Field(0.05, gt=0, le=1, description="Smallest relative price rise to report")
    supplier: str | None = Field(None, description="Only this supplier (name or id)")


def price_trends(lines: list[dict[str, Any]], min_change: float) -> list[dict[str, Any]]:
    """Per supplier: the month boundary that best splits its relative prices into before / after.

    Relative price = PO unit price ÷ the goods master's ``unit_cost``. Each month start with at
    least three lines on both sides is tried; Welch's t-test p-values are Bonferroni-corrected for
    the number of splits tried.
    """
    rel: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for r in lines:
        if r["unit_cost"]:
            ratio = float(r["unit_price"]) / float(r["unit_cost"])
            rel[int(r["supplier_id"])].append((as_date(r["order_date"]), ratio))
    out: list[dict[str, Any]] = []
    for sid, pts in sorted(rel.items()):
        pts.sort()
        months = sorted({d.replace(day=1) for d, _ in pts})[1:]
        best: dict[str, Any] = {"supplier_id": sid, "lines": len(pts), "since": None, "before": None, "after": None,
                                "change": None, "p_value": None, "rising": False}
        tried = []
        for m in months:
            before = [v for d, v in pts if d < m]
            after = [v for d, v in pts if d >= m]
            if len(before) < 3 or len(after) < 3 or (np.ptp(before) == 0 and np.ptp(after) == 0):
                continue
            p = float(ttest_ind(after, before, equal_var=False).pvalue)
            tried.append((p, m, float(np.mean(before)), float(np.mean(after))))
        if tried:
            p, m, mb, ma = min(tried)
            p_adj = min(1.0, p * len(tried))
            change = ma / mb - 1
            best.update({"since": m, "before": mb, "after": ma, "change": change, "p_value": p_adj,
                         "rising": bool(change >= min_change and p_adj < 0.001)})
        out.append(best)
    return out


def _percentile(hist: list[tuple[int, int]], q: float) -> float | None:
    """Nearest-rank percentile of a (value, count) histogram."""
    total = sum(n for _, n in hist)
    if not total:
        return None
    need = q * total
    seen = 0
    for v, n in sorted(hist):
        seen += n
        if seen >= need:
            return float(v)
    return float(sorted(hist)[-1][0])


@tool(name="suppliers", title="Supplier performance tracker", department="Supply chain", seed_tool=17,
      input_model=SupplierInput,
      examples=("Which supplier delivers late?", "Which deliveries are overdue?", "Did any supplier raise prices?"),
      keywords=("supplier", "vendor", "on-time", "late", "lead time", "overdue", "delivery", "spend", "price"))
def suppliers(ctx: ToolContext, args: SupplierInput) -> ToolOutput:
    """Scores every supplier on on-time delivery, lead time, price trend and settlement, breaks spend
    down by supplier and category, and lists overdue deliveries; flags late suppliers and price rises
    with their tests."""
    today = args.as_of or ctx.today
    sup = {int(r["supplier_id"]): r for r in rows(ctx, _SUPPLIERS)}
    ship = {int(r["supplier_id"]): r for r in rows(ctx, _SHIPMENTS, today=today)}
    leads: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in rows(ctx, _LEAD_TIMES):
        leads[int(r["supplier_id"])].append((int(r["lead_days"]), int(r["n"])))
    spend = {int(r["supplier_id"]): r for r in rows(ctx, _SPEND_SUPPLIER, recent=today - dt.timedelta(days=90))}
    settle = {int(r["supplier_id"]): r for r in rows(ctx, _SETTLEMENTS)}
    trends = {t["supplier_id"]: t for t in price_trends(rows(ctx, _PRICE_LINES), args.min_price_change)}
    arrived_all = sum(int(s["arrived"]) for s in ship.values())
    late_all = sum(int(s["late"] or 0) for s in ship.values())
    card = []
    for sid, s in sorted(sup.items()):
        sh = ship.get(sid, {})
        arrived, late = int(sh.get("arrived") or 0), int(sh.get("late") or 0)
        others_a, others_l = arrived_all - arrived, late_all - late
        z, p = two_proportions(others_l, others_a, late, arrived) if arrived else (0.0, 1.0)
        hist = leads.get(sid, [])
        n_lead = sum(n for _, n in hist)
        tr = trends.get(sid, {})
        st = settle.get(sid, {})
        sp = spend.get(sid, {})
        card.append({
            "supplier_id": sid, "supplier": s["supplier_name"], "category": s["category"],
            "shipments": int(sh.get("shipments") or 0), "arrived": arrived, "late": late,
            "on_time_rate": 1 - late / arrived if arrived else None,
            "avg_delay_when_late": float(sh.get("late_days") or 0) / late if late else None,
            "others_late_rate": others_l / others_a if others_a else None, "late_z": z, "late_p": p,
            "avg_lead_days": sum(v * n for v, n in hist) / n_lead if n_lead else None,
            "p90_lead_days": _percentile(hist, 0.9), "overdue": int(sh.get("overdue") or 0),
            "spend": float(sp.get("spend") or 0.0), "pos": int(sp.get("pos") or 0),
            "spend_last_90d": float(sp.get("spend_recent") or 0.0),
            "price_change": tr.get("change"), "price_change_since": tr.get("since"), "price_p": tr.get("p_value"),
            "settled_days_vs_due": st.get("days_vs_due"), "settlements_overdue": int(st.get("overdue") or 0)})
    if args.supplier:
        want = args.supplier.strip().lower()
        card = [c for c in card if want in (str(c["supplier_id"]), c["supplier"].lower())
                or want in c["supplier"].lower()]
    findings = []
    for c in card:
        lr = 1 - c["on_time_rate"] if c["on_time_rate"] is not None else None
        if lr is not None and c["others_late_rate"] is not None and c["late_p"] < 0.001 \
                and lr >= 2 * c["others_late_rate"] and c["late_z"] > 0:
            findings.append(Finding(
                severity=Severity.critical, kind="late_supplier",
                title=f"{c['supplier']} delivered {c['late']} of {c['arrived']} shipments late "
                      f"({fmt_pct(lr)} vs {fmt_pct(c['others_late_rate'])} for other suppliers, {fmt_p(c['late_p'])}, "
                      f"two-proportion z-test), {c['avg_delay_when_late'] or 0:.1f} days late on average",
                where=c["supplier"], keys={"supplier_id": c["supplier_id"]},
                evidence=[{k: c[k] for k in ("arrived", "late", "on_time_rate", "avg_delay_when_late",
                                             "others_late_rate", "late_p")}]))
        if trends.get(c["supplier_id"], {}).get("rising"):
            findings.append(Finding(
                severity=Severity.warning, kind="price_increase",
                title=f"{c['supplier']} prices are {100 * (c['price_change'] or 0):+.1f} % since "
                      f"{c['price_change_since']} against the goods' list costs before ({fmt_p(c['price_p'] or 1)}, "
                      f"Welch's t-test, Bonferroni-corrected over the months tried)",
                where=c["supplier"], keys={"supplier_id": c["supplier_id"]},
                evidence=[{k: v for k, v in trends[c["supplier_id"]].items()}]))
    wanted = {c["supplier_id"] for c in card}
    overdue = [r for r in rows(ctx, _OVERDUE, today=today) if int(r["supplier_id"]) in wanted]
    for r in overdue:
        name = sup.get(int(r["supplier_id"]), {}).get("supplier_name", r["supplier_id"])
        findings.append(Finding(
            severity=Severity.critical if int(r["days_overdue"]) >= 7 else Severity.warning, kind="overdue_delivery",
            title=f"Shipment {r['ship_no']} (PO {r['po_no']}) from {name} is {int(r['days_overdue'])} day(s) overdue "
                  f"(expected {as_date(r['expected_arrival_date'])})",
            where=str(name), keys={"ship_no": r["ship_no"], "po_no": r["po_no"], "supplier_id": int(r["supplier_id"])},
            evidence=[{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}]))
    monthly = rows(ctx, _PRICES)
    for r in monthly:
        r["supplier"] = sup.get(int(r["supplier_id"]), {}).get("supplier_name")
        r["month"] = f"{int(r['y']):04d}-{int(r['m']):02d}"
    categories = rows(ctx, _SPEND_CATEGORY)
    card.sort(key=lambda c: (c["on_time_rate"] if c["on_time_rate"] is not None else 2, -c["spend"]))
    n_late = sum(f.kind == "late_supplier" for f in findings)
    summary = (f"{len(card)} suppliers, {arrived_all} shipments arrived, on-time rate "
               f"{fmt_pct(1 - late_all / arrived_all if arrived_all else 0)}; {n_late} late supplier(s), "
               f"{len(overdue)} overdue deliveries, {sum(f.kind == 'price_increase' for f in findings)} price rise(s). "
               f"Spend ${sum(c['spend'] for c in card):,.2f}.")
    if findings:
        summary += " " + findings[0].title + "."
    cols = ["supplier", "category", "shipments", "arrived", "late", "on_time_rate", "avg_delay_when_late",
            "avg_lead_days", "p90_lead_days", "overdue", "spend", "spend_last_90d", "price_change",
            "settled_days_vs_due", "settlements_overdue"]
    return ToolOutput(
        tool="suppliers", title="Supplier performance tracker", summary=summary,
        headline={"suppliers": len(card), "arrived": arrived_all, "late": late_all,
                  "on_time_rate": round(1 - late_all / arrived_all, 4) if arrived_all else None,
                  "overdue_deliveries": len(overdue), "late_suppliers": n_late},
        tables=[table("scorecard", card, cols),
                table("overdue_deliveries", [{**r, "supplier": sup.get(int(r["supplier_id"]), {}).get("supplier_name")}
                                             for r in overdue]),
                table("spend_by_category", categories),
                table("price_by_month", monthly, ["supplier", "goods_code", "goods_name", "month", "unit_price",
                                                  "quantity", "amount", "lines"])],
        findings=findings,
        chart=chart("bar", card, "supplier", "on_time_rate", title="On-time delivery rate by supplier"),
        filters=["cancelled and draft POs excluded from spend and prices", f"overdue as of {today}",
                 "price trend: unit price ÷ goods master unit cost, best month split"],
    )
