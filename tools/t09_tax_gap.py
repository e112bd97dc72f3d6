"""Seed tool 9, tax compliance gap tracker: tax collected on orders vs expected at the NY + NYC rate.

``luckyus_fi_tax`` is empty (the gap itself), so the order data is the only tax record: each
completed USD item carries ``tax_rate`` and ``tax``. Expected tax is the item's ``pay_money`` times
the combined New York State + New York City rate (8.875 %, a setting), rounded to cents per item, for
items whose ``tax_mode`` is 1 (US sales tax added on top); ``tax_mode`` 0 items are exempt (packaged food).
The tool reports collected vs expected by month (the filing summary), lists orders whose tax is
missing, zero or off by more than the tolerance, and counts the rows of every ``fi_tax`` table so
the day the integration goes live is visible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field
from sqlglot import exp

from app.dataset.schema import TABLES
from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import PERIOD_HELP, Scope, bind, chart, clean_record, fetch, num, parse_period, scope_of, table
from tools.registry import tool

NY_NYC_RATE = 0.08875  # New York State 4 % + NYC 4.5 % + MCTD 0.375 %

_ITEM_BASE = """
FROM luckyus_sales_order.t_order_item AS i
JOIN luckyus_sales_order.t_order AS o ON o.id = i.order_id
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE o.status = 90 AND o.currency_code = 'USD' AND o.create_time >= :lo AND o.create_time < :hi
  AND o.shop_id IN (:shops) AND DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) BETWEEN :d0 AND :d1
"""

_MONTHLY = """
SELECT DATE_FORMAT(CONVERT_TZ(o.create_time, 'UTC', s.time_zone), '%Y-%m') AS month,
       COUNT(DISTINCT o.id) AS orders, COUNT(*) AS items,
       SUM(CASE WHEN i.tax_mode = 1 THEN i.pay_money ELSE 0 END) AS taxable_sales,
       SUM(CASE WHEN i.tax_mode = 0 THEN i.pay_money ELSE 0 END) AS exempt_sales,
       SUM(CASE WHEN i.tax_mode = 1 THEN COALESCE(i.tax, 0) ELSE 0 END) AS tax_collected,
       SUM(CASE WHEN i.tax_mode = 1 THEN ROUND(i.pay_money * :rate, 2) ELSE 0 END) AS tax_expected,
       SUM(CASE WHEN i.tax_mode = 1 AND i.tax IS NULL THEN 1 ELSE 0 END) AS items_missing_tax,
       SUM(CASE WHEN i.tax_mode = 1 AND i.tax = 0 AND i.pay_money > 0 THEN 1 ELSE 0 END) AS items_zero_tax
""" + _ITEM_BASE + """
GROUP BY DATE_FORMAT(CONVERT_TZ(o.create_time, 'UTC', s.time_zone), '%Y-%m')
ORDER BY month
"""

# Only tax_mode 1 items (US sales tax added on top) owe tax; tax_mode 0 items are exempt.
_ORDER_GAPS = """
SELECT o.id AS order_id, o.order_no AS order_no, o.shop_id AS shop_id,
       DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) AS business_date, COUNT(*) AS items,
       SUM(i.pay_money) AS taxable, SUM(i.tax) AS collected, SUM(ROUND(i.pay_money * :rate, 2)) AS expected,
       SUM(CASE WHEN i.tax IS NULL THEN 1 ELSE 0 END) AS null_items, MIN(i.tax_rate) AS min_rate,
       MAX(i.tax_rate) AS max_rate
""" + _ITEM_BASE + """ AND i.tax_mode = 1
GROUP BY o.id, o.order_no, o.shop_id, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone))
HAVING SUM(i.pay_money) > 0 AND (SUM(CASE WHEN i.tax IS NULL THEN 1 ELSE 0 END) > 0
       OR ABS(SUM(i.tax) - SUM(ROUND(i.pay_money * :rate, 2))) > :tol)
