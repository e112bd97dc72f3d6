"""Seed tool 12, production time optimizer: accept-to-done seconds by product, store, hour, weekday, machine.

Production time is ``TIMESTAMPDIFF(SECOND, accept_time, done_time)`` over ``t_production`` rows with
both times set and done after accept (SEMANTICS.md). Runs above the outlier limit (30 min) are data
errors or food-safety risks: they are listed, and left out of the statistics. Percentiles use the
nearest-rank rule (the value at rank ``CEIL(p x n)``) computed with window functions, so DuckDB and
MySQL give identical numbers. Hours and weekdays are the store's local time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import (
    PERIOD_HELP,
    WEEKDAYS,
    Scope,
    bind,
    chart,
    clean_record,
    expr,
    fetch,
    num,
    parse_period,
    scope_of,
    table,
)
from tools.registry import tool

Dim = Literal["product", "store", "hour", "weekday", "machine_type"]
DIMS: dict[str, str] = {  # dimension -> constant MySQL expression over p (t_production), c, d, s
    "product": "c.spu_name",
    "store": "s.shop_name",
    "hour": "HOUR(CONVERT_TZ(p.accept_time, 'UTC', s.time_zone))",
    "weekday": "WEEKDAY(CONVERT_TZ(p.accept_time, 'UTC', s.time_zone))",
    "machine_type": "COALESCE(d.machine_type, 'no machine')",
    "shop_id": "p.shop_id",  # for other tools (store command center, compliance)
}
NEEDS_ITEMS = {"product", "machine_type"}  # dimensions that need t_commodity (one row per item made)

_WHERE = """p.accept_time IS NOT NULL AND p.done_time IS NOT NULL AND p.done_time > p.accept_time
  AND p.accept_time >= :lo AND p.accept_time < :hi AND p.shop_id IN (:shops)
  AND DATE(CONVERT_TZ(p.accept_time, 'UTC', s.time_zone)) BETWEEN :d0 AND :d1"""

_STATS = """
WITH pt AS (
  SELECT :k1 AS k, :k2 AS k2, TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time) AS secs
  FROM luckyus_opproduction.t_production AS p
  JOIN luckyus_opshop.t_shop_info AS s ON s.id = p.shop_id
  {items}
  WHERE """ + _WHERE + """
), ranked AS (
  SELECT k, k2, secs, ROW_NUMBER() OVER (PARTITION BY k, k2 ORDER BY secs) AS rn,
         COUNT(*) OVER (PARTITION BY k, k2) AS n
  FROM pt WHERE secs <= :limit
)
SELECT k, k2, MAX(n) AS n, AVG(secs) AS avg_s, MAX(secs) AS max_s,
       MAX(CASE WHEN rn = CEIL(0.5 * n) THEN secs END) AS p50_s,
       MAX(CASE WHEN rn = CEIL(0.95 * n) THEN secs END) AS p95_s
FROM ranked GROUP BY k, k2
"""
_ITEMS = """JOIN luckyus_opproduction.t_commodity AS c ON c.production_id = p.id
  LEFT JOIN luckyus_iot_platform.t_device AS d ON d.device_no = c.device_no"""

_OUTLIERS = """
SELECT p.id AS production_id, p.production_no AS production_no, p.order_id AS order_id, p.shop_id AS shop_id,
       s.shop_name AS shop_name, p.accept_time AS accept_time, p.done_time AS done_time,
       TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time) AS secs
