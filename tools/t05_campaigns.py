"""Seed tool 5: coupon-template leaderboard by ROI and A/B experiment readouts with their tests.

Definitions (the same as the dataset manifest's ``coupon_definitions``):

* distributed = coupon rows of the template in ``t_coupon_record`` + ``t_coupon_record_expired``;
* redeemed = ``t_coupon_record`` rows with status 2 (used, ``order_id`` set);
* revenue with coupon = ``SUM(t_order.pay_money)`` of those orders (completed, USD, no test shops);
* ROI = revenue ÷ ``t_coupon_template.marketing_cost``; net = revenue − marketing cost;
* CPA = marketing cost ÷ redemptions that were the customer's first completed order.

A campaign *loses money* when it was redeemed but returned less than it cost (ROI < 1); one that
was distributed but never redeemed is reported separately (it cost the creative and nothing came
back). A campaign *clearly wins* when ROI ≥ ``win_roi`` and its redemption rate is above the
portfolio's by a two-proportion z-test (p < 0.001).

Experiments are read out user by user: exposure is a user's first hit, conversion is a completed
order within 7 days after it (``(hit, hit + 7 days]``); each arm is compared with A by a pooled
two-proportion z-test (statsmodels). Only experiments whose pre-registered goal metric is
``order_conversion_7d`` are tested (the others are listed for reference), and their p-values are
Holm-corrected across every such comparison, so one experiment in twenty is not "significant" by
luck.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import chart, table
from tools.common2 import ORDER_FILTER, ORDER_FILTER_TEXT, fmt_p, fmt_pct, rows, two_proportions
from tools.registry import tool

_DISTRIBUTED = """
SELECT d.template_id, SUM(d.n) AS distributed FROM (
  SELECT template_id, COUNT(*) AS n FROM luckyus_sales_marketing.t_coupon_record GROUP BY template_id
  UNION ALL
  SELECT template_id, COUNT(*) AS n FROM luckyus_sales_marketing.t_coupon_record_expired GROUP BY template_id
) AS d GROUP BY d.template_id ORDER BY d.template_id
"""

_REDEEMED = f"""
SELECT r.template_id, COUNT(*) AS redeemed, SUM(r.discount_amount) AS discount,
       SUM(CASE WHEN o.id IS NOT NULL THEN o.pay_money ELSE 0 END) AS revenue,
       SUM(CASE WHEN o.id IS NOT NULL AND o.create_time = f.first_time THEN 1 ELSE 0 END) AS first_orders
FROM luckyus_sales_marketing.t_coupon_record AS r
LEFT JOIN luckyus_sales_order.t_order AS o ON o.id = r.order_id AND {ORDER_FILTER}
LEFT JOIN (SELECT user_no, MIN(create_time) AS first_time FROM luckyus_sales_order.t_order WHERE status = 90
           GROUP BY user_no) AS f ON f.user_no = o.user_no
WHERE r.status = 2
GROUP BY r.template_id ORDER BY r.template_id
"""

_TEMPLATES = """
SELECT template_id, template_name, coupon_type, discount_amount, discount_rate, marketing_cost, status,
       start_time, end_time
