"""Seed tool 18, demand forecast accuracy monitor: predicted vs actual demand per store, goods and day.

Prediction: ``wh_goods_daily_demand_pred.pred_qty`` of one model (the champion ``dmd-v3`` by default),
every lead time 1..7 days. Actual demand: the consumption the stock system booked,
``-SUM(change_qty)`` of ``change_type = 1`` rows in the seven ``t_shop_goods_stock_change_<weekday>``
tables for that store, goods and business day (no rows = zero).

Metrics, stated so nobody has to guess:
* APE = |pred - actual| / actual. **Zero-actual rule**: rows with actual = 0 have no APE; they are left
  out of MAPE and counted separately, and WAPE = SUM|pred - actual| / SUM actual (defined whenever any
  demand happened) is reported next to MAPE as the zero-safe figure.
* Bias = SUM(pred - actual) / SUM(actual): positive = over-forecasting.
* Hit rate = share of rows with |pred - actual| <= 20 % of actual (actual = 0: hit only if pred = 0).
* Naive baselines on the same rows: last week's actual (same weekday) and the trailing seasonal mean
  (mean actual of the same weekday over the previous four weeks, the days that had demand).

A *large error* is a store x goods x day (actual > 0) whose forecast misses by at least
``large_error_pct`` of actual at most of its leads (more than half of them). Misses are then compared on
a ratio scale: the model's miss is exp(mean over leads of |ln(pred / actual)|), the naive miss is
|ln(seasonal mean / actual)| for the trailing seasonal mean (steadier than last week alone, which matches
lumpy small quantities by chance). A **model failure** (critical) is a large error where the model was
at least ``failure_factor`` (1.3x) further off than that naive forecast: the demand was as predictable
as usual and the model missed it. Otherwise it is a **demand shock** (info): history missed about as
badly (holidays, outages, stock-outs, lumpy small quantities).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import (
    PERIOD_HELP,
    WEEKDAYS,
    Period,
    Scope,
    bind,
    chart,
    expr,
    fetch,
    num,
    parse_period,
    scope_of,
    shop_index,
    table,
)
from tools.registry import tool

_CHANGE_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNION = "\n  UNION ALL\n".join(
    f"  SELECT shop_id, goods_code, biz_date, change_qty FROM luckyus_scm_shopstock.t_shop_goods_stock_change_{d} "
    "WHERE change_type = 1 AND biz_date BETWEEN :a0 AND :d1 AND shop_id IN (:shops)" for d in _CHANGE_DAYS)

_ROWS = """
WITH act AS (
  SELECT u.shop_id AS shop_id, u.goods_code AS goods_code, u.biz_date AS biz_date, -SUM(u.change_qty) AS qty
  FROM (
""" + _UNION + """
  ) AS u GROUP BY u.shop_id, u.goods_code, u.biz_date
), pr AS (
  SELECT p.shop_id AS shop_id, p.goods_code AS goods_code, p.pred_date AS pred_date, p.lead_days AS lead_days,
         p.pred_qty AS pred
  FROM luckyus_ireplenishment.wh_goods_daily_demand_pred AS p
  WHERE p.model_version = :model AND p.pred_date BETWEEN :d0 AND :d1 AND p.shop_id IN (:shops)
    AND p.lead_days BETWEEN :lead0 AND :lead1
), shifted AS (
  -- each day's actual, keyed by the forecast day it is the actual / 1..4-weeks-back value for; grouped so
  -- that MariaDB materialises it with an index on (shop_id, goods_code, for_date) instead of merging it
  SELECT a.shop_id AS shop_id, a.goods_code AS goods_code, DATE_ADD(a.biz_date, INTERVAL o.back DAY) AS for_date,
         o.back AS back, SUM(a.qty) AS qty
  FROM act AS a
  CROSS JOIN (SELECT 0 AS back UNION ALL SELECT 7 UNION ALL SELECT 14 UNION ALL SELECT 21 UNION ALL SELECT 28) AS o
  GROUP BY a.shop_id, a.goods_code, DATE_ADD(a.biz_date, INTERVAL o.back DAY), o.back
), j0 AS (
  SELECT pr.shop_id AS shop_id, pr.goods_code AS goods_code, pr.pred_date AS pred_date, pr.lead_days AS lead_days,
         pr.pred AS pred,
         SUM(CASE WHEN a.back = 0 THEN a.qty ELSE 0 END) AS actual,
         SUM(CASE WHEN a.back = 7 THEN a.qty ELSE 0 END) AS last_week,
         AVG(CASE WHEN a.back > 0 THEN a.qty END) AS trailing
  FROM pr
  LEFT JOIN shifted AS a ON a.shop_id = pr.shop_id AND a.goods_code = pr.goods_code AND a.for_date = pr.pred_date
  GROUP BY pr.shop_id, pr.goods_code, pr.pred_date, pr.lead_days, pr.pred
), j AS (
  SELECT j0.shop_id AS shop_id, j0.goods_code AS goods_code, COALESCE(g.category, 'unknown') AS category,
         j0.pred_date AS pred_date, j0.lead_days AS lead_days, j0.pred AS pred, j0.actual AS actual,
         j0.last_week AS last_week, COALESCE(j0.trailing, 0) AS trailing
  FROM j0
  LEFT JOIN (SELECT goods_code, MAX(goods_category) AS category FROM luckyus_scm_commodity.t_mdm_goods
             GROUP BY goods_code) AS g ON g.goods_code = j0.goods_code
)
"""

_SEGMENT = _ROWS + """
SELECT :seg AS k, COUNT(*) AS n, SUM(CASE WHEN actual = 0 THEN 1 ELSE 0 END) AS zero_actual,
       AVG(CASE WHEN actual > 0 THEN ABS(pred - actual) / actual END) AS mape,
       SUM(ABS(pred - actual)) AS abs_err, SUM(pred - actual) AS err, SUM(actual) AS actual_sum,
       AVG(CASE WHEN ABS(pred - actual) <= 0.2 * actual THEN 1 ELSE 0 END) AS hit_rate,
       AVG(CASE WHEN actual > 0 THEN ABS(last_week - actual) / actual END) AS mape_last_week,
       AVG(CASE WHEN actual > 0 THEN ABS(trailing - actual) / actual END) AS mape_trailing
