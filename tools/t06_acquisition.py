"""Seed tool 6: acquisition channels — users, AOV, retention, LTV, mix over time and the funnel.

A user's acquisition channel is ``t_user.register_channel`` (the same codes as ``t_order.channel``);
the registration source (``t_user.origin``) gets the same table. Internal test accounts
(origin 6) are left out. Definitions, stated in the output:

* retention at N days = of the customers whose first completed order is at least N days before the
  end of the data, the share who ordered again N or more days after that first order;
* LTV = revenue per customer to date, and LTV-90 = revenue in the first 90 days after the first
  order (comparable across channels whose customers are of different ages);
* funnel = registered → first order → repeat (2+ orders) → loyal (5+ orders).

Whether the repeat rate really differs by channel is tested with a chi-square test of
independence (SciPy); no channel acquisition costs exist in the data, so CAC is not computed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pydantic import Field
from scipy.stats import chi2_contingency

from app.dataset.reference import ORDER_CHANNEL, USER_ORIGIN
from tools.base import ToolContext, ToolInput, ToolOutput
from tools.common import chart, table
from tools.common2 import LOCAL_TS, ORDER_FILTER, ORDER_FILTER_TEXT, fmt_p, fmt_pct, rows, utc_bounds
from tools.registry import tool

_CUSTOMERS = f"""(SELECT o.user_no, COUNT(*) AS orders, SUM(o.pay_money) AS revenue, MIN(o.create_time) AS first_time,
        MAX(o.create_time) AS last_time
   FROM luckyus_sales_order.t_order AS o WHERE {ORDER_FILTER} AND o.create_time < :hi GROUP BY o.user_no)"""


def _retention(n: int) -> str:
    return (f"SUM(CASE WHEN s.first_time < :cut{n} THEN 1 ELSE 0 END) AS eligible_{n}, "
            f"SUM(CASE WHEN s.first_time < :cut{n} AND s.last_time >= s.first_time + INTERVAL {n} DAY "
            f"THEN 1 ELSE 0 END) AS retained_{n}")


def _by(dimension: str) -> str:
    """The per-dimension funnel/value template; ``dimension`` is one of two constant column names."""
    return f"""
SELECT u.{dimension} AS dim, COUNT(*) AS users,
       SUM(CASE WHEN s.orders >= 1 THEN 1 ELSE 0 END) AS customers,
       SUM(CASE WHEN s.orders >= 2 THEN 1 ELSE 0 END) AS repeat_customers,
       SUM(CASE WHEN s.orders >= 5 THEN 1 ELSE 0 END) AS loyal_customers,
       SUM(COALESCE(s.orders, 0)) AS orders, SUM(COALESCE(s.revenue, 0)) AS revenue,
       {_retention(30)}, {_retention(60)}, {_retention(90)}
FROM luckyus_sales_crm.t_user AS u LEFT JOIN {_CUSTOMERS} AS s ON s.user_no = u.user_no
WHERE u.origin <> 6 AND u.register_time < :hi
GROUP BY u.{dimension}
ORDER BY dim
"""


_BY_CHANNEL = _by("register_channel")
_BY_ORIGIN = _by("origin")

_LTV90 = f"""
SELECT u.register_channel AS dim, COUNT(DISTINCT f.user_no) AS customers, SUM(o.pay_money) AS revenue_90d
FROM (SELECT o.user_no, MIN(o.create_time) AS first_time FROM luckyus_sales_order.t_order AS o
      WHERE {ORDER_FILTER} AND o.create_time < :hi GROUP BY o.user_no) AS f
