"""Seed tool 7, daily revenue reconciliation: orders vs payments vs accounting, per day, store and currency.

Three systems record the same money in different units: ``t_order.pay_money`` (dollars, by
``currency_code``), ``t_trade.amount`` (cents) and ``t_acc_income_bill.income_amount`` (dollars, booked
per business day, hour and channel). The tool matches them three ways per local business day, store
and currency with a tolerance, lists order-level discrepancies (missing or wrong payments, orphan
payments), and totals Stripe fees per channel. Currencies are never summed together: USD and NZD
each get their own rows and headline figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import PERIOD_HELP, Scope, bind, chart, clean_record, fetch, num, parse_period, scope_of, table
from tools.registry import tool

OK_TRADE = (1, 2, 3)  # successful t_trade.status values (SEMANTICS.md): what channel volumes and fees count
PAID = (1, 2)  # money held for an order: 1 paid (awaiting settlement), 2 settled; 3 = refunded (cancelled order)
LOCAL = "DATE(CONVERT_TZ({c}, 'UTC', s.time_zone))"


class ReconciliationInput(ToolInput):
    period: str = Field("yesterday", description=f"Business days to reconcile: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    currency: Literal["USD", "NZD", "all"] = Field(
        "USD", description="Currency to reconcile; 'all' reports each currency separately, never summed.")
    tolerance: float = Field(0.0, ge=0, description="Largest difference (currency units) per store-day that still "
                                                    "counts as a match; default 0: the systems must agree to the "
                                                    "cent (the seed suggests flagging anything above $0.01).")
    include_test_shops: bool = Field(False, description="Include test shops (the Cook Islands NZD shops).")
    max_findings: int = Field(200, ge=1, le=5000, description="Most order-level findings to list.")


_ORDERS = f"""
SELECT {LOCAL.format(c='o.create_time')} AS business_date, o.shop_id AS shop_id, o.currency_code AS currency,
       COUNT(*) AS n, SUM(o.pay_money) AS amount
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE o.status = 90 AND o.create_time >= :lo AND o.create_time < :hi
  AND o.shop_id IN (:shops) AND o.currency_code IN (:cur)
  AND {LOCAL.format(c='o.create_time')} BETWEEN :d0 AND :d1
GROUP BY {LOCAL.format(c='o.create_time')}, o.shop_id, o.currency_code
"""

# Payments are attributed to the business day of the order they pay, so a payment captured a few
# seconds after midnight does not create a false day-level difference.
_PAYMENTS = f"""
SELECT {LOCAL.format(c='o.create_time')} AS business_date, o.shop_id AS shop_id, t.currency_code AS currency,
       COUNT(*) AS n, SUM(t.amount) AS cents
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_sales_order.t_order AS o ON o.id = t.order_id
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE t.status IN (:ok) AND o.status = 90 AND o.create_time >= :lo AND o.create_time < :hi
  AND o.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND {LOCAL.format(c='o.create_time')} BETWEEN :d0 AND :d1
GROUP BY {LOCAL.format(c='o.create_time')}, o.shop_id, t.currency_code
"""

_ACCOUNTING = """
SELECT b.business_date AS business_date, b.shop_id AS shop_id, b.currency_code AS currency,
       SUM(b.order_count) AS n, SUM(b.income_amount) AS amount
FROM luckyus_ifiaccounting.t_acc_income_bill AS b
WHERE b.business_date BETWEEN :d0 AND :d1 AND b.shop_id IN (:shops) AND b.currency_code IN (:cur)
GROUP BY b.business_date, b.shop_id, b.currency_code
"""

_ORDER_GAPS = f"""
SELECT o.id AS order_id, o.order_no AS order_no, o.shop_id AS shop_id,
       {LOCAL.format(c='o.create_time')} AS business_date, o.currency_code AS currency,
       o.pay_money AS pay_money, p.cents AS paid_cents, p.trades AS trades
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
LEFT JOIN (SELECT t.order_id AS order_id, SUM(t.amount) AS cents, COUNT(*) AS trades
           FROM luckyus_sales_payment.t_trade AS t
           WHERE t.status IN (:ok) AND t.create_time >= :plo AND t.create_time < :phi
           GROUP BY t.order_id) AS p ON p.order_id = o.id