FROM luckyus_sales_marketing.t_coupon_template ORDER BY template_id
"""

_USE_DAY = "DATE(CONVERT_TZ(r.use_time, 'UTC', 'America/New_York'))"
_WEEK_OF = f"DATE(DATE_SUB({_USE_DAY}, INTERVAL WEEKDAY({_USE_DAY}) DAY))"
_WEEKLY = f"""
SELECT {_WEEK_OF} AS week_of, COUNT(*) AS redeemed, SUM(o.pay_money) AS revenue, SUM(r.discount_amount) AS discount
FROM luckyus_sales_marketing.t_coupon_record AS r
JOIN luckyus_sales_order.t_order AS o ON o.id = r.order_id
WHERE r.status = 2 AND {ORDER_FILTER}
GROUP BY {_WEEK_OF}
ORDER BY week_of
"""

_EXPERIMENTS = """
SELECT experiment_id, experiment_name, goal_metric, status, start_time, end_time
FROM luckyus_isalesdatamarketing.t_experiment ORDER BY experiment_id
"""

_READOUT = """
WITH h AS (
  SELECT experiment_id, group_name, user_no, MIN(hit_time) AS first_hit
  FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record
  GROUP BY experiment_id, group_name, user_no
), c AS (
  SELECT h.experiment_id, h.group_name, h.user_no
  FROM h JOIN luckyus_sales_order.t_order AS o
    ON o.user_no = h.user_no AND o.status = 90 AND o.create_time > h.first_hit
   AND o.create_time <= h.first_hit + INTERVAL 7 DAY
  GROUP BY h.experiment_id, h.group_name, h.user_no
)
SELECT h.experiment_id, h.group_name, COUNT(*) AS users, COUNT(c.user_no) AS converted
FROM h LEFT JOIN c ON c.experiment_id = h.experiment_id AND c.group_name = h.group_name AND c.user_no = h.user_no
GROUP BY h.experiment_id, h.group_name
ORDER BY h.experiment_id, h.group_name
"""

_COUPON_TYPES = {1: "amount off", 2: "percent off", 3: "buy one get one"}
CONVERSION_GOAL = "order_conversion_7d"


class CampaignInput(ToolInput):
    top: int = Field(20, ge=1, le=500, description="Rows of the leaderboard to show")
    min_distributed: int = Field(50, ge=1, description="Campaigns distributed fewer times are not judged")
    win_roi: float = Field(10.0, gt=1.0, description="ROI from which a campaign with a significantly higher "
                                                     "redemption rate counts as a clear winner")
    experiment: int | None = Field(None, description="Only this experiment_id in the A/B readout")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="Family-wise significance level of the A/B readouts")


def leaderboard(ctx: ToolContext) -> list[dict[str, Any]]:
    """One row per coupon template with distribution, redemption, discount, revenue, ROI, net and CPA."""
    dist = {r["template_id"]: int(r["distributed"]) for r in rows(ctx, _DISTRIBUTED)}
    red = {r["template_id"]: r for r in rows(ctx, _REDEEMED)}
    out = []
    for t in rows(ctx, _TEMPLATES):
        tid = t["template_id"]
        r = red.get(tid, {})
        d = dist.get(tid, 0)
        n = int(r.get("redeemed") or 0)
        revenue = float(r.get("revenue") or 0.0)
        cost = float(t["marketing_cost"] or 0.0)
        first = int(r.get("first_orders") or 0)
        out.append({"template_id": tid, "template_name": t["template_name"],
                    "coupon_type": _COUPON_TYPES.get(int(t["coupon_type"]), str(t["coupon_type"])),
                    "distributed": d, "redeemed": n, "redemption_rate": n / d if d else None,
                    "avg_discount": float(r.get("discount") or 0.0) / n if n else None,
                    "revenue": round(revenue, 2), "marketing_cost": cost,
                    "roi": revenue / cost if cost else None, "net": round(revenue - cost, 2),
                    "new_customers": first, "cpa": cost / first if first else None})
    out.sort(key=lambda x: (-(x["roi"] if x["roi"] is not None else -1.0), x["template_id"]))
    for i, x in enumerate(out, 1):
        x["rank"] = i
    return out


def judge(board: list[dict[str, Any]], min_distributed: int, win_roi: float) -> list[Finding]:
    """Losing, never-redeemed and clearly winning campaigns, each with its evidence."""
    judged = [x for x in board if x["distributed"] >= min_distributed]
    tot_d = sum(x["distributed"] for x in judged)
    tot_r = sum(x["redeemed"] for x in judged)
    losses = sorted((x for x in judged if x["redeemed"] and x["roi"] is not None and x["roi"] < 1),
                    key=lambda x: x["net"])
    worst_net = min((x["net"] for x in judged), default=0.0)
    findings = []
    cols = ("distributed", "redeemed", "redemption_rate", "revenue", "marketing_cost", "roi", "net")
    for x in losses:
        sev = Severity.critical if x["net"] == worst_net else Severity.warning
        findings.append(Finding(
            severity=sev, kind="campaign_losing",
            title=f"{x['template_name']} lost ${-x['net']:,.2f}: revenue ${x['revenue']:,.2f} on marketing cost "
                  f"${x['marketing_cost']:,.2f} (ROI {x['roi']:.2f}); {x['redeemed']} of {x['distributed']} coupons "
                  f"redeemed ({fmt_pct(x['redemption_rate'] or 0, 2)})",
            where=f"template {x['template_id']}", keys={"template_id": x["template_id"]},
            evidence=[{k: x[k] for k in cols}]))
    duds = sorted((x for x in judged if x["redeemed"] == 0), key=lambda x: -x["marketing_cost"])
    if duds:
        cost = sum(x["marketing_cost"] for x in duds)
        findings.append(Finding(
            severity=Severity.info, kind="campaign_no_redemptions",
            title=f"{len(duds)} campaign(s) distributed {sum(x['distributed'] for x in duds):,} coupons and had none "
                  f"redeemed (marketing cost ${cost:,.2f}); the costliest: {duds[0]['template_name']}",
            where="coupon templates", keys={"template_ids": [x["template_id"] for x in duds]},
            evidence=[{k: x[k] for k in ("template_id", "template_name", *cols)} for x in duds[:10]]))
    for x in judged:
        if x["roi"] is None or x["roi"] < win_roi or not x["redeemed"]:
            continue
        z, p = two_proportions(tot_r - x["redeemed"], tot_d - x["distributed"], x["redeemed"], x["distributed"])
        if z > 0 and p < 0.001:
            findings.append(Finding(
                severity=Severity.info, kind="campaign_winning",
                title=f"{x['template_name']} returns ${x['roi']:.1f} per marketing dollar and redeems "
                      f"{fmt_pct(x['redemption_rate'] or 0)} vs {fmt_pct(tot_r / tot_d if tot_d else 0)} across "
                      f"campaigns ({fmt_p(p)}, two-proportion z-test)",
                where=f"template {x['template_id']}", keys={"template_id": x["template_id"]},
                evidence=[{**{k: x[k] for k in cols}, "z": z, "p_value": p}]))
    return findings


def readouts(ctx: ToolContext, experiment: int | None, alpha: float) -> list[dict[str, Any]]:
    """Each non-A arm against A: rates, lift, z, raw and Holm-adjusted p, and a plain verdict."""
    from statsmodels.stats.multitest import multipletests

    meta = {e["experiment_id"]: e for e in rows(ctx, _EXPERIMENTS)}
    arms: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in rows(ctx, _READOUT):
        arms[int(r["experiment_id"])][str(r["group_name"])] = (int(r["users"]), int(r["converted"]))
    out = []
    for eid in sorted(arms):
        groups = arms[eid]
        if "A" not in groups:
            continue
        n_a, c_a = groups["A"]
        for g in sorted(k for k in groups if k != "A"):
            n_b, c_b = groups[g]
            z, p = two_proportions(c_a, n_a, c_b, n_b)
            m = meta.get(eid, {})
            out.append({"experiment_id": eid, "experiment_name": m.get("experiment_name"),
                        "goal_metric": m.get("goal_metric"), "arm": g, "users_a": n_a, "converted_a": c_a,
                        "rate_a": c_a / n_a if n_a else 0.0, "users_b": n_b, "converted_b": c_b,
                        "rate_b": c_b / n_b if n_b else 0.0, "z": z, "p_value": p})
    primary = [r for r in out if r["goal_metric"] == CONVERSION_GOAL]
    if primary:
        adj = multipletests([r["p_value"] for r in primary], method="holm")[1]
        for r, pa in zip(primary, adj, strict=True):
            r["p_holm"] = float(pa)
            r["significant"] = bool(pa < alpha)
            r["verdict"] = _verdict(r, len(primary))
    for r in out:
        if r["goal_metric"] != CONVERSION_GOAL:
            r["p_holm"], r["significant"] = None, False
            r["verdict"] = (f"goal metric is {r['goal_metric']}, not 7-day conversion: shown for reference, not tested "
                            f"({r['arm']} {fmt_pct(r['rate_b'])} vs A {fmt_pct(r['rate_a'])} converted)")
    if experiment is not None:
        out = [r for r in out if r["experiment_id"] == experiment]
    return out


def _verdict(r: dict[str, Any], n_tests: int) -> str:
    arm = r["arm"]
    head = (f"{arm} converts {fmt_pct(r['rate_b'])} vs {fmt_pct(r['rate_a'])} for A, {fmt_p(r['p_value'])} "
            f"(two-proportion z-test, {r['users_b']:,} vs {r['users_a']:,} users)")
    if r["significant"]:
        better = "better" if r["rate_b"] > r["rate_a"] else "worse"
        return f"{head}: {arm} is {better}, significant after Holm correction over {n_tests} comparisons."
    return f"{head}: no significant difference after Holm correction over {n_tests} comparisons."


def _min_detectable(n: int, base: float) -> float:
    """Smallest absolute lift an arm of ``n`` users detects with 80 % power at 5 % (two-sided)."""
    if n <= 0 or not 0 < base < 1:
        return math.nan
    return (1.96 + 0.84) * math.sqrt(2 * base * (1 - base) / n)


@tool(name="campaigns", title="Campaign performance & A/B readouts", department="Marketing", seed_tool=5,
      input_model=CampaignInput,
      examples=("Which coupon campaigns lose money?", "Did the menu layout experiment work?"),
      keywords=("campaign", "coupon", "roi", "redemption", "a/b", "experiment", "significance", "template"))
def campaigns(ctx: ToolContext, args: CampaignInput) -> ToolOutput:
    """Ranks every coupon template by ROI (revenue ÷ marketing cost) with distribution, redemption rate,
    average discount, revenue, net and CPA; flags campaigns that lose money or clearly win; reads out
    every A/B experiment with a two-proportion z-test, Holm-corrected."""
    board = leaderboard(ctx)
    findings = judge(board, args.min_distributed, args.win_roi)
    exps = readouts(ctx, args.experiment, args.alpha)
    for r in exps:
        if r["significant"]:
            findings.append(Finding(
                severity=Severity.info, kind="ab_effect",
                title=f"{r['experiment_name']}: {r['verdict']}", where=f"experiment {r['experiment_id']}",
                keys={"experiment_id": r["experiment_id"], "arm": r["arm"]},
                evidence=[{k: r[k] for k in ("users_a", "converted_a", "rate_a", "users_b", "converted_b", "rate_b",
                                             "z", "p_value", "p_holm")}]))
    for r in exps:
        r["min_detectable_lift"] = _min_detectable(min(r["users_a"], r["users_b"]), r["rate_a"])
    weekly = rows(ctx, _WEEKLY)
    redeemed = sum(x["redeemed"] for x in board)
    distributed = sum(x["distributed"] for x in board)
    revenue = sum(x["revenue"] for x in board)
    cost = sum(x["marketing_cost"] for x in board)
    losing = [f for f in findings if f.kind == "campaign_losing"]
    winning = [f for f in findings if f.kind == "campaign_winning"]
    effects = [f for f in findings if f.kind == "ab_effect"]
    summary = (f"{len(board)} coupon templates: {distributed:,} coupons distributed, {redeemed:,} redeemed "
               f"({fmt_pct(redeemed / distributed if distributed else 0, 2)}), ${revenue:,.2f} revenue on "
               f"${cost:,.2f} marketing cost (ROI {revenue / cost if cost else float('nan'):.2f}). "
               f"{len(losing)} redeemed campaign(s) lose money, {len(winning)} clearly win. "
               f"{len(exps)} experiment comparison(s), {len(effects)} significant after Holm correction.")
    for f in effects[:2]:
        summary += " " + f.title
    ran = [x for x in board if x["distributed"] >= args.min_distributed and x["roi"] is not None and x["redeemed"]]
    return ToolOutput(
        tool="campaigns", title="Campaign performance & A/B readouts", summary=summary,
        headline={"templates": len(board), "distributed": distributed, "redeemed": redeemed,
                  "redemption_rate": round(redeemed / distributed, 6) if distributed else None,
                  "coupon_revenue": round(revenue, 2), "marketing_cost": round(cost, 2),
                  "median_roi": round(float(np.median([x["roi"] for x in ran])), 3) if ran else None,
                  "losing_campaigns": len(losing), "winning_campaigns": len(winning),
                  "significant_experiments": len(effects)},
        tables=[table("leaderboard", board[:args.top],
                      ["rank", "template_id", "template_name", "coupon_type", "distributed", "redeemed",
                       "redemption_rate", "avg_discount", "revenue", "marketing_cost", "roi", "net", "new_customers",
                       "cpa"]),
                table("losing", sorted((x for x in board if x["redeemed"] and (x["roi"] or 0) < 1),
                                       key=lambda x: x["net"])),
                table("experiments", exps, ["experiment_id", "experiment_name", "arm", "users_a", "rate_a", "users_b",
                                            "rate_b", "z", "p_value", "p_holm", "significant", "min_detectable_lift",
                                            "verdict"]),
                table("weekly_redemptions", weekly)],
        findings=findings,
        chart=chart("line", weekly, "week_of", "revenue", title="Revenue from coupon orders by week",
                    x_type="temporal"),
        filters=[*ORDER_FILTER_TEXT, "experiment conversion: any completed order within 7 days of the first hit"],
    )
