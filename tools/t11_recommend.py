"""Seed tool 11: "customers who ordered X also ordered Y", taste profiles and next-best products.

Co-occurrence is measured over orders with two or more distinct products (a one-product order
cannot show a pairing): support = share of those orders holding both, confidence = P(Y | X),
lift = support / (P(X) P(Y)). A pair is reported as bought together far above chance when its
lift is at least ``min_lift`` and the hypergeometric test of "no association" gives p below
0.001 after Bonferroni correction over all pairs seen.

Next-best products for a user (products they have not ordered yet) are ranked by popularity ×
co-occurrence affinity with what they already order × their category / iced taste. The ranking
is checked offline: train on orders before a cut-off, then ask whether any of the top K
recommendations was ordered after it (hit rate), next to a popularity-only baseline on the same
users; McNemar's test says whether the difference is more than chance.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import Field
from scipy.stats import hypergeom

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import ToolInputError, parse_period, table
from tools.common2 import (
    ORDER_FILTER,
    ORDER_FILTER_TEXT,
    fmt_p,
    fmt_pct,
    resolve_user,
    rows,
    utc_bounds,
)
from tools.registry import tool

_MULTI = """SELECT order_id FROM luckyus_sales_order.t_order_item
GROUP BY order_id HAVING COUNT(DISTINCT spu_code) >= 2"""

_PRODUCTS = f"""
SELECT i.spu_code, MAX(i.spu_name) AS spu_name, MAX(i.one_category_name) AS category,
       COUNT(DISTINCT i.order_id) AS orders,
       COUNT(DISTINCT m.order_id) AS multi_orders
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
LEFT JOIN ({_MULTI}) AS m ON m.order_id = i.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY i.spu_code
ORDER BY i.spu_code
"""

_BASKETS = f"""
SELECT COUNT(*) AS orders, COUNT(m.order_id) AS multi_orders
FROM luckyus_sales_order.t_order AS o LEFT JOIN ({_MULTI}) AS m ON m.order_id = o.id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
"""

_PAIRS = f"""
SELECT a.spu_code AS a, b.spu_code AS b, COUNT(DISTINCT a.order_id) AS together
FROM luckyus_sales_order.t_order_item AS a
JOIN luckyus_sales_order.t_order_item AS b ON b.order_id = a.order_id AND a.spu_code < b.spu_code
JOIN luckyus_sales_order.t_order AS o ON o.id = a.order_id
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY a.spu_code, b.spu_code
HAVING COUNT(DISTINCT a.order_id) >= :min_together
ORDER BY together DESC, a, b
"""

_ATTRIBUTES = """
SELECT spu_code, MAX(is_iced) AS is_iced, MAX(sugar_level) AS sugar_level
FROM luckyus_scm_commodity.t_commodity_base_info GROUP BY spu_code ORDER BY spu_code
"""

_ONE_USER = "JOIN luckyus_sales_crm.t_user AS uu ON uu.user_no = o.user_no"
_USER_ITEMS = f"""
SELECT i.spu_code, COUNT(DISTINCT i.order_id) AS orders, SUM(i.quantity) AS items, SUM(i.pay_money) AS revenue
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id {_ONE_USER}
WHERE {ORDER_FILTER} AND uu.id = :uid AND o.create_time < :hi
GROUP BY i.spu_code
ORDER BY i.spu_code
"""

_USER_ORDERS = f"""
SELECT MAX(uu.user_no) AS user_no, COUNT(*) AS orders, SUM(o.pay_money) AS revenue
FROM luckyus_sales_order.t_order AS o {_ONE_USER}
WHERE {ORDER_FILTER} AND uu.id = :uid AND o.create_time < :hi
"""

_SAMPLE = f"""
SELECT o.user_no, ROW_NUMBER() OVER (ORDER BY MD5(o.user_no)) AS rk
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY o.user_no
HAVING SUM(CASE WHEN o.create_time < :cut THEN 1 ELSE 0 END) >= 2
   AND SUM(CASE WHEN o.create_time >= :cut THEN 1 ELSE 0 END) >= 1