WHERE o.status = 90 AND o.create_time >= :lo AND o.create_time < :hi
  AND o.shop_id IN (:shops) AND o.currency_code IN (:cur)
  AND {LOCAL.format(c='o.create_time')} BETWEEN :d0 AND :d1
  AND ((p.order_id IS NULL AND o.pay_money > 0) OR p.cents <> ROUND(o.pay_money * 100, 0))
ORDER BY o.id
"""

_ORPHANS = f"""
SELECT t.id AS trade_id, t.trade_no AS trade_no, t.order_id AS order_id, t.shop_id AS shop_id,
       {LOCAL.format(c='t.create_time')} AS business_date, t.channel_id AS channel_id,
       t.amount AS cents, t.currency_code AS currency, o.status AS order_status
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_opshop.t_shop_info AS s ON s.id = t.shop_id
LEFT JOIN luckyus_sales_order.t_order AS o ON o.id = t.order_id
WHERE t.status IN (:ok) AND t.create_time >= :lo AND t.create_time < :hi
  AND t.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND {LOCAL.format(c='t.create_time')} BETWEEN :d0 AND :d1
  AND (o.id IS NULL OR o.status <> 90)
ORDER BY t.id
"""

_FEES = f"""
SELECT t.currency_code AS currency, t.channel_id AS channel_id, c.channel_name AS channel_name,
       COUNT(*) AS trades, SUM(t.amount) AS cents, COUNT(f.id) AS fee_records, SUM(f.amount) AS fee_base,
       SUM(f.transaction_fee) AS transaction_fee, SUM(f.merchant_service_fee) AS merchant_service_fee,
       SUM(f.total_fee) AS total_fee
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_opshop.t_shop_info AS s ON s.id = t.shop_id
LEFT JOIN luckyus_sales_payment.t_channel_fee AS f ON f.trade_id = t.id
LEFT JOIN luckyus_sales_payment.t_pay_channel AS c ON c.channel_id = t.channel_id
WHERE t.status IN (:ok) AND t.create_time >= :lo AND t.create_time < :hi
  AND t.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND {LOCAL.format(c='t.create_time')} BETWEEN :d0 AND :d1
GROUP BY t.currency_code, t.channel_id, c.channel_name
ORDER BY t.currency_code, SUM(t.amount) DESC, t.channel_id
"""

# Settled trades (status 2) must carry exactly one fee record; status 1 trades await settlement.
_SETTLED_WITHOUT_FEE = f"""
SELECT t.id AS trade_id, t.trade_no AS trade_no, t.order_id AS order_id, t.shop_id AS shop_id,
       {LOCAL.format(c='t.create_time')} AS business_date, t.channel_id AS channel_id, t.amount AS cents,
       t.currency_code AS currency, COUNT(f.id) AS fee_records
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_opshop.t_shop_info AS s ON s.id = t.shop_id
LEFT JOIN luckyus_sales_payment.t_channel_fee AS f ON f.trade_id = t.id
WHERE t.status = 2 AND t.create_time >= :lo AND t.create_time < :hi
  AND t.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND {LOCAL.format(c='t.create_time')} BETWEEN :d0 AND :d1
GROUP BY t.id, t.trade_no, t.order_id, t.shop_id, {LOCAL.format(c='t.create_time')}, t.channel_id, t.amount,
         t.currency_code
HAVING COUNT(f.id) <> 1
ORDER BY t.id
"""

# Fee records carry no shop, so they are selected by their own (UTC) time within the period's window.
_FEE_WITHOUT_TRADE = """
SELECT f.id AS fee_id, f.trade_id AS trade_id, f.trade_no AS trade_no, f.channel_id AS channel_id,
       f.amount AS cents, f.total_fee AS total_fee, f.currency_code AS currency, f.create_time AS create_time
