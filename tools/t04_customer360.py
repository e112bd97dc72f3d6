"""Seed tool 4: Customer 360 — one customer's card, RFM for everyone, cohort retention and churn.

Masked ids. Non-admin callers never see a raw ``user_no``: every user appears as the guardrails'
pseudonym (``u_`` + 8 hex digits of a keyed HMAC of the user number, ``guardrails.masking``), the
same code any masked Ask Lucky answer shows. The card is looked up by that code: the tool reads
the user numbers once per dataset (pages of 5,000, as the system principal), hashes them with the
same key and keeps the pseudonym → user map in memory; the key never appears in SQL and nothing
is un-hashed. Phone, email and nickname are masked on the card unless the caller is an admin.

RFM uses the CDP's own rule (``cdp_segments.rfm`` in the manifest) so the two can be compared:
recency and frequency quintiles among customers with a completed order, quintile = 1 +
floor(5 × rank / n) with ties broken by user number; champions R≥4 & F≥4, loyal F≥4, potential
loyalist R≥4 & F≤3, at risk R≤2 & F≥3, lost R=F=1, hibernating R≤2 & F≤2, else need attention.
Monetary quintiles are shown beside them.

Churn. A customer's frequency is "falling against their own history" when they placed at least 3
orders in the baseline window and the recent window's count is improbably low for their own
baseline rate (Poisson lower tail, p < 0.01). A cohort (registration month, or registration month ×
favourite store) has collapsed from month m when its orders from m on, against its orders in the
two months before, fall under half the same ratio for every other customer registered early
enough, by Fisher's exact test, Bonferroni-corrected over all cohorts and months tried (p < 0.001).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pydantic import Field
from scipy.stats import fisher_exact, poisson

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import all_shops, table
from tools.common2 import (
    ORDER_FILTER,
    ORDER_FILTER_TEXT,
    fmt_p,
    fmt_pct,
    mask_pii,
    mask_user,
    resolve_user,
    rows,
    shows_raw_ids,
    utc_bounds,
)
from tools.registry import tool

_REG_MONTH = ("(YEAR(CONVERT_TZ(u.register_time, 'UTC', 'America/New_York')) * 100"
              " + MONTH(CONVERT_TZ(u.register_time, 'UTC', 'America/New_York')))")
_ORDER_MONTH = ("(YEAR(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) * 100"
                " + MONTH(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')))")

_RFM_BASE = f"""
SELECT s.user_no, s.orders, s.revenue, s.last_time,
       1 + FLOOR((ROW_NUMBER() OVER (ORDER BY s.last_time, s.user_no) - 1) * 5 / COUNT(*) OVER ()) AS r,
       1 + FLOOR((ROW_NUMBER() OVER (ORDER BY s.orders, s.user_no) - 1) * 5 / COUNT(*) OVER ()) AS f,
       1 + FLOOR((ROW_NUMBER() OVER (ORDER BY s.revenue, s.user_no) - 1) * 5 / COUNT(*) OVER ()) AS m
FROM (SELECT o.user_no, COUNT(*) AS orders, SUM(o.pay_money) AS revenue, MAX(o.create_time) AS last_time
      FROM luckyus_sales_order.t_order AS o WHERE {ORDER_FILTER} AND o.create_time < :hi GROUP BY o.user_no) AS s
"""

_SEGMENT = """CASE WHEN q.r >= 4 AND q.f >= 4 THEN 'champions' WHEN q.f >= 4 THEN 'loyal'
 WHEN q.r >= 4 AND q.f <= 3 THEN 'potential_loyalist' WHEN q.r <= 2 AND q.f >= 3 THEN 'at_risk'
 WHEN q.r = 1 AND q.f = 1 THEN 'lost' WHEN q.r <= 2 AND q.f <= 2 THEN 'hibernating' ELSE 'need_attention' END"""

_RFM_SEGMENTS = f"""
SELECT {_SEGMENT} AS segment, COUNT(*) AS users, SUM(q.orders) AS orders, SUM(q.revenue) AS revenue,
       AVG(q.r) AS avg_r, AVG(q.f) AS avg_f, AVG(q.m) AS avg_m