FROM j GROUP BY :seg
"""

_LARGE = _ROWS + """
SELECT shop_id, goods_code, pred_date, COUNT(*) AS leads, MAX(actual) AS actual, MIN(pred) AS min_pred,
       MAX(pred) AS max_pred, MIN(ABS(pred - actual) / actual) AS min_ape, MAX(ABS(pred - actual) / actual) AS max_ape,
       AVG(ABS(pred - actual) / actual) AS mean_ape,
       SUM(CASE WHEN ABS(pred - actual) >= :thr * actual THEN 1 ELSE 0 END) AS leads_off,
       MAX(ABS(last_week - actual) / actual) AS ape_last_week, MAX(ABS(trailing - actual) / actual) AS ape_trailing,
       AVG(ABS(LN(GREATEST(pred, 0.001) / actual))) AS log_err,
       MAX(ABS(LN(GREATEST(trailing, 0.001) / actual))) AS naive_log_err
FROM j WHERE actual > 0
GROUP BY shop_id, goods_code, pred_date
HAVING SUM(CASE WHEN ABS(pred - actual) >= :thr * actual THEN 1 ELSE 0 END) * 2 > COUNT(*)
ORDER BY shop_id, goods_code, pred_date
"""

SEGMENTS: dict[str, str] = {  # constant expressions over the row set ``j``
    "overall": "'all'", "store": "shop_id", "category": "category", "weekday": "WEEKDAY(pred_date)",
    "lead_days": "lead_days", "week": "DATE_SUB(pred_date, INTERVAL WEEKDAY(pred_date) DAY)",
    "store_goods": "CONCAT(shop_id, '|', goods_code)",
}


class ForecastAccuracyInput(ToolInput):
    period: str = Field("last 28 days", description=f"Forecast days to score: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First forecast day (overrides period).")
    end: dt.date | None = Field(None, description="Last forecast day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    model_version: str = Field("dmd-v3", description="Forecast model to score (dmd-v3 is the champion).")
    lead_days: int | None = Field(None, ge=1, le=7, description="Only this lead time (days ahead); default all.")
    segment: Literal["store", "category", "weekday", "lead_days", "week"] = Field(
        "store", description="Main breakdown of the accuracy table.")
    large_error_pct: float = Field(50.0, gt=0, description="A day is a large error when most of its leads miss by "
                                                            "at least this % of actual demand.")
    failure_factor: float = Field(1.3, gt=0, description="A large error is a model failure when the forecast was "
                                                          "this many times further off (geometric mean over leads) "
                                                          "than the trailing seasonal mean.")
    min_days: int = Field(5, ge=1, description="Worst list: store x goods pairs with at least this many scored days.")
    worst: int = Field(10, ge=1, le=100, description="Length of the worst list.")


def _metrics(r: dict[str, Any]) -> dict[str, Any]:
    actual = float(r["actual_sum"] or 0)
    return {"rows": int(r["n"]), "zero_actual_rows": int(r["zero_actual"] or 0),
            "mape_pct": num(100 * float(r["mape"]), 2) if r["mape"] is not None else None,
            "wape_pct": num(100 * float(r["abs_err"] or 0) / actual, 2) if actual else None,
            "bias_pct": num(100 * float(r["err"] or 0) / actual, 2) if actual else None,
            "hit_rate_pct": num(100 * float(r["hit_rate"] or 0), 2),
            "naive_last_week_mape_pct": num(100 * float(r["mape_last_week"]), 2) if r["mape_last_week"] is not None
            else None,
            "naive_trailing_mape_pct": num(100 * float(r["mape_trailing"]), 2) if r["mape_trailing"] is not None
            else None}


def segment(ctx: ToolContext, scope: Scope, args: ForecastAccuracyInput, seg: str) -> list[dict[str, Any]]:
    rows = fetch(ctx, bind(_SEGMENT, seg=expr(SEGMENTS[seg]), **_params(scope, args)), f"{seg} segments")
    return [{"key": r["k"], **_metrics(r)} for r in rows]


def _params(scope: Scope, args: ForecastAccuracyInput) -> dict[str, Any]:
    p = scope.period
    return {"a0": p.start - dt.timedelta(days=29), "d0": p.start, "d1": p.end, "shops": [s.id for s in scope.shops],
            "model": args.model_version, "lead0": args.lead_days or 1, "lead1": args.lead_days or 7}


def large_errors(ctx: ToolContext, scope: Scope, args: ForecastAccuracyInput) -> list[dict[str, Any]]:
    rows = fetch(ctx, bind(_LARGE, thr=args.large_error_pct / 100, **_params(scope, args)), "large errors")
    out = []
    for r in rows:
        naive = float(r["ape_trailing"])
        mean_ape = float(r["mean_ape"])
        excess = math.exp(float(r["log_err"]) - float(r["naive_log_err"]))
        out.append({"shop_id": int(r["shop_id"]), "goods_code": r["goods_code"], "pred_date": str(r["pred_date"])[:10],
                    "leads": int(r["leads"]), "leads_off": int(r["leads_off"]), "actual": num(r["actual"], 3),
                    "min_pred": num(r["min_pred"], 3), "max_pred": num(r["max_pred"], 3),
                    "mean_ape_pct": num(100 * mean_ape, 1), "min_ape_pct": num(100 * float(r["min_ape"]), 1),
                    "max_ape_pct": num(100 * float(r["max_ape"]), 1), "seasonal_naive_ape_pct": num(100 * naive, 1),
                    "excess_factor": num(excess, 2),
                    "cause": "model failure" if excess >= args.failure_factor else "demand shock"})
    return out


@tool(name="forecast_accuracy", title="Demand forecast accuracy monitor", department="Supply chain", seed_tool=18,
      input_model=ForecastAccuracyInput,
      examples=("forecast accuracy for last week", "MAPE by store", "how accurate are the demand predictions by "
                                                                   "lead time", "worst forecast items"),
      keywords=("forecast", "MAPE", "accuracy", "prediction", "bias", "hit rate", "demand", "replenishment",
                "lead time", "naive baseline"))
def forecast_accuracy(ctx: ToolContext, args: ForecastAccuracyInput) -> ToolOutput:
    """Accuracy of the demand forecast (wh_goods_daily_demand_pred) against actual consumption (stock-change
    tables, change_type 1): MAPE (zero actuals excluded and counted; WAPE reported as the zero-safe figure),
    bias, hit rate within ±20 %, by store, category, weekday, lead time or week; naive baselines (last week,
    4-week same-weekday mean) on the same rows; the worst store x goods pairs; and large errors split into model
    failures (a naive forecast did fine) and demand shocks."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end, default="last 28 days")
    if period.end >= ctx.today:  # forecasts reach a week ahead, actuals only up to yesterday
        period = Period(period.start, ctx.today - dt.timedelta(days=1), period.label)
    scope = scope_of(ctx, period, args.shop, "USD", False)
    overall = segment(ctx, scope, args, "overall")
    main = segment(ctx, scope, args, args.segment)
    by_lead = main if args.segment == "lead_days" else segment(ctx, scope, args, "lead_days")
    pairs = segment(ctx, scope, args, "store_goods")
    names = {s.id: s.name for s in shop_index(ctx).values()}
    if args.segment == "store":
        for r in main:
            r["key"] = names.get(int(r["key"]), r["key"])
    elif args.segment == "weekday":
        for r in main:
            r["key"] = WEEKDAYS[int(r["key"])]
    main.sort(key=lambda r: str(r["key"]))
    by_lead.sort(key=lambda r: int(r["key"]))
    eligible = [p for p in pairs if p["mape_pct"] is not None and p["rows"] - p["zero_actual_rows"] >= args.min_days]
    worst = sorted(eligible, key=lambda p: -(p["mape_pct"] or 0))[:args.worst]
    for w in worst:
        sid, goods = str(w.pop("key")).split("|", 1)
        w.update({"shop_id": int(sid), "store": names.get(int(sid), sid), "goods_code": goods})
    big = large_errors(ctx, scope, args)
    findings: list[Finding] = []
    for b in big:
        if b["cause"] != "model failure":
            continue
        findings.append(Finding(
            severity=Severity.critical, kind="forecast_model_failure",
            title=f"{names.get(b['shop_id'], b['shop_id'])} {b['goods_code']} on {b['pred_date']}: forecast "
                  f"{b['min_pred']}..{b['max_pred']} vs actual {b['actual']} "
                  f"(off {b['mean_ape_pct']:.0f} % on average, "
                  f"{b['leads_off']} of {b['leads']} leads beyond {args.large_error_pct:g} %; seasonal naive off "
                  f"{b['seasonal_naive_ape_pct']:.0f} %; model {b['excess_factor']}x further off than naive).",
            where=f"{names.get(b['shop_id'], b['shop_id'])} {b['pred_date']}", evidence=[b],
            keys={"shop_id": b["shop_id"], "goods_code": b["goods_code"], "pred_date": b["pred_date"]}))
    shocks = [b for b in big if b["cause"] != "model failure"]
    if shocks:
        findings.append(Finding(
            severity=Severity.info, kind="forecast_demand_shocks",
            title=f"{len(shocks)} store x goods x days missed by more than {args.large_error_pct:g} % where the naive "
                  "forecasts missed about as badly (holidays, outages, stock-outs, small lumpy quantities); see the "
                  "large_errors table.", evidence=shocks[:10], keys={"count": len(shocks)}))
    o = overall[0] if overall else {}
    for r in main:
        if r["mape_pct"] is not None and r["naive_last_week_mape_pct"] is not None and \
                r["mape_pct"] > min(r["naive_last_week_mape_pct"], r["naive_trailing_mape_pct"] or 1e9):
            findings.append(Finding(severity=Severity.warning, kind="worse_than_naive",
                                    title=f"{args.segment} {r['key']}: MAPE {r['mape_pct']} % is worse than a naive "
                                          "forecast.", where=str(r["key"]), evidence=[r],
                                    keys={"segment": args.segment, "key": r["key"]}))
    headline = {"period": period.label, "model": args.model_version, **{k: o.get(k) for k in (
        "rows", "zero_actual_rows", "mape_pct", "wape_pct", "bias_pct", "hit_rate_pct", "naive_last_week_mape_pct",
        "naive_trailing_mape_pct")}, "model_failures": sum(1 for b in big if b["cause"] == "model failure"),
        "demand_shocks": sum(1 for b in big if b["cause"] == "demand shock")}
    cols = ["key", "rows", "zero_actual_rows", "mape_pct", "wape_pct", "bias_pct", "hit_rate_pct",
            "naive_last_week_mape_pct", "naive_trailing_mape_pct"]
    return ToolOutput(
        tool="forecast_accuracy", title=f"Forecast accuracy by {args.segment}, {period.label}",
        summary=f"MAPE {o.get('mape_pct')} % (WAPE {o.get('wape_pct')} %), bias {o.get('bias_pct')} %, hit rate "
                f"{o.get('hit_rate_pct')} %; naive last-week MAPE {o.get('naive_last_week_mape_pct')} %. "
                f"{headline['model_failures']} model failures, {headline['demand_shocks']} demand shocks.",
        headline=headline,
        tables=[table(f"by_{args.segment}", main, cols), table("by_lead_days", by_lead, cols),
                table("worst_store_goods", worst), table("large_errors", big)],
        findings=findings,
        chart=chart("bar", main, "key", "mape_pct", title=f"MAPE by {args.segment} (%)"),
        filters=[f"model {args.model_version}", f"forecast days {period.start}..{period.end}",
                 f"lead days {args.lead_days or '1-7'}", "actual = -SUM(change_qty), change_type 1",
                 "MAPE excludes rows with zero actual demand (counted as zero_actual_rows)"],
    )
