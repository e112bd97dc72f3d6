"""Seed tool 8, payment channel cost optimizer: volume, revenue, fees and effective rate per channel_id.

The effective rate is the seed's ``SUM(total_fee) / SUM(amount)`` over ``t_channel_fee`` (cents on
both sides); revenue and transactions come from successful ``t_trade`` rows. The what-if moves a
share of one channel's volume to another and prices it at the target channel's effective rate,
annualised over the days that had payments, so "shift 10 % of Apple Pay to debit" becomes dollars
per year. Fees are compared with the contract terms in ``t_pay_channel`` (bps + fixed cents).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Literal

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import PERIOD_HELP, ToolInputError, bind, chart, fetch, num, parse_period, scope_of, table
from tools.registry import tool
from tools.t07_reconciliation import OK_TRADE


class PaymentCostInput(ToolInput):
    period: str = Field("all", description=f"Payments to analyse: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    currency: Literal["USD", "NZD"] = Field("USD", description="Currency (never mixed).")
    include_test_shops: bool = Field(False, description="Include test shops.")
    shift_from: int = Field(53, description="What-if: channel_id to move volume away from (53 = Apple Pay).")
    shift_to: int = Field(3, description="What-if: channel_id to move volume to (3 = Debit Card).")
    shift_pct: float = Field(10.0, gt=0, le=100, description="What-if: % of shift_from's volume that moves.")
    contract_tolerance_pct: float = Field(5.0, ge=0, description="Flag a channel whose fees differ from its "
                                                                 "contract terms (t_pay_channel) by more than this %.")


_BY_CHANNEL_MONTH = """
SELECT DATE_FORMAT(CONVERT_TZ(t.create_time, 'UTC', s.time_zone), '%Y-%m') AS month, t.channel_id AS channel_id,
       COUNT(*) AS trades, SUM(t.amount) AS cents, COUNT(f.id) AS fee_records, SUM(f.amount) AS fee_base,
       SUM(f.total_fee) AS total_fee, SUM(f.transaction_fee) AS transaction_fee,
       SUM(f.merchant_service_fee) AS merchant_service_fee,
       SUM(CASE WHEN f.id IS NOT NULL AND c.fee_rate_bps > 0
                THEN ROUND(f.amount * c.fee_rate_bps / 10000, 0) + c.fee_fixed_cents ELSE 0 END) AS contract_fee,
       SUM(CASE WHEN t.status = 2 AND f.id IS NULL THEN 1 ELSE 0 END) AS settled_without_fee,
       COUNT(DISTINCT DATE(CONVERT_TZ(t.create_time, 'UTC', s.time_zone))) AS active_days
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_opshop.t_shop_info AS s ON s.id = t.shop_id
LEFT JOIN luckyus_sales_payment.t_channel_fee AS f ON f.trade_id = t.id
LEFT JOIN luckyus_sales_payment.t_pay_channel AS c ON c.channel_id = t.channel_id
WHERE t.status IN (:ok) AND t.create_time >= :lo AND t.create_time < :hi
  AND t.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND DATE(CONVERT_TZ(t.create_time, 'UTC', s.time_zone)) BETWEEN :d0 AND :d1
GROUP BY DATE_FORMAT(CONVERT_TZ(t.create_time, 'UTC', s.time_zone), '%Y-%m'), t.channel_id
"""

_ACTIVE_DAYS = """
SELECT COUNT(DISTINCT DATE(CONVERT_TZ(t.create_time, 'UTC', s.time_zone))) AS days
FROM luckyus_sales_payment.t_trade AS t
JOIN luckyus_opshop.t_shop_info AS s ON s.id = t.shop_id
WHERE t.status IN (:ok) AND t.create_time >= :lo AND t.create_time < :hi
  AND t.shop_id IN (:shops) AND t.currency_code IN (:cur)
  AND DATE(CONVERT_TZ(t.create_time, 'UTC', s.time_zone)) BETWEEN :d0 AND :d1