FROM ({_RFM_BASE}) AS q
GROUP BY {_SEGMENT}
ORDER BY users DESC, segment
"""

_RFM_GRID = f"""
SELECT q.r, q.f, COUNT(*) AS users, SUM(q.revenue) AS revenue
FROM ({_RFM_BASE}) AS q GROUP BY q.r, q.f ORDER BY q.r, q.f
"""

_CDP_AGREEMENT = f"""
SELECT COUNT(*) AS compared, SUM(CASE WHEN st.state_value = {_SEGMENT} THEN 1 ELSE 0 END) AS agree
FROM ({_RFM_BASE}) AS q
JOIN luckyus_isales_cdp.t_user_state AS st ON st.user_no = q.user_no AND st.state_key = 'rfm_segment'
"""

_RFM_ONE = f"""
SELECT q.r, q.f, q.m, {_SEGMENT} AS segment FROM ({_RFM_BASE}) AS q
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = q.user_no WHERE uu.id = :uid
"""

_TOP_USERS = f"""
SELECT q.user_no, q.orders, q.revenue, q.last_time, q.r, q.f, q.m, {_SEGMENT} AS segment
FROM ({_RFM_BASE}) AS q ORDER BY q.revenue DESC, q.user_no LIMIT :n
"""

_COHORT_SIZES = f"""
SELECT {_REG_MONTH} AS cohort, COUNT(*) AS users FROM luckyus_sales_crm.t_user AS u
WHERE u.origin <> 6 AND u.register_time < :hi GROUP BY {_REG_MONTH} ORDER BY cohort
"""

_COHORT_ACTIVE = f"""
SELECT {_REG_MONTH} AS cohort, {_ORDER_MONTH} AS month, COUNT(DISTINCT o.user_no) AS active, COUNT(*) AS orders
FROM luckyus_sales_order.t_order AS o JOIN luckyus_sales_crm.t_user AS u ON u.user_no = o.user_no
WHERE {ORDER_FILTER} AND u.origin <> 6 AND o.create_time < :hi
GROUP BY {_REG_MONTH}, {_ORDER_MONTH}
ORDER BY cohort, month
"""

_COHORT_STORE_MONTHS = f"""
WITH us AS (
  SELECT o.user_no, o.shop_id, COUNT(*) AS n FROM luckyus_sales_order.t_order AS o
  WHERE {ORDER_FILTER} AND o.create_time < :hi GROUP BY o.user_no, o.shop_id
), fav AS (
  SELECT x.user_no, x.shop_id FROM (
    SELECT us.user_no, us.shop_id, ROW_NUMBER() OVER (PARTITION BY us.user_no ORDER BY us.n DESC, us.shop_id) AS rn
    FROM us) AS x
  WHERE x.rn = 1
)
SELECT {_REG_MONTH} AS cohort, fav.shop_id, {_ORDER_MONTH} AS month, COUNT(*) AS orders
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_sales_crm.t_user AS u ON u.user_no = o.user_no
JOIN fav ON fav.user_no = o.user_no
WHERE {ORDER_FILTER} AND u.origin <> 6 AND o.create_time < :hi
GROUP BY {_REG_MONTH}, fav.shop_id, {_ORDER_MONTH}
ORDER BY cohort, fav.shop_id, month
"""

_WINDOW_COUNTS = f"""
SELECT o.user_no, SUM(CASE WHEN o.create_time >= :b0 AND o.create_time < :b1 THEN 1 ELSE 0 END) AS baseline,
       SUM(CASE WHEN o.create_time >= :b1 AND o.create_time < :hi THEN 1 ELSE 0 END) AS recent
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time < :hi
GROUP BY o.user_no HAVING MIN(o.create_time) < :b0
"""

_CHURN_GRID = f"""
SELECT {_REG_MONTH} AS cohort, w.baseline, w.recent, COUNT(*) AS users
FROM ({_WINDOW_COUNTS}) AS w JOIN luckyus_sales_crm.t_user AS u ON u.user_no = w.user_no
WHERE u.origin <> 6
GROUP BY {_REG_MONTH}, w.baseline, w.recent
ORDER BY cohort, w.baseline, w.recent
"""

_CHURN_SAMPLE = f"""
SELECT w.user_no, w.baseline, w.recent FROM ({_WINDOW_COUNTS}) AS w
WHERE w.baseline >= 3 AND w.recent = 0 ORDER BY w.baseline DESC, w.user_no LIMIT 20
"""

_CHURN_ONE = f"""SELECT w.baseline, w.recent FROM ({_WINDOW_COUNTS}) AS w
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = w.user_no WHERE uu.id = :uid"""

# ----------------------------------------------------------------------------- the card
_CARD_USER = """
SELECT u.user_no, u.register_time, u.origin, u.register_channel, u.status, u.phone, u.email, u.nick_name
FROM luckyus_sales_crm.t_user AS u WHERE u.id = :uid
"""
_CARD_ORDERS = f"""
SELECT COUNT(*) AS orders, SUM(o.pay_money) AS revenue, MIN(o.create_time) AS first_order,
       MAX(o.create_time) AS last_order
