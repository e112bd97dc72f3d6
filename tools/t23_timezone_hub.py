"""Seed tool 23, cross-timezone operations hub: each market's daily close in its own time zone.

Timestamps are stored in UTC, but a store's business day runs midnight to midnight in its own zone
(America/New_York for the NYC stores, Pacific/Rarotonga, UTC-10, for the Cook Islands test shops).
The hub closes each market's days in local time, side by side, and measures what a report that
groups by the UTC date would get wrong: orders booked to the wrong day and the per-day totals that
move. Currencies stay separate (USD and NZD are never added together).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import (
    PERIOD_HELP,
    all_shops,
    bind,
    cents,
    chart,
    fetch,
    local_day_bounds_utc,
    num,
    parse_period,
    table,
)
from tools.registry import tool

_DAYS = """
SELECT s.time_zone AS tz, o.currency_code AS currency,
       DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)) AS local_date, DATE(o.create_time) AS utc_date,
       COUNT(*) AS n, SUM(o.pay_money) AS amount
FROM luckyus_sales_order.t_order AS o
JOIN luckyus_opshop.t_shop_info AS s ON s.id = o.shop_id
WHERE o.status = 90 AND o.create_time >= :lo AND o.create_time < :hi AND o.shop_id IN (:shops)
GROUP BY s.time_zone, o.currency_code, DATE(CONVERT_TZ(o.create_time, 'UTC', s.time_zone)), DATE(o.create_time)
"""


class TimezoneHubInput(ToolInput):
    period: str = Field("last 7 days", description=f"Business days to close: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    include_test_shops: bool = Field(True, description="Include test shops (the Cook Islands market is all test "
                                                       "shops, so it disappears when this is false).")
    shift_alert_pct: float = Field(1.0, ge=0, description="Warn when a UTC-day report books more than this % of a "
                                                          "market's orders to the wrong day.")


def utc_offset_hours(zone: str, day: dt.date) -> float:
    off = dt.datetime.combine(day, dt.time(12), ZoneInfo(zone)).utcoffset()
    return off.total_seconds() / 3600 if off else 0.0


@tool(name="timezone_hub", title="Cross-timezone operations hub", department="Cross-department", seed_tool=23,
      input_model=TimezoneHubInput,
      examples=("daily close New York vs Rarotonga", "what does a UTC report get wrong",
                "orders by local day per market last week"),
      keywords=("timezone", "time zone", "UTC", "daily close", "Rarotonga", "Cook Islands", "New York", "local day",
                "market"))
def timezone_hub(ctx: ToolContext, args: TimezoneHubInput) -> ToolOutput:
    """Each market's daily close (completed orders and revenue by local business day in the market's own time
    zone), New York and Rarotonga side by side, each currency separately; and what a report grouping by the UTC
    date would get wrong: orders booked to the wrong day and how much each day's totals move."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    shops = [s for s in all_shops(ctx) if args.include_test_shops or s.test_flag == 0]
    zones = sorted({s.time_zone for s in shops})
    test_zone = {z: all(s.test_flag == 1 for s in shops if s.time_zone == z) for z in zones}
    lo, hi = period.utc_window(zones)
    rows = fetch(ctx, bind(_DAYS, lo=lo - dt.timedelta(days=1), hi=hi + dt.timedelta(days=1),
                           shops=[s.id for s in shops]), "market-days")
    # [orders, amount in cents]: integer sums, identical whatever order the engine returns rows in
    local: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    utc: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    shifted: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    shifted_day: dict[tuple[str, str, str], int] = defaultdict(int)
    in_period = {(period.start + dt.timedelta(days=i)).isoformat() for i in range(period.days)}
    for r in rows:
        tz, cur, ld, ud = r["tz"], r["currency"], str(r["local_date"])[:10], str(r["utc_date"])[:10]
        n, amt = int(r["n"]), cents(r["amount"])
        if ld in in_period:
            local[(tz, cur, ld)][0] += n
            local[(tz, cur, ld)][1] += amt
            if ld != ud:
                shifted_day[(tz, cur, ld)] += n
                shifted[(tz, cur)][0] += n
                shifted[(tz, cur)][1] += amt
        if ud in in_period:
            utc[(tz, cur, ud)][0] += n
            utc[(tz, cur, ud)][1] += amt
    close_rows: list[dict[str, Any]] = []
    for key in sorted(set(local) | set(utc)):
        tz, cur, day = key
        ln, la_c = local.get(key, [0, 0])
        un, ua_c = utc.get(key, [0, 0])
        la, ua = la_c / 100, ua_c / 100
        d = dt.date.fromisoformat(day)
        close_utc = local_day_bounds_utc(d, tz)[1]
        close_rows.append({"market": tz, "test_market": test_zone.get(tz, False), "currency": cur, "business_date": day,
                           "orders_local_day": int(ln), "revenue_local_day": num(la),
                           "orders_on_other_utc_day": shifted_day.get(key, 0), "orders_utc_day": int(un),
                           "revenue_utc_day": num(ua), "orders_diff": int(un - ln), "revenue_diff": num(ua - la),
                           "utc_offset_h": utc_offset_hours(tz, d),
                           "day_closes_at_utc": close_utc.strftime("%Y-%m-%d %H:%M")})
    side: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in close_rows:
        col = f"{r['market']} {r['currency']}"
        side[r["business_date"]][f"{col} orders"] = r["orders_local_day"]
        side[r["business_date"]][f"{col} revenue"] = r["revenue_local_day"]
    side_rows = [{"business_date": d, **v} for d, v in sorted(side.items())]
    findings: list[Finding] = []
    markets: list[dict[str, Any]] = []
    for tz in zones:
        for cur in sorted({k[1] for k in local if k[0] == tz}):
            tot_n = sum(v[0] for k, v in local.items() if k[0] == tz and k[1] == cur)
            tot_a = sum(v[1] for k, v in local.items() if k[0] == tz and k[1] == cur) / 100
            sn, sa_c = shifted.get((tz, cur), [0, 0])
            sa = sa_c / 100
            worst = max((r for r in close_rows if r["market"] == tz and r["currency"] == cur),
                        key=lambda r: abs(r["orders_diff"]), default=None)
            share = round(100.0 * sn / tot_n, 2) if tot_n else 0.0
            markets.append({"market": tz, "test_market": test_zone.get(tz, False), "currency": cur,
                            "orders": int(tot_n), "revenue": num(tot_a), "orders_on_wrong_utc_day": int(sn),
                            "share_pct": share, "revenue_on_wrong_utc_day": num(sa),
                            "worst_day": worst["business_date"] if worst else None,
                            "worst_day_orders_diff": worst["orders_diff"] if worst else 0})
            if share > args.shift_alert_pct:
                findings.append(Finding(
                    severity=Severity.warning, kind="utc_day_shift",
                    title=f"A UTC-day report books {int(sn):,} of {int(tot_n):,} {tz} orders ({share:.1f} %, "
                          f"{cur} {sa:,.2f}) to the wrong business day; worst day "
                          f"{worst['business_date'] if worst else '-'}"
                          f" is off by {worst['orders_diff'] if worst else 0:+d} orders.",
                    where=tz, evidence=[m for m in markets[-1:]],
                    keys={"time_zone": tz, "currency": cur, "orders_shifted": int(sn)}))
    if len({m["currency"] for m in markets}) > 1:
        findings.append(Finding(
            severity=Severity.info, kind="currencies_separate",
            title="USD and NZD are closed separately; a combined total would add dollars to New Zealand dollars.",
            keys={"currencies": sorted({m["currency"] for m in markets})}))
    headline: dict[str, Any] = {"period": period.label, "markets": sorted({m["market"] for m in markets})}
    for m in markets:
        prefix = f"{m['market'].split('/')[-1].lower()}_{m['currency'].lower()}"
        headline[f"{prefix}_orders"] = m["orders"]
        headline[f"{prefix}_wrong_day_pct"] = m["share_pct"]
    series = [{"business_date": r["business_date"], "market": f"{r['market']} {r['currency']}",
               "orders": r["orders_local_day"]} for r in close_rows]
    return ToolOutput(
        tool="timezone_hub", title=f"Daily close by market, {period.label}",
        summary="; ".join(f"{m['market']} ({m['currency']}): {m['orders']:,} orders, {m['share_pct']} % on the wrong "
                          "day in a UTC report" for m in markets) or "No orders in the period.",
        headline=headline,
        tables=[table("side_by_side", side_rows), table("markets", markets), table("daily_close", close_rows)],
        findings=findings,
        chart=chart("line", series, "business_date", "orders", title="Orders per local business day by market",
                    color="market", x_type="temporal"),
        filters=["completed orders (status 90)", "business day = local midnight to midnight in each store's zone",
                 "currencies reported separately"] + ([] if args.include_test_shops else ["test shops excluded"]),
    )