FROM luckyus_opproduction.t_production AS p
JOIN luckyus_opshop.t_shop_info AS s ON s.id = p.shop_id
WHERE """ + _WHERE + """ AND TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time) > :limit
ORDER BY secs DESC, p.id
"""


class ProductionTimeInput(ToolInput):
    period: str = Field("last 30 days", description=f"Productions to analyse: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    by: Dim = Field("product", description="Main breakdown: product, store, hour, weekday or machine_type.")
    outlier_seconds: int = Field(1800, gt=0, description="Runs longer than this are outliers (seed: 30 min); "
                                                         "they are listed and excluded from the statistics.")
    bottleneck_pct: float = Field(20.0, gt=0, description="A store-hour is a bottleneck when its median is "
                                                         "this % above the store's median.")
    min_hour_share_pct: float = Field(3.0, ge=0, description="Only hours with at least this % of the store's "
                                                             "productions can be bottlenecks (peak hours).")
    min_hour_productions: int = Field(30, ge=1, description="... and at least this many productions, so a median "
                                                            "of a handful of drinks is not called a bottleneck.")
    include_test_shops: bool = Field(False, description="Include test shops.")
    max_findings: int = Field(200, ge=1, le=5000, description="Most outliers listed as findings.")


def stats(ctx: ToolContext, scope: Scope, k1: str, k2: str | None, limit: int) -> list[dict[str, Any]]:
    """n, mean, p50, p95 and max seconds per value of one or two dimensions (outliers excluded)."""
    items = _ITEMS if k1 in NEEDS_ITEMS or (k2 or "") in NEEDS_ITEMS else ""
    p = scope.params()
    p.pop("cur")
    tree = bind(_STATS.replace("{items}", items), k1=expr(DIMS[k1]), k2=expr(DIMS[k2]) if k2 else expr("'all'"),
                limit=limit, **p)
    rows = fetch(ctx, tree, f"{k1} groups")
    return [{"k": r["k"], "k2": r["k2"], "n": int(r["n"]), "avg_s": num(r["avg_s"], 1), "p50_s": _int(r["p50_s"]),
             "p95_s": _int(r["p95_s"]), "max_s": _int(r["max_s"])} for r in rows]


def outliers(ctx: ToolContext, scope: Scope, limit: int) -> list[dict[str, Any]]:
    p = scope.params()
    p.pop("cur")
    return fetch(ctx, bind(_OUTLIERS, limit=limit, **p), "outliers")


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _label(dim: str, k: Any) -> Any:
    return WEEKDAYS[int(k)] if dim == "weekday" and k is not None else k


def bottlenecks(by_hour: list[dict[str, Any]], overall: dict[str, dict[str, Any]], pct: float,
                min_share: float, min_n: int) -> list[dict[str, Any]]:
    """Store-hours whose median exceeds the store's median by ``pct`` % during busy hours."""
    out = []
    for r in by_hour:
        store = overall.get(r["k"])
        if not store or not store["p50_s"] or r["p50_s"] is None:
            continue
        share = 100.0 * r["n"] / store["n"]
        excess = 100.0 * (r["p50_s"] - store["p50_s"]) / store["p50_s"]
        if excess > pct and share >= min_share and r["n"] >= min_n:
            out.append({"store": r["k"], "hour": int(r["k2"]), "productions": r["n"], "share_pct": round(share, 1),
                        "p50_s": r["p50_s"], "store_p50_s": store["p50_s"], "excess_pct": round(excess, 1),
                        "p95_s": r["p95_s"]})
    return sorted(out, key=lambda b: (-b["excess_pct"], b["store"], b["hour"]))


@tool(name="production_time", title="Production time optimizer", department="Product", seed_tool=12,
      input_model=ProductionTimeInput,
      examples=("which drinks take longest to make", "production time p95 by store last month",
                "production outliers over 30 minutes", "peak hour bottlenecks at 8th & Broadway"),
      keywords=("production time", "make time", "accept to done", "p50", "p95", "outliers", "bottleneck",
                "peak hour", "machine type", "slow drinks"))