FROM luckyus_sales_order.t_order AS o JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = o.user_no
WHERE {ORDER_FILTER} AND uu.id = :uid AND o.create_time < :hi
"""
_CARD_STORES = f"""
SELECT o.shop_name, COUNT(*) AS orders FROM luckyus_sales_order.t_order AS o
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = o.user_no
WHERE {ORDER_FILTER} AND uu.id = :uid AND o.create_time < :hi
GROUP BY o.shop_name ORDER BY orders DESC, o.shop_name LIMIT 3
"""
_CARD_PRODUCTS = f"""
SELECT i.spu_name, COUNT(*) AS orders, SUM(i.quantity) AS items
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = o.user_no
WHERE {ORDER_FILTER} AND uu.id = :uid AND o.create_time < :hi
GROUP BY i.spu_name ORDER BY orders DESC, items DESC, i.spu_name LIMIT 3
"""
_CARD_COUPONS = """
SELECT r.coupon_no, r.template_id, t.template_name, r.receive_time, r.expire_time
FROM luckyus_sales_marketing.t_coupon_record AS r
LEFT JOIN luckyus_sales_marketing.t_coupon_template AS t ON t.template_id = r.template_id
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = r.user_no
WHERE uu.id = :uid AND r.status = 1 AND r.expire_time >= :hi
ORDER BY r.expire_time, r.coupon_no
"""
_CARD_CDP = """
SELECT st.state_key, st.state_value FROM luckyus_isales_cdp.t_user_state AS st
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = st.user_no
WHERE uu.id = :uid ORDER BY st.state_key
"""
_CARD_EXPERIMENTS = """
SELECT h.experiment_id, e.experiment_name, h.group_name, MIN(h.hit_time) AS first_hit, COUNT(*) AS hits
FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record AS h
LEFT JOIN luckyus_isalesdatamarketing.t_experiment AS e ON e.experiment_id = h.experiment_id
JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = h.user_no
WHERE uu.id = :uid
GROUP BY h.experiment_id, e.experiment_name, h.group_name
ORDER BY first_hit, h.experiment_id
"""


class Customer360Input(ToolInput):
    user: str | None = Field(None, description="Masked customer id (u_ + 12 hex digits) for one customer's card")
    as_of: dt.date | None = Field(None, description="Last business day included (default: yesterday)")
    recent_days: int = Field(60, ge=14, le=180, description="Recent window of the churn test (days)")
    baseline_days: int = Field(90, ge=28, le=365, description="Baseline window before it (days)")
    top: int = Field(20, ge=0, le=500, description="Top customers by lifetime value to list")


def _month(v: Any) -> str:
    n = int(v)
    return f"{n // 100:04d}-{n % 100:02d}"


def _months_between(a: int, b: int) -> int:
    return (b // 100 - a // 100) * 12 + (b % 100 - a % 100)


def churn_p(baseline: int, recent: int, ratio: float) -> float:
    """P(X ≤ recent) for X ~ Poisson(baseline × recent_days / baseline_days)."""
    return float(poisson.cdf(recent, baseline * ratio))


def cohort_retention(ctx: ToolContext, hi: dt.datetime) -> list[dict[str, Any]]:
    """Share of each registration-month cohort that ordered in month 0, 1, 2, ... after registering."""
    sizes = {int(r["cohort"]): int(r["users"]) for r in rows(ctx, _COHORT_SIZES, hi=hi)}
    grid: dict[int, dict[int, int]] = defaultdict(dict)
    for r in rows(ctx, _COHORT_ACTIVE, hi=hi):
        grid[int(r["cohort"])][_months_between(int(r["cohort"]), int(r["month"]))] = int(r["active"])
    width = max((max(g) for g in grid.values() if g), default=0) + 1
    out = []
    for c in sorted(sizes):
        row: dict[str, Any] = {"cohort": _month(c), "users": sizes[c]}
        for k in range(width):
            row[f"M{k}"] = grid[c].get(k, 0) / sizes[c] if sizes[c] and k in grid[c] else None
        out.append(row)
    return out


def churn(ctx: ToolContext, hi: dt.datetime, recent_days: int, baseline_days: int) -> dict[str, Any]:
    """Per-customer churn flags: established customers ordering far below their own baseline (Poisson)."""
    b1 = hi - dt.timedelta(days=recent_days)
    b0 = b1 - dt.timedelta(days=baseline_days)
    ratio = recent_days / baseline_days
    per: dict[int, dict[str, int]] = defaultdict(lambda: {"users": 0, "flagged": 0, "active": 0})
    for g in rows(ctx, _CHURN_GRID, b0=b0, b1=b1, hi=hi):
        c, b, r, n = int(g["cohort"]), int(g["baseline"]), int(g["recent"]), int(g["users"])
        per[c]["users"] += n
        per[c]["active"] += n if b > 0 else 0
        if b >= 3 and churn_p(b, r, ratio) < 0.01:
            per[c]["flagged"] += n
    flags = [{"cohort": _month(c), "established_customers": d["users"], "active_in_baseline": d["active"],
              "flagged_customers": d["flagged"], "flagged_share": d["flagged"] / d["users"] if d["users"] else None}
             for c, d in sorted(per.items())]
    return {"b0": b0, "b1": b1, "ratio": ratio, "flags": flags,
            "flagged": sum(d["flagged"] for d in per.values()), "eligible": sum(d["users"] for d in per.values())}


def _shift(month: int, k: int) -> int:
    n = (month // 100) * 12 + (month % 100 - 1) + k
    return (n // 12) * 100 + n % 12 + 1


def collapses(grid: list[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """Cohorts whose ordering collapsed from some month on, against everyone registered early enough.

    A cohort is a registration month, or a registration month × favourite store. For each month m
    it may have collapsed from, orders in the two months before m are compared with orders from m on,
    for the cohort and for all other customers registered at least three months before m (Fisher's
    exact test, one-sided); p is Bonferroni-corrected over every cohort × month tried. A collapse is
    reported when the cohort's after/before ratio is under half the others' and p < 0.001.
    """
    orders: dict[tuple[int, int | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    months: set[int] = set()
    for r in grid:
        c, shop, m, n = int(r["cohort"]), int(r["shop_id"]), int(r["month"]), int(r["orders"])
        orders[(c, None)][m] += n
        orders[(c, shop)][m] += n
        months.add(m)
    cal = sorted(months)
    tests: list[dict[str, Any]] = []
    for m in cal[3:]:
        before_m = (_shift(m, -2), _shift(m, -1))
        eligible = [k for k in orders if k[0] <= _shift(m, -3)]
        tot_b = sum(orders[k][x] for k in eligible if k[1] is None for x in before_m)
        tot_a = sum(orders[k][x] for k in eligible if k[1] is None for x in cal if x >= m)
        for k in eligible:
            b = sum(orders[k][x] for x in before_m)
            a = sum(orders[k][x] for x in cal if x >= m)
            ob, oa = tot_b - b, tot_a - a
            if b < 20 or ob <= 0:
                continue
            p = float(fisher_exact([[a, b], [oa, ob]], alternative="less").pvalue)
            rr = (a / b) / (oa / ob) if oa else None
            tests.append({"register_month": _month(k[0]), "favorite_shop": names.get(k[1], str(k[1]))
                          if k[1] is not None else None, "from_month": _month(m), "orders_before": b,
                          "orders_after": a, "others_before": ob, "others_after": oa, "ratio_vs_others": rr,
                          "p_raw": p})
    for t in tests:
        t["p_value"] = min(1.0, t["p_raw"] * len(tests))
        t["collapsed"] = bool(t["ratio_vs_others"] is not None and t["ratio_vs_others"] < 0.5 and t["p_value"] < 0.001)
    best: dict[tuple[str, str | None], dict[str, Any]] = {}
    for t in tests:
        key = (str(t["register_month"]), t["favorite_shop"])
        if key not in best or t["p_raw"] < best[key]["p_raw"]:
            best[key] = t
    return sorted(best.values(), key=lambda t: (t["p_raw"], t["register_month"], t["favorite_shop"] or ""))


def collapse_findings(tests: list[dict[str, Any]]) -> list[Finding]:
    """One finding per collapsed registration month: its most specific collapsed cohort, the rest as evidence."""
    out = []
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in tests:
        if t["collapsed"]:
            by_month[t["register_month"]].append(t)
    for month, hits in sorted(by_month.items()):
        hits.sort(key=lambda t: (t["favorite_shop"] is None, t["p_raw"]))
        top = hits[0]
        shop = f" who mostly order at {top['favorite_shop']}" if top["favorite_shop"] else ""
        who = f"registered in {month}{shop}"
        keys: dict[str, Any] = {"register_month": month, "from_month": top["from_month"]}
        if top["favorite_shop"]:
            keys["favorite_shop"] = top["favorite_shop"]
        out.append(Finding(
            severity=Severity.warning, kind="churn_cohort",
            title=f"Customers {who} stopped ordering from {top['from_month']}: {top['orders_after']} orders since vs "
                  f"{top['orders_before']} in the two months before — {fmt_pct(top['ratio_vs_others'] or 0)} of "
                  f"what other customers kept ({fmt_p(top['p_value'])}, Fisher's exact test, Bonferroni-corrected)",
            where=f"cohort {month}", keys=keys, evidence=[{k: v for k, v in t.items()} for t in hits[:5]]))
    return out


@tool(name="customer360", title="Customer 360", department="Marketing", seed_tool=4, input_model=Customer360Input,
      examples=("Show me customer u_1a2b3c4d5e6f", "Which cohort is churning?", "RFM segments"),
      keywords=("customer", "360", "rfm", "cohort", "churn", "segment", "lifetime value", "retention"))
def customer360(ctx: ToolContext, args: Customer360Input) -> ToolOutput:
    """One customer's card by masked id (registration, lifetime value, orders, favourite store, top 3
    products, active coupons, CDP segment, experiment exposure), RFM scores and segments for all
    customers, cohort retention by registration month, and churn flags (frequency falling against
    the customer's own history) with the cohorts whose ordering collapsed."""
    end = args.as_of or ctx.today - dt.timedelta(days=1)
    _, hi = utc_bounds(end, end)
    raw_ok = shows_raw_ids(ctx)
    segments = rows(ctx, _RFM_SEGMENTS, hi=hi)
    customers = sum(int(s["users"]) for s in segments)
    for s in segments:
        s["share"] = int(s["users"]) / customers if customers else None
    agree = rows(ctx, _CDP_AGREEMENT, hi=hi)[0]
    agreement = int(agree["agree"] or 0) / int(agree["compared"]) if int(agree["compared"] or 0) else None
    grid = rows(ctx, _RFM_GRID, hi=hi)
    retention = cohort_retention(ctx, hi)
    ch = churn(ctx, hi, args.recent_days, args.baseline_days)
    sample = rows(ctx, _CHURN_SAMPLE, b0=ch["b0"], b1=ch["b1"], hi=hi)  # user_no comes back masked for non-admins
    for s in sample:
        s["user"] = s.pop("user_no")
        s["p_value"] = churn_p(int(s["baseline"]), int(s["recent"]), ch["ratio"])
    top = rows(ctx, _TOP_USERS, hi=hi, n=args.top) if args.top else []
    for t in top:
        t["user"] = t.pop("user_no")
    names = {sh.id: sh.name for sh in all_shops(ctx)}
    tests = collapses(rows(ctx, _COHORT_STORE_MONTHS, hi=hi), names)
    findings = collapse_findings(tests)
    tables = [table("rfm_segments", segments, ["segment", "users", "share", "orders", "revenue", "avg_r", "avg_f",
                                               "avg_m"]),
              table("rfm_grid", grid), table("cohort_retention", retention),
              table("cohort_collapse_tests", tests[:40], ["register_month", "favorite_shop", "from_month",
                                                          "orders_before", "orders_after", "ratio_vs_others",
                                                          "p_value", "collapsed"]),
              table("churn_flags_by_cohort", ch["flags"]),
              table("churn_sample", sample, ["user", "baseline", "recent", "p_value"]),
              table("top_customers", top, ["user", "orders", "revenue", "last_time", "r", "f", "m", "segment"])]
    headline: dict[str, Any] = {"customers": customers, "churn_flagged": ch["flagged"],
                                "churn_eligible": ch["eligible"],
                                "rfm_agreement_with_cdp": round(agreement, 4) if agreement is not None else None,
                                "collapsed_cohorts": [f.keys["register_month"] for f in findings]}
    summary = (f"{customers:,} customers with a completed order up to {end}. "
               f"{ch['flagged']:,} of {ch['eligible']:,} established customers are ordering far less than their "
               f"own baseline (Poisson test, p < 0.01; baseline {ch['b0'].date()}..{ch['b1'].date()}, recent "
               f"{args.recent_days} days).")
    if findings:
        summary += " " + " ".join(f.title + "." for f in findings)
    if agreement is not None:
        summary += f" RFM segments agree with the CDP's rfm_segment for {fmt_pct(agreement)} of customers."
    if args.user:
        card, card_tables = _card(ctx, args.user, hi, ch, raw_ok)
        headline["card"] = card
        tables = [*card_tables, *tables]
        summary = _card_sentence(card) + " " + summary
    return ToolOutput(tool="customer360", title="Customer 360", summary=summary, headline=headline, tables=tables,
                      findings=findings,
                      filters=[*ORDER_FILTER_TEXT, "internal test accounts (origin 6) excluded from cohorts",
                               "user numbers masked (u_…) unless the caller is an admin"])


def _card(ctx: ToolContext, who: str, hi: dt.datetime, ch: dict[str, Any],
          raw_ok: bool) -> tuple[dict[str, Any], list[Any]]:
    uid = resolve_user(ctx, who)
    u = rows(ctx, _CARD_USER, uid=uid)[0]  # contact columns come back masked unless the caller is an admin
    o = rows(ctx, _CARD_ORDERS, uid=uid, hi=hi)[0]
    stores = rows(ctx, _CARD_STORES, uid=uid, hi=hi)
    products = rows(ctx, _CARD_PRODUCTS, uid=uid, hi=hi)
    coupons = rows(ctx, _CARD_COUPONS, uid=uid, hi=hi)
    cdp = {r["state_key"]: r["state_value"] for r in rows(ctx, _CARD_CDP, uid=uid)}
    exps = rows(ctx, _CARD_EXPERIMENTS, uid=uid)
    rfm = rows(ctx, _RFM_ONE, uid=uid, hi=hi)
    w = rows(ctx, _CHURN_ONE, uid=uid, b0=ch["b0"], b1=ch["b1"], hi=hi)
    orders = int(o["orders"] or 0)
    churn_flag = None
    if w:
        b, r = int(w[0]["baseline"]), int(w[0]["recent"])
        churn_flag = {"baseline_orders": b, "recent_orders": r, "p_value": churn_p(b, r, ch["ratio"]),
                      "falling": bool(b >= 3 and churn_p(b, r, ch["ratio"]) < 0.01)}
    card = {
        "user": u["user_no"], "masked_id": mask_user(str(u["user_no"])) if raw_ok else u["user_no"],
        "registered": str(u["register_time"]), "origin": u["origin"], "register_channel": u["register_channel"],
        # the guardrails mask these for non-admins; masking again is idempotent and keeps the card safe alone
        "phone": u["phone"] if raw_ok else mask_pii(u["phone"], "phone"),
        "email": u["email"] if raw_ok else mask_pii(u["email"], "email"),
        "nick_name": u["nick_name"] if raw_ok else mask_pii(u["nick_name"], "name"),
        "orders": orders, "lifetime_value": round(float(o["revenue"] or 0.0), 2),
        "aov": round(float(o["revenue"] or 0.0) / orders, 2) if orders else None,
        "first_order": str(o["first_order"]) if o["first_order"] else None,
        "last_order": str(o["last_order"]) if o["last_order"] else None,
        "favourite_store": stores[0]["shop_name"] if stores else None,
        "top_products": [p["spu_name"] for p in products],
        "active_coupons": len(coupons),
        "cdp_segment": cdp.get("lifecycle_stage"), "cdp_rfm_segment": cdp.get("rfm_segment"),
        "rfm": rfm[0] if rfm else None, "churn": churn_flag,
        "experiments": [f"{e['experiment_name'] or e['experiment_id']} ({e['group_name']})" for e in exps],
    }
    tables = [table("card", [{k: v for k, v in card.items() if not isinstance(v, dict | list)}]),
              table("card_top_products", products), table("card_active_coupons", coupons),
              table("card_cdp_states", [{"key": k, "value": v} for k, v in sorted(cdp.items())]),
              table("card_experiments", exps)]
    return card, tables


def _card_sentence(card: dict[str, Any]) -> str:
    text = (f"Customer {card['user']} registered {card['registered'][:10]}, {card['orders']} orders, lifetime value "
            f"${card['lifetime_value']:,.2f}")
    if card["favourite_store"]:
        text += f", mostly at {card['favourite_store']}"
    if card["top_products"]:
        text += f"; favourites: {', '.join(card['top_products'])}"
    return text + f"; CDP segment {card['cdp_segment'] or 'n/a'}."