FROM luckyus_sales_payment.t_channel_fee AS f
LEFT JOIN luckyus_sales_payment.t_trade AS t ON t.id = f.trade_id
WHERE t.id IS NULL AND f.create_time >= :lo AND f.create_time < :hi
ORDER BY f.id
"""


@dataclass
class Reconciliation:
    days: list[dict[str, Any]]
    order_gaps: list[dict[str, Any]]
    orphans: list[dict[str, Any]]
    fees: list[dict[str, Any]]
    settled_without_fee: list[dict[str, Any]]
    fee_without_trade: list[dict[str, Any]]
    totals: dict[str, dict[str, float]] = field(default_factory=dict)


def _leg(rows: list[dict[str, Any]], amount: str, divide: int = 1) -> dict[tuple[str, int, str], tuple[int, float]]:
    out = {}
    for r in rows:
        key = (str(r["business_date"])[:10], int(r["shop_id"]), str(r["currency"]))
        out[key] = (int(r["n"]), float(r[amount] or 0) / divide)
    return out


def reconcile(ctx: ToolContext, scope: Scope, tolerance: float) -> Reconciliation:
    """Run the three legs and the discrepancy queries; pure aggregation after that."""
    p = scope.params()
    ok = list(PAID)
    orders = _leg(fetch(ctx, bind(_ORDERS, **p), "store-days"), "amount")
    pays = _leg(fetch(ctx, bind(_PAYMENTS, ok=ok, **p), "store-days"), "cents", 100)
    acc = _leg(fetch(ctx, bind(_ACCOUNTING, d0=p["d0"], d1=p["d1"], shops=p["shops"], cur=p["cur"]),
                     "store-days"), "amount")
    names = {s.id: s.name for s in scope.shops}
    days: list[dict[str, Any]] = []
    for key in sorted(set(orders) | set(pays) | set(acc)):
        d, shop_id, cur = key
        o_n, o_amt = orders.get(key, (0, 0.0))
        p_n, p_amt = pays.get(key, (0, 0.0))
        a_n, a_amt = acc.get(key, (0, 0.0))
        d_op, d_oa = round(p_amt - o_amt, 2), round(a_amt - o_amt, 2)
        bad = [leg for leg, diff in (("payments", d_op), ("accounting", d_oa)) if abs(diff) > tolerance + 1e-9]
        days.append({"business_date": d, "shop_id": shop_id, "shop_name": names.get(shop_id, str(shop_id)),
                     "currency": cur, "orders": o_n, "orders_total": round(o_amt, 2), "trades": p_n,
                     "payments_total": round(p_amt, 2), "accounting_orders": a_n, "accounting_total": round(a_amt, 2),
                     "payments_minus_orders": d_op, "accounting_minus_orders": d_oa,
                     "status": "match" if not bad else "mismatch: " + " & ".join(bad)})
    lo, hi = p["lo"], p["hi"]
    gaps = fetch(ctx, bind(_ORDER_GAPS, ok=ok, plo=lo - dt.timedelta(days=1), phi=hi + dt.timedelta(days=1), **p),
                 "discrepant orders")
    orphans = fetch(ctx, bind(_ORPHANS, ok=ok, **p), "orphan payments")
    fees = fetch(ctx, bind(_FEES, ok=list(OK_TRADE), **p), "channels")
    unfeed = fetch(ctx, bind(_SETTLED_WITHOUT_FEE, **p), "settled trades without a fee record")
    ghosts = fetch(ctx, bind(_FEE_WITHOUT_TRADE, lo=lo, hi=hi), "fee records without a trade")
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in days:
        t = totals[r["currency"]]
        for k in ("orders_total", "payments_total", "accounting_total"):
            t[k] += r[k]
    return Reconciliation(days, gaps, orphans, fees, unfeed, ghosts,
                          {c: {k: round(v, 2) for k, v in t.items()} for c, t in totals.items()})


def fee_rows(fees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Channel fee rows in currency units; effective rate = SUM(total_fee) / SUM(fee amount) as the seed defines."""
    out = []
    for f in fees:
        cents = float(f["cents"] or 0)
        base = float(f["fee_base"] or 0)
        total_fee = float(f["total_fee"] or 0)
        out.append({"currency": f["currency"], "channel_id": int(f["channel_id"]),
                    "channel_name": f["channel_name"] or "unknown", "trades": int(f["trades"]),
                    "amount": num(cents / 100), "fee_records": int(f["fee_records"]), "fee_base": num(base / 100),
                    "transaction_fee": num(float(f["transaction_fee"] or 0) / 100),
                    "merchant_service_fee": num(float(f["merchant_service_fee"] or 0) / 100),
                    "total_fee": num(total_fee / 100),
                    "effective_rate_pct": num(100 * total_fee / base, 3) if base else None})
    return out