def production_time(ctx: ToolContext, args: ProductionTimeInput) -> ToolOutput:
    """Production time (accept to done, seconds) by product, store, local hour, weekday or machine type with
    count, mean, p50 and p95 (nearest rank); runs over 30 minutes listed as outliers and excluded from the
    statistics; peak-hour bottlenecks where a busy hour's median is well above the store's median."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    scope = scope_of(ctx, period, args.shop, "USD", args.include_test_shops)
    limit = args.outlier_seconds
    main = stats(ctx, scope, args.by, None, limit)
    main.sort(key=lambda r: (-(r["p50_s"] or 0), str(r["k"])))
    by_store = {r["k"]: r for r in stats(ctx, scope, "store", None, limit)}
    by_hour = stats(ctx, scope, "store", "hour", limit)
    hot = bottlenecks(by_hour, by_store, args.bottleneck_pct, args.min_hour_share_pct, args.min_hour_productions)
    outs = outliers(ctx, scope, limit)
    fleet = stats(ctx, scope, "hour", None, limit)  # fleet-wide hour profile for the chart
    findings: list[Finding] = []
    for o in outs[:args.max_findings]:
        secs = int(o["secs"])
        findings.append(Finding(
            severity=Severity.critical if secs > 2 * limit else Severity.warning, kind="production_outlier",
            title=f"Production {o['production_no']} at {o['shop_name']} took {secs:,} s ({secs / 60:.0f} min).",
            where=f"{o['shop_name']} {str(o['accept_time'])[:16]}", evidence=[clean_record(o)],
            keys={"production_id": int(o["production_id"]), "order_id": int(o["order_id"]), "seconds": secs}))
    if len(outs) > args.max_findings:
        findings.append(Finding(severity=Severity.info, kind="findings_truncated",
                                title=f"{len(outs) - args.max_findings} more outliers not listed."))
    for b in hot:
        findings.append(Finding(
            severity=Severity.warning, kind="peak_hour_bottleneck",
            title=f"{b['store']} at {b['hour']:02d}:00: median {b['p50_s']} s, {b['excess_pct']:.0f} % above the "
                  f"store's {b['store_p50_s']} s ({b['share_pct']:.0f} % of its productions).",
            where=f"{b['store']} {b['hour']:02d}:00", evidence=[b], keys={"store": b["store"], "hour": b["hour"]}))
    total_n = sum(r["n"] for r in by_store.values())
    weighted = sum((r["avg_s"] or 0) * r["n"] for r in by_store.values())
    main_rows = [{args.by: _label(args.by, r["k"]), "productions": r["n"], "avg_s": r["avg_s"], "p50_s": r["p50_s"],
                  "p95_s": r["p95_s"], "max_s": r["max_s"]} for r in main]
    heat: dict[tuple[Any, Any], int | None] = {(r["k"], r["k2"]): r["p50_s"] for r in by_hour}
    heat_rows = [{"store": k[0], "hour": int(k[1]), "p50_s": v} for k, v in sorted(heat.items(), key=lambda kv: (
        str(kv[0][0]), int(kv[0][1])))]
    headline = {"period": period.label, "productions": total_n,
                "avg_s": round(weighted / total_n, 1) if total_n else None,
                "outliers": len(outs), "outlier_limit_s": limit,
                "max_outlier_s": int(outs[0]["secs"]) if outs else None, "bottleneck_hours": len(hot),
                "slowest_" + args.by: _label(args.by, main[0]["k"]) if main else None}
    return ToolOutput(
        tool="production_time", title=f"Production time by {args.by}, {period.label}",
        summary=f"{total_n:,} productions, mean {headline['avg_s']} s (outliers > {limit} s excluded); "
                f"{len(outs)} outliers; {len(hot)} peak-hour bottlenecks.",
        headline=headline,
        tables=[table(f"by_{args.by}", main_rows), table("bottlenecks", hot),
                table("outliers", outs[:args.max_findings]), table("store_hour_p50", heat_rows)],
        findings=findings,
        chart={"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
               "title": "Median production time by store and local hour (s)",
               "data": {"values": heat_rows}, "mark": {"type": "rect", "tooltip": True},
               "encoding": {"x": {"field": "hour", "type": "ordinal"}, "y": {"field": "store", "type": "nominal"},
                            "color": {"field": "p50_s", "type": "quantitative"}}} if heat_rows else
        chart("line", [{"hour": r["k"], "p50_s": r["p50_s"]} for r in fleet], "hour", "p50_s",
              title="Median production time by hour", x_type="ordinal"),
        filters=["accept_time and done_time set, done_time > accept_time",
                 f"outliers above {limit} s excluded from statistics and listed separately",
                 f"business days {period.start}..{period.end}, store local time",
                 "percentiles: nearest rank"]
        + ([] if args.include_test_shops or args.shop else ["test shops excluded"]),
    )