"""
_EVAL_COUNT = f"SELECT COUNT(*) AS n FROM ({_SAMPLE}) AS s"
_EVAL_ITEMS = f"""
SELECT o.user_no, i.spu_code, CASE WHEN o.create_time < :cut THEN 0 ELSE 1 END AS test,
       COUNT(DISTINCT i.order_id) AS orders
FROM luckyus_sales_order.t_order_item AS i JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
JOIN ({_SAMPLE}) AS s ON s.user_no = o.user_no
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi AND s.rk > :r0 AND s.rk <= :r1
GROUP BY o.user_no, i.spu_code, CASE WHEN o.create_time < :cut THEN 0 ELSE 1 END
ORDER BY o.user_no, i.spu_code, test
"""


class RecommendInput(ToolInput):
    product: str | None = Field(None, description="Show what customers who ordered this product also ordered")
    user: str | None = Field(None, description="Masked customer id (u_…) for a taste profile and next-best products")
    period: str = Field("all", description="Orders the co-occurrence is learned from (all, last 90 days, ...)")
    top: int = Field(5, ge=1, le=20, description="How many recommendations (K of the hit rate)")
    min_together: int = Field(10, ge=2, description="Minimum orders holding a pair for it to be reported")
    min_lift: float = Field(2.0, ge=1.0, description="Lift from which a significant pair is a finding")
    eval_days: int = Field(28, ge=7, le=120, description="Length of the hold-out window of the offline evaluation")
    eval_users: int = Field(1000, ge=0, le=5000, description="Users sampled for the offline evaluation (0 = skip)")


class Cooc:
    """Product counts and pair counts of one period, with the derived support, confidence and lift."""

    def __init__(self, products: list[dict[str, Any]], pairs: list[dict[str, Any]], baskets: dict[str, Any]) -> None:
        self.products = {p["spu_code"]: p for p in products}
        self.n_orders = int(baskets["orders"] or 0)
        self.n_multi = int(baskets["multi_orders"] or 0)
        self.pairs: list[dict[str, Any]] = []
        self.lift: dict[tuple[str, str], float] = {}
        m = max(self.n_multi, 1)
        for p in pairs:
            a, b, k = p["a"], p["b"], int(p["together"])
            na = int(self.products.get(a, {}).get("multi_orders") or 0)
            nb = int(self.products.get(b, {}).get("multi_orders") or 0)
            if not na or not nb:
                continue
            lift = k * m / (na * nb)
            pval = float(hypergeom.sf(k - 1, m, na, nb))
            self.pairs.append({"a": a, "b": b, "name_a": self.products[a]["spu_name"],
                               "name_b": self.products[b]["spu_name"], "together": k, "support": k / m,
                               "confidence_a_b": k / na, "confidence_b_a": k / nb, "lift": lift, "p_value": pval})
            self.lift[(a, b)] = self.lift[(b, a)] = lift
        lifts = [p["lift"] for p in self.pairs]
        self.typical_lift = float(np.median(lifts)) if lifts else 1.0

    def affinity(self, a: str, b: str) -> float:
        """Lift relative to a typical pair (basket size biases raw lift below 1); 1 = no association."""
        return self.lift.get((a, b), self.typical_lift) / (self.typical_lift or 1.0)


def learn(ctx: ToolContext, lo: dt.datetime, hi: dt.datetime, min_together: int) -> Cooc:
    products = rows(ctx, _PRODUCTS, lo=lo, hi=hi)
    pairs = rows(ctx, _PAIRS, lo=lo, hi=hi, min_together=min_together)
    baskets = rows(ctx, _BASKETS, lo=lo, hi=hi)[0]
    return Cooc(products, pairs, baskets)


def attributes(ctx: ToolContext) -> dict[str, dict[str, Any]]:
    return {r["spu_code"]: r for r in rows(ctx, _ATTRIBUTES)}


def recommend_for(history: dict[str, float], cooc: Cooc, attrs: dict[str, dict[str, Any]], k: int) -> list[str]:
    """Top ``k`` products the user has not ordered: popularity × co-occurrence affinity × taste."""
    total = sum(history.values()) or 1.0
    cats: dict[str, float] = defaultdict(float)
    iced = 0.0
    for spu, n in history.items():
        cats[str(cooc.products.get(spu, {}).get("category"))] += n / total
        iced += n / total * float(attrs.get(spu, {}).get("is_iced") or 0)
    all_orders = sum(float(p["orders"]) for p in cooc.products.values()) or 1.0
    g_cats: dict[str, float] = defaultdict(float)
    g_iced = 0.0
    for spu, p in cooc.products.items():
        share = float(p["orders"]) / all_orders
        g_cats[str(p["category"])] += share
        g_iced += share * float(attrs.get(spu, {}).get("is_iced") or 0)
    scores = []
    for spu, p in cooc.products.items():
        if spu in history:
            continue
        pop = float(p["orders"])
        aff = 1.0 + sum(n / total * (cooc.affinity(h, spu) - 1.0) for h, n in history.items())
        cat = str(p["category"])
        taste = math.sqrt((cats.get(cat, 0.0) + 0.05) / (g_cats.get(cat, 0.0) + 0.05))
        is_iced = float(attrs.get(spu, {}).get("is_iced") or 0)
        u_temp, g_temp = (iced, g_iced) if is_iced else (1 - iced, 1 - g_iced)
        taste *= math.sqrt((u_temp + 0.05) / (g_temp + 0.05))
        scores.append((pop * max(aff, 0.05) * taste, spu))
    scores.sort(key=lambda s: (-s[0], s[1]))
    return [s for _, s in scores[:k]]


def popular_for(history: dict[str, float], cooc: Cooc, k: int) -> list[str]:
    ranked = sorted(cooc.products.values(), key=lambda p: (-float(p["orders"]), p["spu_code"]))
    return [p["spu_code"] for p in ranked if p["spu_code"] not in history][:k]


def evaluate(ctx: ToolContext, start: dt.date, end: dt.date, args: RecommendInput,
             attrs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Time-split hit rate@K of the recommender and of the popularity baseline on the same users."""
    from statsmodels.stats.contingency_tables import mcnemar

    cut_day = end - dt.timedelta(days=args.eval_days - 1)
    lo, _ = utc_bounds(start, end)
    cut, hi = utc_bounds(cut_day, end)
    train = learn(ctx, lo, cut, max(3, args.min_together // 2))
    total = int(rows(ctx, _EVAL_COUNT, lo=lo, hi=hi, cut=cut)[0]["n"] or 0)
    n_users = min(total, args.eval_users)
    hist: dict[str, dict[str, float]] = defaultdict(dict)
    future: dict[str, set[str]] = defaultdict(set)
    for r0 in range(0, n_users, 400):  # user ids come back masked for non-admins; only consistency matters here
        for r in rows(ctx, _EVAL_ITEMS, lo=lo, hi=hi, cut=cut, r0=r0, r1=min(r0 + 400, n_users)):
            if int(r["test"]):
                future[r["user_no"]].add(r["spu_code"])
            else:
                hist[r["user_no"]][r["spu_code"]] = float(r["orders"])
    users = sorted(set(hist) | set(future))
    both = [[0, 0], [0, 0]]
    n = 0
    for u in users:
        new = future[u] - set(hist[u])
        if not new:
            continue
        n += 1
        model_hit = bool(set(recommend_for(hist[u], train, attrs, args.top)) & new)
        pop_hit = bool(set(popular_for(hist[u], train, args.top)) & new)
        both[int(model_hit)][int(pop_hit)] += 1
    model = (both[1][0] + both[1][1]) / n if n else 0.0
    base = (both[0][1] + both[1][1]) / n if n else 0.0
    p = float(mcnemar(both, exact=True).pvalue) if n and (both[0][1] + both[1][0]) else 1.0
    return {"k": args.top, "users_sampled": len(users), "users_with_new_products": n,
            "hit_rate_model": model, "hit_rate_popularity": base, "mcnemar_p": p,
            "train": f"{start}..{cut_day - dt.timedelta(days=1)}", "test": f"{cut_day}..{end}",
            "model_only_hits": both[1][0], "popularity_only_hits": both[0][1]}


def _find_product(cooc: Cooc, text: str) -> str:
    want = text.strip().lower()
    for spu, p in cooc.products.items():
        if want in (spu.lower(), str(p["spu_name"]).lower()):
            return spu
    from rapidfuzz import fuzz, process

    names = sorted(str(p["spu_name"]) for p in cooc.products.values())
    near = [n for n, s, _ in process.extract(text, names, scorer=fuzz.WRatio, limit=3) if s >= 60]
    raise ToolInputError(f"No product called {text!r} was ordered in the period."
                         + (f" Did you mean {', '.join(map(repr, near))}?" if near else ""), near)


@tool(name="recommend", title="Taste profiles & recommendations", department="Product", seed_tool=11,
      input_model=RecommendInput,
      examples=("Customers who ordered Iced Coconut Latte also ordered?", "What should we recommend to u_3f2a…?"),
      keywords=("recommend", "also ordered", "bought together", "pair", "taste", "next best", "lift"))
def recommend(ctx: ToolContext, args: RecommendInput) -> ToolOutput:
    """Finds product pairs ordered together far above chance (support, confidence, lift, hypergeometric
    test), a customer's taste profile and next-best products, and measures the recommender offline
    (time-split hit rate@K) against a popularity baseline."""
    period = parse_period(args.period, ctx.today)
    end = min(period.end, ctx.today - dt.timedelta(days=1))
    lo, hi = utc_bounds(period.start, end)
    cooc = learn(ctx, lo, hi, args.min_together)
    attrs = attributes(ctx)
    n_tests = max(len(cooc.products) * (len(cooc.products) - 1) // 2, 1)
    alpha = 0.001 / n_tests
    pairs = sorted(cooc.pairs, key=lambda p: (-p["lift"], p["a"], p["b"]))
    findings = []
    for p in pairs:
        if p["lift"] >= args.min_lift and p["p_value"] < alpha:
            findings.append(Finding(
                severity=Severity.info, kind="product_affinity",
                title=f"{p['name_a']} and {p['name_b']} are ordered together {p['lift']:.1f}× as often as chance "
                      f"({p['together']} orders, {fmt_p(p['p_value'])}, hypergeometric test)",
                keys={"spu_a": p["a"], "spu_b": p["b"], "name_a": p["name_a"], "name_b": p["name_b"]},
                evidence=[{k: p[k] for k in ("together", "support", "confidence_a_b", "confidence_b_a", "lift",
                                             "p_value")}]))
    tables = [table("pairs", pairs[:50], ["name_a", "name_b", "together", "support", "confidence_a_b",
                                          "confidence_b_a", "lift", "p_value"])]
    headline: dict[str, Any] = {"orders": cooc.n_orders, "multi_product_orders": cooc.n_multi,
                                "pairs_reported": len(pairs), "significant_pairs": len(findings),
                                "typical_lift": round(cooc.typical_lift, 3)}
    summary = (f"{len(findings)} product pair(s) are ordered together far above chance "
               f"(lift ≥ {args.min_lift:g}, Bonferroni-corrected p < 0.001) among {cooc.n_multi} orders with 2+ "
               f"products ({period.label}).")
    if args.product:
        spu = _find_product(cooc, args.product)
        also = [{"also_ordered": p["name_b"] if p["a"] == spu else p["name_a"], "together": p["together"],
                 "confidence": p["confidence_a_b"] if p["a"] == spu else p["confidence_b_a"], "lift": p["lift"],
                 "p_value": p["p_value"]} for p in cooc.pairs if spu in (p["a"], p["b"])]
        also.sort(key=lambda r: (-r["confidence"] * r["lift"], r["also_ordered"]))
        tables.insert(0, table("also_ordered", also[:args.top * 2]))
        if also:
            best = also[0]
            summary = (f"Customers who ordered {cooc.products[spu]['spu_name']} also ordered {best['also_ordered']} "
                       f"in {fmt_pct(best['confidence'])} of their multi-product orders (lift {best['lift']:.1f}). "
                       + summary)
    if args.user:
        profile, recs = _user_view(ctx, args.user, hi, cooc, attrs, args.top)
        headline["user"] = profile["user"]
        tables.insert(0, table("taste_profile", [profile]))
        tables.insert(1, table("next_best_products", recs))
    if args.eval_users:
        ev = evaluate(ctx, period.start if period.start > dt.date(2000, 1, 1) else dt.date(2025, 6, 30), end,
                      args, attrs)
        tables.append(table("offline_evaluation", [ev]))
        headline["hit_rate_model"] = round(ev["hit_rate_model"], 4)
        headline["hit_rate_popularity"] = round(ev["hit_rate_popularity"], 4)
        summary += (f" Offline check ({ev['users_with_new_products']} users, train {ev['train']}, test {ev['test']}):"
                    f" hit rate@{args.top} {fmt_pct(ev['hit_rate_model'])} vs popularity baseline "
                    f"{fmt_pct(ev['hit_rate_popularity'])} ({fmt_p(ev['mcnemar_p'])}, McNemar test).")
    return ToolOutput(tool="recommend", title="Taste profiles & recommendations", summary=summary, headline=headline,
                      tables=tables, findings=findings,
                      filters=[*ORDER_FILTER_TEXT, f"period {period.start}..{end}",
                               "pairs counted over orders with 2+ distinct products"])


def _user_view(ctx: ToolContext, who: str, hi: dt.datetime, cooc: Cooc, attrs: dict[str, dict[str, Any]],
               k: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    uid = resolve_user(ctx, who)
    items = rows(ctx, _USER_ITEMS, uid=uid, hi=hi)
    summary = rows(ctx, _USER_ORDERS, uid=uid, hi=hi)[0]
    hist = {r["spu_code"]: float(r["orders"]) for r in items}
    total = sum(hist.values()) or 1.0
    cats: dict[str, float] = defaultdict(float)
    iced = sugar = sugar_w = 0.0
    for spu, n in hist.items():
        cats[str(cooc.products.get(spu, {}).get("category", "?"))] += n / total
        a = attrs.get(spu, {})
        iced += n / total * float(a.get("is_iced") or 0)
        if a.get("sugar_level") is not None:
            sugar += n * float(a["sugar_level"])
            sugar_w += n
    orders = int(summary["orders"] or 0)
    fav = sorted(items, key=lambda r: (-float(r["orders"]), r["spu_code"]))[:3]
    profile = {"user": summary["user_no"], "orders": orders,
               "avg_spend": round(float(summary["revenue"] or 0) / orders, 2) if orders else None,
               "favourite_products": ", ".join(str(cooc.products.get(r["spu_code"], {}).get("spu_name", r["spu_code"]))
                                               for r in fav),
               "categories": ", ".join(f"{c} {100 * s:.0f}%" for c, s in sorted(cats.items(), key=lambda x: -x[1])),
               "iced_share": round(iced, 3), "avg_sugar_level": round(sugar / sugar_w, 2) if sugar_w else None}
    recs = []
    for spu in recommend_for(hist, cooc, attrs, k):
        p = cooc.products[spu]
        because = max(hist, key=lambda h: (cooc.affinity(h, spu), h)) if hist else None
        recs.append({"product": p["spu_name"], "category": p["category"], "orders_chainwide": p["orders"],
                     "because_you_order": cooc.products.get(because, {}).get("spu_name") if because else None,
                     "affinity": round(cooc.affinity(because, spu), 3) if because else None})
    return profile, recs