def discrepancy_findings(rec: Reconciliation, tolerance: float, limit: int) -> list[Finding]:
    """Day-level mismatches first, then order-level gaps and orphan payments."""
    out: list[Finding] = []
    for d in rec.days:
        if d["status"] == "match":
            continue
        worst = max(abs(d["payments_minus_orders"]), abs(d["accounting_minus_orders"]))
        out.append(Finding(
            severity=Severity.critical if worst >= 100 else Severity.warning, kind="recon_day_mismatch",
            title=f"{d['shop_name']} {d['business_date']} ({d['currency']}): orders {d['orders_total']:,.2f}, "
                  f"payments {d['payments_total']:,.2f}, accounting {d['accounting_total']:,.2f} "
                  f"(tolerance {tolerance:g}).",
            where=f"{d['shop_name']} {d['business_date']}", evidence=[clean_record(d)],
            keys={"business_date": d["business_date"], "shop_id": d["shop_id"], "currency": d["currency"],
                  "payments_minus_orders": d["payments_minus_orders"],
                  "accounting_minus_orders": d["accounting_minus_orders"]}))
    for g in rec.order_gaps[:limit]:
        due = round(float(g["pay_money"]) * 100)
        paid = None if g["paid_cents"] is None else int(g["paid_cents"])
        kind = "payment_missing" if paid is None else "payment_amount_mismatch"
        title = (f"Order {g['order_no']} ({g['currency']} {float(g['pay_money']):.2f}) has no successful payment."
                 if paid is None else
                 f"Order {g['order_no']} is {float(g['pay_money']):.2f} but its payments total {paid / 100:.2f}.")
        out.append(Finding(severity=Severity.warning, kind=kind, title=title,
                           where=f"shop {g['shop_id']} {str(g['business_date'])[:10]}", evidence=[clean_record(g)],
                           keys={"order_id": int(g["order_id"]), "diff_cents": (paid or 0) - due}))
    for t in rec.orphans[:limit]:
        orphan = t["order_status"] is None
        out.append(Finding(
            severity=Severity.warning, kind="orphan_payment" if orphan else "payment_for_unfinished_order",
            title=(f"Payment {t['trade_no']} ({int(t['cents']) / 100:.2f} {t['currency']}) matches no order."
                   if orphan else f"Payment {t['trade_no']} was taken for order {t['order_id']} whose status is "
                                  f"{t['order_status']}, not completed."),
            where=f"shop {t['shop_id']} {str(t['business_date'])[:10]}", evidence=[clean_record(t)],
            keys={"trade_id": int(t["trade_id"]), "order_id": t["order_id"]}))
    for t in rec.settled_without_fee[:limit]:
        none = int(t["fee_records"]) == 0
        out.append(Finding(
            severity=Severity.warning, kind="trade_without_fee" if none else "trade_duplicate_fee",
            title=f"Settled payment {t['trade_no']} ({int(t['cents']) / 100:.2f} {t['currency']}, channel "
                  f"{t['channel_id']}) has {'no' if none else t['fee_records']} fee record{'' if none else 's'}.",
            where=f"shop {t['shop_id']} {str(t['business_date'])[:10]}", evidence=[clean_record(t)],
            keys={"trade_id": int(t["trade_id"]), "order_id": t["order_id"]}))
    for f in rec.fee_without_trade[:limit]:
        out.append(Finding(
            severity=Severity.warning, kind="fee_without_trade",
            title=f"Fee record {f['fee_id']} ({int(f['total_fee']) / 100:.2f} {f['currency']}) points to trade "
                  f"{f['trade_id']}, which does not exist.",
            where=f"{str(f['create_time'])[:10]}", evidence=[clean_record(f)], keys={"trade_id": int(f["trade_id"])}))
    hidden = sum(max(0, len(x) - limit) for x in (rec.order_gaps, rec.orphans, rec.settled_without_fee,
                                                  rec.fee_without_trade))
    if hidden:
        out.append(Finding(severity=Severity.info, kind="findings_truncated",
                           title=f"{hidden} more order-level discrepancies not listed (max_findings={limit})."))
    return out