ORDER BY o.id
"""


class TaxGapInput(ToolInput):
    period: str = Field("all", description=f"Order days to audit: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    rate: float = Field(NY_NYC_RATE, gt=0, lt=1, description="Combined sales tax rate expected on every item "
                                                             "(default NY State + NYC = 8.875 %).")
    tolerance: float = Field(0.01, ge=0, description="Per-order difference (dollars) still treated as rounding.")
    max_findings: int = Field(200, ge=1, le=5000, description="Most order-level findings to list.")


def fi_tax_counts(ctx: ToolContext) -> list[dict[str, Any]]:
    """Row count of every luckyus_fi_tax table (built from the schema contract, not from input)."""
    out = []
    for t in (t for t in TABLES.values() if t.database == "luckyus_fi_tax"):
        q = exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(exp.table_(t.name, db=t.database))
        rows = ctx.query(q).rows
        out.append({"table": t.qualified, "rows": int(rows[0][0]) if rows else 0})
    return out


def order_tax_gaps(ctx: ToolContext, scope: Scope, rate: float, tolerance: float) -> list[dict[str, Any]]:
    p = scope.params()
    p.pop("cur")
    return fetch(ctx, bind(_ORDER_GAPS, rate=rate, tol=tolerance, **p), "orders with a tax gap")


def classify(g: dict[str, Any]) -> str:
    collected = g["collected"]
    if int(g["null_items"]) == int(g["items"]):
        return "missing_tax"
    if int(g["null_items"]) > 0:
        return "partly_missing_tax"
    if collected is not None and float(collected) == 0.0:
        return "zero_tax"
    return "under_tax" if float(collected) < float(g["expected"]) else "over_tax"


@tool(name="tax_gap", title="Tax compliance gap tracker", department="Accounting & Finance", seed_tool=9,
      input_model=TaxGapInput,
      examples=("sales tax collected vs expected by month", "orders with missing tax", "is fi_tax still empty"),
      keywords=("tax", "sales tax", "fi_tax", "compliance", "filing", "NYC tax", "missing tax", "8.875"))
def tax_gap(ctx: ToolContext, args: TaxGapInput) -> ToolOutput:
    """Sales tax collected on completed USD order items vs expected at the NY State + NYC combined rate
    (8.875 % by default, a setting), by month for filing preparation; orders with missing, zero or wrong tax;
    and the row counts of the luckyus_fi_tax tables (empty = the integration is not live)."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    scope = scope_of(ctx, period, args.shop, "USD", False)
    p = scope.params()
    p.pop("cur")
    months = fetch(ctx, bind(_MONTHLY, rate=args.rate, **p), "months")
    rows = []
    for m in months:
        gap = float(m["tax_expected"] or 0) - float(m["tax_collected"] or 0)
        rows.append({"month": m["month"], "orders": int(m["orders"]), "items": int(m["items"]),
                     "taxable_sales": num(m["taxable_sales"]), "exempt_sales": num(m["exempt_sales"]),
                     "tax_collected": num(m["tax_collected"]),
                     "tax_expected": num(m["tax_expected"]), "gap": num(gap),
                     "effective_rate_pct": num(100 * float(m["tax_collected"] or 0) / float(m["taxable_sales"]), 4)
                     if m["taxable_sales"] else None,
                     "items_missing_tax": int(m["items_missing_tax"]), "items_zero_tax": int(m["items_zero_tax"])})
    gaps = order_tax_gaps(ctx, scope, args.rate, args.tolerance)
    counts = fi_tax_counts(ctx)
    findings: list[Finding] = []
    if all(c["rows"] == 0 for c in counts):
        findings.append(Finding(
            severity=Severity.critical, kind="fi_tax_empty",
            title=f"All {len(counts)} luckyus_fi_tax tables are empty: tax collected on orders is not reaching "
                  "the tax system.", where="luckyus_fi_tax", evidence=counts, keys={"database": "luckyus_fi_tax"}))
    for g in gaps[:args.max_findings]:
        kind = classify(g)
        collected = None if g["collected"] is None else float(g["collected"])
        findings.append(Finding(
            severity=Severity.warning, kind=kind,
            title=f"Order {g['order_no']}: tax {'missing' if collected is None else f'{collected:.2f}'} on "
                  f"{float(g['taxable']):.2f} taxable, expected {float(g['expected']):.2f}.",
            where=f"shop {g['shop_id']} {str(g['business_date'])[:10]}", evidence=[clean_record(g)],
            keys={"order_id": int(g["order_id"]), "gap": num(float(g["expected"]) - (collected or 0.0))}))
    if len(gaps) > args.max_findings:
        findings.append(Finding(severity=Severity.info, kind="findings_truncated",
                                title=f"{len(gaps) - args.max_findings} more orders with a tax gap not listed."))
    collected = sum(r["tax_collected"] or 0 for r in rows)
    expected = sum(r["tax_expected"] or 0 for r in rows)
    taxable = sum(r["taxable_sales"] or 0 for r in rows)
    headline = {"period": period.label, "rate_pct": round(100 * args.rate, 4), "taxable_sales": num(taxable),
                "tax_collected": num(collected), "tax_expected": num(expected), "gap": num(expected - collected),
                "orders_with_tax_gap": len(gaps),
                "orders_missing_tax": sum(1 for g in gaps if classify(g) in {"missing_tax", "partly_missing_tax"}),
                "orders_zero_tax": sum(1 for g in gaps if classify(g) == "zero_tax"),
                "fi_tax_rows": sum(c["rows"] for c in counts)}
    series = [{"month": r["month"], "measure": k, "amount": r[k]}
              for r in rows for k in ("tax_collected", "tax_expected")]
    return ToolOutput(
        tool="tax_gap", title=f"Tax compliance gap, {period.label}",
        summary=f"Tax collected {collected:,.2f} vs expected {expected:,.2f} at {100 * args.rate:g} % "
                f"(gap {expected - collected:,.2f}); {len(gaps)} orders with missing, zero or wrong tax; "
                f"fi_tax holds {headline['fi_tax_rows']} rows.",
        headline=headline,
        tables=[table("monthly_summary", rows), table("orders_with_tax_gap", gaps[:args.max_findings]),
                table("fi_tax_tables", counts)],
        findings=findings,
        chart=chart("bar", series, "month", "amount", title="Tax collected vs expected by month", color="measure",
                    x_type="ordinal"),
        filters=["completed (status 90) USD orders, test shops excluded", f"business days {period.start}..{period.end}",
                 f"expected = ROUND(item pay_money x {args.rate}, 2) per item",
                 f"per-order tolerance {args.tolerance:g}"],
    )