JOIN luckyus_sales_order.t_order AS o ON o.user_no = f.user_no AND o.create_time < f.first_time + INTERVAL 90 DAY
JOIN luckyus_sales_crm.t_user AS u ON u.user_no = f.user_no
WHERE {ORDER_FILTER} AND f.first_time < :cut90 AND u.origin <> 6
GROUP BY u.register_channel
ORDER BY dim
"""

_REG_DAY = "DATE(CONVERT_TZ(u.register_time, 'UTC', 'America/New_York'))"
_REG_MIX = f"""
SELECT YEAR({_REG_DAY}) AS y, MONTH({_REG_DAY}) AS m, u.register_channel AS channel, COUNT(*) AS users
FROM luckyus_sales_crm.t_user AS u
WHERE u.origin <> 6 AND u.register_time < :hi
GROUP BY YEAR({_REG_DAY}), MONTH({_REG_DAY}), u.register_channel
ORDER BY y, m, channel
"""

_ORDER_MIX = f"""
SELECT YEAR({LOCAL_TS}) AS y, MONTH({LOCAL_TS}) AS m, o.channel AS channel, COUNT(*) AS orders,
       SUM(o.pay_money) AS revenue
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time < :hi
GROUP BY YEAR({LOCAL_TS}), MONTH({LOCAL_TS}), o.channel
ORDER BY y, m, channel
"""

_FIRST_TOUCH = f"""
SELECT e.source, COUNT(DISTINCT e.user_no) AS users, COUNT(DISTINCT s.user_no) AS customers,
       SUM(COALESCE(s.revenue, 0)) AS revenue