@tool(name="reconciliation", title="Daily revenue reconciliation", department="Accounting & Finance", seed_tool=7,
      input_model=ReconciliationInput,
      examples=("yesterday's reconciliation", "reconcile orders and payments for last week at 102 Fulton",
                "Stripe fees by channel this month"),
      keywords=("reconciliation", "reconcile", "three-way match", "payments", "accounting", "income bill",
                "stripe fees", "discrepancy", "orders vs payments"))
def reconciliation(ctx: ToolContext, args: ReconciliationInput) -> ToolOutput:
    """Three-way match of order revenue (t_order.pay_money, dollars), payments (t_trade.amount, cents) and
    booked income (t_acc_income_bill) per local business day, store and currency, with a tolerance; lists
    discrepant days, orders without a matching payment, orphan payments, and Stripe fee totals with the
    effective rate per payment channel. USD and NZD are reported separately, never summed."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    scope = scope_of(ctx, period, args.shop, args.currency, args.include_test_shops)
    rec = reconcile(ctx, scope, args.tolerance)
    fees = fee_rows(rec.fees)
    findings = discrepancy_findings(rec, args.tolerance, args.max_findings)
    mismatched = [d for d in rec.days if d["status"] != "match"]
    headline: dict[str, Any] = {"period": period.label, "store_days": len(rec.days),
                                "store_days_mismatched": len(mismatched),
                                "orders_without_payment": sum(1 for g in rec.order_gaps if g["paid_cents"] is None),
                                "orders_with_wrong_payment": sum(1 for g in rec.order_gaps
                                                                 if g["paid_cents"] is not None),
                                "orphan_payments": len(rec.orphans),
                                "settled_trades_without_fee": len(rec.settled_without_fee),
                                "fee_records_without_trade": len(rec.fee_without_trade)}
    for cur, t in sorted(rec.totals.items()):
        low = cur.lower()
        headline[f"orders_total_{low}"] = t.get("orders_total", 0.0)
        headline[f"payments_total_{low}"] = t.get("payments_total", 0.0)
        headline[f"accounting_total_{low}"] = t.get("accounting_total", 0.0)
        fee_sum = sum(f["total_fee"] or 0 for f in fees if f["currency"] == cur)
        amount = sum(f["fee_base"] or 0 for f in fees if f["currency"] == cur)
        headline[f"stripe_fees_{low}"] = num(fee_sum)
        headline[f"effective_fee_rate_pct_{low}"] = num(100 * fee_sum / amount, 3) if amount else None
    daily: dict[str, dict[str, float]] = defaultdict(lambda: {"orders": 0.0, "payments": 0.0, "accounting": 0.0})
    for d in rec.days:
        if d["currency"] == scope.currencies[0]:
            row = daily[d["business_date"]]
            row["orders"] += d["orders_total"]
            row["payments"] += d["payments_total"]
            row["accounting"] += d["accounting_total"]
    series = [{"business_date": k, "system": s, "amount": round(v[s], 2)}
              for k, v in sorted(daily.items()) for s in ("orders", "payments", "accounting")]
    filters = [f"business days {period.start}..{period.end} in each store's local time zone",
               "orders: t_order.status = 90; payments: t_trade.status IN (1,2) (paid, settled), cents / 100; "
               "fees: status IN (1,2,3)",
               f"currency: {', '.join(scope.currencies)} (each reported separately)",
               f"tolerance: {args.tolerance:g} per store-day"]
    if not args.include_test_shops and args.shop is None:
        filters.append("test shops excluded (t_shop_info.test_flag = 1)")
    return ToolOutput(
        tool="reconciliation", title=f"Revenue reconciliation, {period.label}",
        summary=f"{len(rec.days)} store-days checked, {len(mismatched)} mismatched; "
                f"{headline['orders_without_payment']} orders without payment, "
                f"{headline['orders_with_wrong_payment']} with a wrong payment, {len(rec.orphans)} orphan payments.",
        headline=headline,
        tables=[table("store_days", rec.days), table("fees_by_channel", fees),
                table("order_discrepancies", rec.order_gaps[:args.max_findings]),
                table("orphan_payments", rec.orphans[:args.max_findings])],
        findings=findings,
        chart=chart("line", series, "business_date", "amount", title=f"Daily totals by system ({scope.currencies[0]})",
                    color="system", x_type="temporal") if len(daily) > 1 else
        chart("bar", fees, "channel_name", "effective_rate_pct", title="Effective fee rate by channel", sort="-y"),
        filters=filters)