"""

_CHANNELS = "SELECT channel_id, channel_name, pay_method, fee_rate_bps, fee_fixed_cents FROM " \
            "luckyus_sales_payment.t_pay_channel ORDER BY channel_id"


def what_if(channels: dict[int, dict[str, Any]], src: int, dst: int, share: float, days: int) -> dict[str, Any]:
    """Move ``share`` of ``src``'s volume to ``dst`` at ``dst``'s effective rate; savings per year."""
    a, b = channels.get(src), channels.get(dst)
    if a is None or b is None or not a["fee_base"] or not b["fee_base"]:
        missing = [c for c, v in ((src, a), (dst, b)) if v is None or not v["fee_base"]]
        raise ToolInputError(f"No fee data for channel(s) {missing} in this period; pick channels that have payments.")
    moved = a["amount"] * share
    saved = a["total_fee"] * share - moved * b["effective_rate"]
    per_year = saved * 365.0 / days if days else 0.0
    return {"from_channel": src, "from_name": a["channel_name"], "to_channel": dst, "to_name": b["channel_name"],
            "shift_pct": round(share * 100, 2), "volume_moved": num(moved), "period_days": days,
            "from_rate_pct": num(100 * a["effective_rate"], 3), "to_rate_pct": num(100 * b["effective_rate"], 3),
            "savings_in_period": num(saved), "savings_per_year": num(per_year)}


@tool(name="payment_cost", title="Payment channel cost optimizer", department="Accounting & Finance", seed_tool=8,
      input_model=PaymentCostInput,
      examples=("what does each payment method cost us", "effective Stripe rate by channel",
                "if we shift 10% of Apple Pay to debit how much do we save per year"),
      keywords=("payment channel", "stripe fee", "effective rate", "apple pay", "debit", "processing cost",
                "what-if", "savings"))
def payment_cost(ctx: ToolContext, args: PaymentCostInput) -> ToolOutput:
    """Per payment channel_id: transactions, revenue, fees and effective processing rate
    (SUM(total_fee)/SUM(amount) from t_channel_fee), ranked from most to least expensive, a monthly rate
    trend, fees against the contract terms, and a what-if that shifts a share of one channel's volume to
    another (default: 10 % of Apple Pay to Debit Card) with the savings per year."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    scope = scope_of(ctx, period, args.shop, args.currency, args.include_test_shops)
    p = scope.params()
    months = fetch(ctx, bind(_BY_CHANNEL_MONTH, ok=list(OK_TRADE), **p), "channel-months")
    days_row = fetch(ctx, bind(_ACTIVE_DAYS, ok=list(OK_TRADE), **p))
    days = int(days_row[0]["days"] or 0) if days_row else 0
    meta = {int(r["channel_id"]): r for r in ctx.records(bind(_CHANNELS))}
    agg: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for m in months:
        a = agg[int(m["channel_id"])]
        for k in ("trades", "cents", "fee_records", "fee_base", "total_fee", "transaction_fee",
                  "merchant_service_fee", "contract_fee", "settled_without_fee"):
            a[k] += float(m[k] or 0)
    channels: dict[int, dict[str, Any]] = {}
    for cid, a in agg.items():
        info = meta.get(cid, {})
        channels[cid] = {
            "channel_id": cid, "channel_name": info.get("channel_name", "unknown"),
            "pay_method": info.get("pay_method"), "trades": int(a["trades"]), "amount": a["cents"] / 100,
            "fee_base": a["fee_base"] / 100, "total_fee": a["total_fee"] / 100,
            "transaction_fee": a["transaction_fee"] / 100, "merchant_service_fee": a["merchant_service_fee"] / 100,
            "fee_records": int(a["fee_records"]), "contract_fee": a["contract_fee"] / 100,
            "settled_without_fee": int(a["settled_without_fee"]),
            "effective_rate": a["total_fee"] / a["fee_base"] if a["fee_base"] else 0.0}
    ranked = sorted(channels.values(), key=lambda c: (-c["effective_rate"], c["channel_id"]))
    total_amount = sum(c["amount"] for c in ranked)
    rows = [{"rank": i + 1, "channel_id": c["channel_id"], "channel_name": c["channel_name"], "trades": c["trades"],
             "revenue": num(c["amount"]),
             "share_pct": num(100 * c["amount"] / total_amount, 2) if total_amount else None,
             "total_fee": num(c["total_fee"]), "transaction_fee": num(c["transaction_fee"]),
             "merchant_service_fee": num(c["merchant_service_fee"]),
             "effective_rate_pct": num(100 * c["effective_rate"], 3),
             "fee_per_trade": num(c["total_fee"] / c["trades"], 4) if c["trades"] else None,
             "settled_without_fee_record": c["settled_without_fee"]} for i, c in enumerate(ranked)]
    findings: list[Finding] = []
    scenario = what_if(channels, args.shift_from, args.shift_to, args.shift_pct / 100, days) if channels else None
    if ranked:
        top = ranked[0]
        findings.append(Finding(severity=Severity.info, kind="most_expensive_channel",
                                title=f"{top['channel_name']} (channel {top['channel_id']}) is the most expensive: "
                                      f"{100 * top['effective_rate']:.2f} % effective.",
                                where=f"channel {top['channel_id']}", evidence=[rows[0]],
                                keys={"channel_id": top["channel_id"]}))
    for c in ranked:
        # Stripe's part (transaction_fee) against the channel's contract: bps of the amount + fixed cents
        if c["contract_fee"]:
            off = 100 * (c["transaction_fee"] - c["contract_fee"]) / c["contract_fee"]
            if abs(off) > args.contract_tolerance_pct:
                findings.append(Finding(
                    severity=Severity.warning, kind="fee_off_contract",
                    title=f"{c['channel_name']} transaction fees are {off:+.1f} % against its contract terms "
                          f"({c['transaction_fee']:,.2f} charged vs {c['contract_fee']:,.2f} expected).",
                    where=f"channel {c['channel_id']}", keys={"channel_id": c["channel_id"], "off_pct": round(off, 2)},
                    evidence=[{"channel_id": c["channel_id"], "charged": num(c["transaction_fee"]),
                               "contract": num(c["contract_fee"])}]))
    trend = []
    for m in sorted(months, key=lambda r: (str(r["month"]), int(r["channel_id"]))):
        if m["fee_base"]:
            trend.append({"month": str(m["month"]), "channel": channels[int(m["channel_id"])]["channel_name"],
                          "effective_rate_pct": num(100 * float(m["total_fee"] or 0) / float(m["fee_base"]), 3)})
    total_fee = sum(c["total_fee"] for c in ranked)
    fee_base = sum(c["fee_base"] for c in ranked)
    headline: dict[str, Any] = {
        "period": period.label, "currency": args.currency, "channels": len(ranked), "active_days": days,
        "trades": sum(c["trades"] for c in ranked), "revenue": num(total_amount), "total_fees": num(total_fee),
        "effective_rate_pct": num(100 * total_fee / fee_base, 3) if fee_base else None,
        "fees_per_year": num(total_fee * 365 / days) if days else None}
    if scenario:
        headline["what_if_savings_per_year"] = scenario["savings_per_year"]
    return ToolOutput(
        tool="payment_cost", title=f"Payment channel cost, {period.label}",
        summary=(f"{len(ranked)} channels, {args.currency} {total_amount:,.2f} processed, fees {total_fee:,.2f} "
                 f"({headline['effective_rate_pct']} % effective)."
                 + (f" Shifting {args.shift_pct:g} % of {scenario['from_name']} to {scenario['to_name']} saves about "
                    f"{scenario['savings_per_year']:,.2f} per year." if scenario else "")),
        headline=headline,
        tables=[table("channels", rows), table("what_if", [scenario] if scenario else []),
                table("monthly_rate", trend)],
        findings=findings,
        chart=chart("line", trend, "month", "effective_rate_pct", title="Effective fee rate by month and channel",
                    color="channel", x_type="ordinal") if len({t["month"] for t in trend}) > 1 else
        chart("bar", rows, "channel_name", "effective_rate_pct", title="Effective fee rate by channel", sort="-y"),
        filters=[f"t_trade.status IN (1,2,3), business days {period.start}..{period.end} (store local time)",
                 f"currency {args.currency}", "amounts in cents / 100",
                 "effective rate = SUM(t_channel_fee.total_fee) / SUM(t_channel_fee.amount)"]
        + ([] if args.include_test_shops or args.shop else ["test shops excluded"]),
    )