FROM luckyus_isales_cdp.t_user_event_track AS e LEFT JOIN {_CUSTOMERS} AS s ON s.user_no = e.user_no
WHERE e.is_first_touch = 1 AND e.event_time < :hi
GROUP BY e.source
ORDER BY users DESC, e.source
"""


class AcquisitionInput(ToolInput):
    as_of: dt.date | None = Field(None, description="Last business day included (default: yesterday)")


def _label(code: Any, names: dict[int, str]) -> str:
    return names.get(int(code), f"code {code}") if code is not None else "unknown"


def _enrich(r: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    users, cust = int(r["users"]), int(r["customers"])
    out = {"code": r["dim"], "name": _label(r["dim"], names), "users": users, "customers": cust,
           "first_order_rate": cust / users if users else None,
           "repeat_rate": int(r["repeat_customers"]) / cust if cust else None,
           "loyal_rate": int(r["loyal_customers"]) / cust if cust else None,
           "orders": int(r["orders"]), "revenue": round(float(r["revenue"]), 2),
           "aov": float(r["revenue"]) / int(r["orders"]) if int(r["orders"]) else None,
           "ltv": float(r["revenue"]) / cust if cust else None,
           "repeat_customers": int(r["repeat_customers"]), "loyal_customers": int(r["loyal_customers"])}
    for n in (30, 60, 90):
        e = int(r[f"eligible_{n}"] or 0)
        out[f"retention_{n}d"] = int(r[f"retained_{n}"] or 0) / e if e else None
        out[f"eligible_{n}d"] = e
    return out


def _mix(recs: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
    """Share of each channel per month, one row per month."""
    months: dict[str, dict[str, float]] = defaultdict(dict)
    for r in recs:
        months[f"{int(r['y']):04d}-{int(r['m']):02d}"][_label(r["channel"], ORDER_CHANNEL)] = float(r[value])
    out = []
    for month in sorted(months):
        tot = sum(months[month].values()) or 1.0
        out.append({"month": month, "total": int(tot),
                    **{k: round(v / tot, 4) for k, v in sorted(months[month].items())}})
    return out


@tool(name="acquisition", title="Customer acquisition channel tracker", department="Marketing", seed_tool=6,
      input_model=AcquisitionInput,
      examples=("Which acquisition channel brings the most valuable customers?", "iOS vs Android retention"),
      keywords=("acquisition", "channel", "ios", "android", "delivery", "retention", "ltv", "funnel", "mix"))
def acquisition(ctx: ToolContext, args: AcquisitionInput) -> ToolOutput:
    """Per acquisition channel (and registration source): users, first-order and repeat rates, AOV,
    30/60/90-day retention, LTV and LTV-90, the funnel registration → first order → repeat → loyal,
    and the channel mix of registrations and orders by month."""
    end = args.as_of or ctx.today - dt.timedelta(days=1)
    _, hi = utc_bounds(end, end)
    cuts = {f"cut{n}": hi - dt.timedelta(days=n) for n in (30, 60, 90)}
    channels = [_enrich(r, ORDER_CHANNEL) for r in rows(ctx, _BY_CHANNEL, hi=hi, **cuts)]
    origins = [_enrich(r, USER_ORIGIN) for r in rows(ctx, _BY_ORIGIN, hi=hi, **cuts)]
    ltv90 = {r["dim"]: r for r in rows(ctx, _LTV90, hi=hi, cut90=cuts["cut90"])}
    for c in channels:
        r = ltv90.get(c["code"])
        c["ltv_90d"] = float(r["revenue_90d"]) / int(r["customers"]) if r and int(r["customers"]) else None
    channels.sort(key=lambda c: -c["users"])
    reg_mix = _mix(rows(ctx, _REG_MIX, hi=hi), "users")
    order_mix = _mix(rows(ctx, _ORDER_MIX, hi=hi), "orders")
    touch = rows(ctx, _FIRST_TOUCH, hi=hi)
    for t in touch:
        t["conversion"] = int(t["customers"]) / int(t["users"]) if int(t["users"]) else None
    tested = [c for c in channels if c["customers"] >= 5]
    chi2 = p = None
    if len(tested) >= 2:
        obs = [[c["repeat_customers"], c["customers"] - c["repeat_customers"]] for c in tested]
        if all(sum(col) > 0 for col in zip(*obs, strict=True)):
            res = chi2_contingency(obs)
            chi2, p = float(res.statistic), float(res.pvalue)
    funnel = [{"channel": c["name"], "registered": c["users"], "first_order": c["customers"],
               "repeat": c["repeat_customers"], "loyal": c["loyal_customers"]} for c in channels]
    best = max((c for c in channels if c["customers"] >= 20), key=lambda c: c["ltv"] or 0, default=None)
    total_users = sum(c["users"] for c in channels)
    summary = f"{total_users:,} registered users (test accounts excluded) up to {end}."
    if channels:
        top = channels[0]
        summary += f" Largest channel: {top['name']} ({fmt_pct(top['users'] / total_users)} of users)."
    if best:
        summary += (f" Highest LTV: {best['name']} (${best['ltv']:.2f} per customer, repeat rate "
                    f"{fmt_pct(best['repeat_rate'] or 0)}, 30-day retention {fmt_pct(best['retention_30d'] or 0)}).")
    if p is not None:
        verdict = "differs" if p < 0.01 else "does not differ significantly"
        summary += f" The repeat rate {verdict} by channel (chi-square = {chi2:.1f}, {fmt_p(p)})."
    cols = ["name", "users", "customers", "first_order_rate", "repeat_rate", "loyal_rate", "orders", "aov", "ltv",
            "ltv_90d", "retention_30d", "retention_60d", "retention_90d"]
    return ToolOutput(
        tool="acquisition", title="Customer acquisition channel tracker", summary=summary,
        headline={"users": total_users, "customers": sum(c["customers"] for c in channels),
                  "channels": len(channels), "repeat_rate_chi2": chi2, "repeat_rate_p": p,
                  "best_ltv_channel": best["name"] if best else None},
        tables=[table("channels", channels, cols), table("funnel", funnel),
                table("registration_sources", origins, cols[:-1]),
                table("registration_mix_by_month", reg_mix), table("order_channel_mix_by_month", order_mix),
                table("first_touch_sources", touch)],
        chart=chart("bar", funnel, "channel", "registered", title="Registered users by acquisition channel"),
        filters=[*ORDER_FILTER_TEXT, "internal test accounts (origin 6) excluded", f"data up to {end}",
                 "retention N = ordered again N+ days after the first order (customers first ordering N+ days "
                 "before the end)"],
    )
