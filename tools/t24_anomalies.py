"""Seed tool 24: robust anomaly detection over orders, payments, production, IoT and inventory.

Every detector compares a day with a seasonal baseline built from the weeks before it and uses
robust statistics, so one bad day does not hide the next:

* **orders** — completed orders per day, chain-wide (like-for-like: the stores trading since four
  weeks before the baseline) and per store, against the same weekday of the previous
  ``baseline_weeks`` weeks (median and MAD); chain orders per hour against the same weekday and
  hour. A day is anomalous when its robust z is at least ``z_warning`` *and* a Poisson test
  against the baseline median gives p < 1e-4 *and* it moved at least 25 %. Days on the US holiday
  calendar (and Christmas to New Year) are expected, not anomalous; a store's first eight weeks
  (its ramp) are not scored.
* **payments** — refunded trades per store and day against the store's refund rate of the
  baseline weeks (Poisson, p < 1e-6, at least 5 refunds); fee rate (fee ÷ amount) per payment
  channel and day against the channel's own recent days (robust z, at least 20 % off).
* **production** — average production time per store and day (robust z); productions whose
  time is impossible (over 1,800 s or done before accepted), listed with their rows.
* **iot** — machine error events and aborted cups per store and day (Poisson against baseline).
* **inventory** — recorded consumption far above what the day's sales explain (tool 16's test).

Severity: critical at robust z ≥ ``z_critical`` (or Poisson p < 1e-12), warning at ≥ ``z_warning``,
info below. Each anomaly has a stable id (``an_`` + 10 hex digits of its metric, scope and day),
its evidence rows, and an acknowledge/dismiss state kept in the service's state database, shared by
every replica (``tools.anomaly_store``); metrics dismissed twice at the same scope are reported one level lower.
Anomalies on the same day in several metrics are linked as related (a root-cause hint).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any, Literal

from pydantic import Field
from scipy.stats import poisson

from tools import anomaly_store
from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import ToolInputError, all_shops, table
from tools.common2 import (
    LOCAL_DAY,
    LOCAL_TS,
    ORDER_FILTER,
    ORDER_FILTER_TEXT,
    PROD_CAP_S,
    PROD_SECONDS,
    PROD_VALID,
    as_date,
    robust_z,
    rows,
    utc_bounds,
)
from tools.registry import tool

_TRADE_DAY = "DATE(CONVERT_TZ(t.create_time, 'UTC', 'America/New_York'))"
_PROD_DAY = "DATE(CONVERT_TZ(p.create_time, 'UTC', 'America/New_York'))"

_STORE_DAILY = f"""
SELECT o.shop_id, {LOCAL_DAY} AS d, COUNT(*) AS orders, SUM(o.pay_money) AS revenue
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY o.shop_id, {LOCAL_DAY}
ORDER BY o.shop_id, d
"""

_CHAIN_HOURLY = f"""
SELECT {LOCAL_DAY} AS d, HOUR({LOCAL_TS}) AS h, COUNT(*) AS orders
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time >= :lo AND o.create_time < :hi
GROUP BY {LOCAL_DAY}, HOUR({LOCAL_TS})
ORDER BY d, h
"""

_FIRST_DAY = f"""
SELECT o.shop_id, MIN({LOCAL_DAY}) AS first_day, MAX({LOCAL_DAY}) AS last_day FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} GROUP BY o.shop_id ORDER BY o.shop_id
"""

_REFUNDS = f"""
SELECT t.shop_id, {_TRADE_DAY} AS d, COUNT(*) AS refunds, SUM(t.refund_amount) AS refund_cents
FROM luckyus_sales_payment.t_trade AS t
WHERE t.status = 3 AND t.currency_code = 'USD' AND t.create_time >= :lo AND t.create_time < :hi
GROUP BY t.shop_id, {_TRADE_DAY}
ORDER BY t.shop_id, d
"""

_FEES = f"""
SELECT t.channel_id, {_TRADE_DAY} AS d, COUNT(*) AS trades, SUM(t.amount) AS amount, SUM(t.fee) AS fee
FROM luckyus_sales_payment.t_trade AS t
WHERE t.status IN (1, 2, 3) AND t.currency_code = 'USD' AND t.create_time >= :lo AND t.create_time < :hi
GROUP BY t.channel_id, {_TRADE_DAY}
ORDER BY t.channel_id, d
"""

_PRODUCTION = f"""
SELECT p.shop_id, {_PROD_DAY} AS d, COUNT(*) AS productions,
       AVG(CASE WHEN {PROD_SECONDS} <= {PROD_CAP_S} THEN {PROD_SECONDS} END) AS avg_seconds,
       SUM(CASE WHEN {PROD_SECONDS} > {PROD_CAP_S} THEN 1 ELSE 0 END) AS too_long
FROM luckyus_opproduction.t_production AS p
WHERE {PROD_VALID} AND p.create_time >= :lo AND p.create_time < :hi
GROUP BY p.shop_id, {_PROD_DAY}
ORDER BY p.shop_id, d
"""

_IMPOSSIBLE = f"""
SELECT p.production_no, p.order_id, p.shop_id, {_PROD_DAY} AS d, p.accept_time, p.done_time,
       {PROD_SECONDS} AS seconds
FROM luckyus_opproduction.t_production AS p
WHERE p.accept_time IS NOT NULL AND p.done_time IS NOT NULL AND p.create_time >= :lo AND p.create_time < :hi
  AND ({PROD_SECONDS} > {PROD_CAP_S} OR p.done_time < p.accept_time)
ORDER BY seconds DESC, p.production_no
"""

_DEVICE_ERRORS = """
SELECT e.shop_id, DATE(CONVERT_TZ(e.event_time, 'UTC', 'America/New_York')) AS d, COUNT(*) AS n
FROM luckyus_iot_platform.t_device_event AS e
WHERE e.event_type = 3 AND e.event_time >= :lo AND e.event_time < :hi
GROUP BY e.shop_id, DATE(CONVERT_TZ(e.event_time, 'UTC', 'America/New_York'))
ORDER BY e.shop_id, d
"""

_ABORTED_CUPS = """
SELECT c.shop_id, DATE(CONVERT_TZ(c.start_time, 'UTC', 'America/New_York')) AS d, COUNT(*) AS n
FROM luckyus_iot_platform.t_cup_order_info AS c
WHERE c.cup_status = 2 AND c.start_time >= :lo AND c.start_time < :hi
GROUP BY c.shop_id, DATE(CONVERT_TZ(c.start_time, 'UTC', 'America/New_York'))
ORDER BY c.shop_id, d
"""

AREAS = ("orders", "payments", "production", "iot", "inventory")
_SEV_ORDER = {"critical": 0, "warning": 1, "info": 2}


def us_holidays(year: int) -> set[dt.date]:
    """Days US coffee demand is known to dip: federal holidays plus Christmas to New Year."""

    def nth(month: int, weekday: int, n: int) -> dt.date:
        d = dt.date(year, month, 1)
        d += dt.timedelta(days=(weekday - d.weekday()) % 7)
        return d + dt.timedelta(weeks=n - 1)

    def last(month: int, weekday: int) -> dt.date:
        d = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        return d - dt.timedelta(days=(d.weekday() - weekday) % 7)

    thanksgiving = nth(11, 3, 4)
    days = {dt.date(year, 1, 1), nth(1, 0, 3), nth(2, 0, 3), last(5, 0), dt.date(year, 6, 19), dt.date(year, 7, 4),
            nth(9, 0, 1), thanksgiving, thanksgiving + dt.timedelta(days=1)}
    days |= {dt.date(year, 12, d) for d in range(24, 32)}
    return days


class AnomalyInput(ToolInput):
    action: Literal["scan", "ack", "dismiss", "reopen", "list"] = Field(
        "scan", description="scan for anomalies, or acknowledge / dismiss / reopen one by id, or list the stored ones")
    id: str | None = Field(None, description="Anomaly id (an_…) for ack, dismiss or reopen")
    note: str = Field("", max_length=500, description="Why it was acknowledged or dismissed")
    since: dt.date | None = Field(None, description="First day scanned (default: 28 days before 'until')")
    until: dt.date | None = Field(None, description="Last day scanned (default: yesterday)")
    areas: str = Field(",".join(AREAS), description="Comma-separated: orders, payments, production, iot, inventory")
    baseline_weeks: int = Field(8, ge=3, le=26, description="Weeks of history behind each baseline")
    z_warning: float = Field(4.0, ge=2.0, description="Robust z from which an anomaly is a warning")
    z_critical: float = Field(6.0, ge=3.0, description="Robust z from which an anomaly is critical")
    min_severity: Literal["info", "warning", "critical"] = Field("warning", description="Least severity reported")
    include_dismissed: bool = Field(False, description="Also report anomalies someone dismissed")


def anomaly_id(metric: str, scope: str, day: dt.date | str) -> str:
    return "an_" + hashlib.sha1(f"{metric}|{scope}|{day}".encode()).hexdigest()[:10]


def _sev(z: float, p: float, args: AnomalyInput) -> str:
    a = abs(z)
    if a >= args.z_critical or p < 1e-12:
        return "critical"
    return "warning" if a >= args.z_warning else "info"


def _weekday_baseline(series: dict[dt.date, float], day: dt.date, weeks: int) -> list[float]:
    return [series[d] for d in (day - dt.timedelta(weeks=k) for k in range(1, weeks + 1)) if d in series]


class Detector:
    """Runs the detectors of one scan and collects anomaly dicts."""

    def __init__(self, ctx: ToolContext, args: AnomalyInput, since: dt.date, until: dt.date) -> None:
        self.ctx, self.args, self.since, self.until = ctx, args, since, until
        self.hist_start = since - dt.timedelta(weeks=args.baseline_weeks)
        self.lo, self.hi = utc_bounds(self.hist_start, until)
        self.names = {s.id: s.name for s in all_shops(ctx)}
        self.holidays = set().union(*(us_holidays(y) for y in range(self.hist_start.year, until.year + 1)))
        self.out: list[dict[str, Any]] = []
        self.expected: list[dict[str, Any]] = []

    def days(self) -> list[dt.date]:
        return [self.since + dt.timedelta(days=i) for i in range((self.until - self.since).days + 1)]

    def add(self, area: str, metric: str, scope: str, day: dt.date, value: float, expected: float, z: float,
            p: float, title: str, evidence: list[dict[str, Any]], keys: dict[str, Any]) -> None:
        self.out.append({"id": anomaly_id(metric, scope, day), "area": area, "metric": metric, "scope": scope,
                         "date": day.isoformat(), "value": value, "expected": expected, "z": z, "p_value": p,
                         "severity": _sev(z, p, self.args), "title": title, "evidence": evidence, "keys": keys})

    # -------------------------------------------------------------- orders
    def count_series(self, series: dict[dt.date, float], area: str, metric: str, scope: str, label: str,
                     skip_before: dt.date | None = None, skip_after: dt.date | None = None,
                     extra: dict[str, Any] | None = None,
                     points: dict[dt.date, tuple[float, list[float]]] | None = None) -> None:
        """Score each day against the same weekday of the previous weeks (or the given value/baseline points)."""
        for day in self.days():
            if (skip_before is not None and day < skip_before) or (skip_after is not None and day > skip_after):
                continue
            if points is not None:
                if day not in points:
                    continue
                value, base = points[day]
            else:
                value = series.get(day, 0.0)
                base = _weekday_baseline(series, day, self.args.baseline_weeks)
            if len(base) < 4:
                continue
            z, med, mad = robust_z(value, base)
            if med <= 0:
                continue
            p = float(poisson.sf(value - 1, med) if value > med else poisson.cdf(value, med))
            change = value / med - 1
            if abs(z) < self.args.z_warning or p >= 1e-4 or abs(change) < 0.25:
                continue
            if day in self.holidays:
                self.expected.append({"date": day.isoformat(), "metric": metric, "scope": scope, "value": value,
                                      "expected": med, "reason": "US holiday calendar"})
                continue
            word = "spike" if change > 0 else "drop"
            self.add(area, metric, scope, day, value, med, z, p,
                     f"{label} {word} on {day} ({day:%a}): {value:,.0f} vs a usual {med:,.0f} "
                     f"({100 * change:+.0f} %, robust z = {z:.1f})",
                     [{"date": day.isoformat(), "value": value, "baseline_median": med, "baseline_mad": mad,
                       "baseline_days": len(base), "poisson_p": p}],
                     {"date": day.isoformat(), **(extra or {})})

    def like_for_like(self, stores: dict[int, dict[dt.date, float]], span: dict[int, tuple[dt.date, dt.date]]
                      ) -> dict[dt.date, tuple[float, list[float]]]:
        """Chain value and baseline per day over the same stores: those trading for 4 weeks before the
        baseline starts and still trading that day, so openings and closures do not look like spikes."""
        weeks = self.args.baseline_weeks
        out: dict[dt.date, tuple[float, list[float]]] = {}
        for day in self.days():
            cut = day - dt.timedelta(weeks=weeks + 4)
            keep = [s for s, (first, last) in span.items() if first <= cut and last >= day and s in stores]
            if not keep:
                continue
            value = sum(stores[s].get(day, 0.0) for s in keep)
            base = [sum(stores[s].get(day - dt.timedelta(weeks=k), 0.0) for s in keep) for k in range(1, weeks + 1)]
            out[day] = (value, base)
        return out

    def orders(self) -> None:
        daily = rows(self.ctx, _STORE_DAILY, lo=self.lo, hi=self.hi)
        span = {int(r["shop_id"]): (as_date(r["first_day"]), as_date(r["last_day"]))
                for r in rows(self.ctx, _FIRST_DAY)}
        stores: dict[int, dict[dt.date, float]] = defaultdict(dict)
        for r in daily:
            stores[int(r["shop_id"])][as_date(r["d"])] = float(r["orders"])
        self.count_series({}, "orders", "chain_orders", "chain", "Chain-wide orders (like-for-like stores)",
                          points=self.like_for_like(stores, span))
        for s, series in sorted(stores.items()):
            first, last = span.get(s, (self.hist_start, self.until))
            name = self.names.get(s, str(s))
            self.count_series(series, "orders", "store_orders", name, f"Orders at {name}",
                              skip_before=first + dt.timedelta(weeks=8), skip_after=last, extra={"shop_id": s})
        if (self.until - self.since).days <= 120:
            hourly: dict[int, dict[dt.date, float]] = defaultdict(dict)
            for r in rows(self.ctx, _CHAIN_HOURLY, lo=self.lo, hi=self.hi):
                hourly[int(r["h"])][as_date(r["d"])] = float(r["orders"])
            for h, series in sorted(hourly.items()):
                self.count_series(series, "orders", "hourly_orders", f"{h:02d}:00",
                                  f"Chain orders {h:02d}:00-{h:02d}:59", extra={"hour": h})
            self._fold_hours()

    def _fold_hours(self) -> None:
        """Hourly anomalies of a day already anomalous chain-wide become evidence of that day, not cards."""
        days = {a["date"]: a for a in self.out if a["metric"] == "chain_orders"}
        keep = []
        for a in self.out:
            if a["metric"] == "hourly_orders" and a["date"] in days:
                days[a["date"]]["evidence"].append({"hour": a["keys"]["hour"], **a["evidence"][0]})
            else:
                keep.append(a)
        self.out = keep

    # -------------------------------------------------------------- payments
    def poisson_counts(self, recs: list[dict[str, Any]], value: str, area: str, metric: str, label: str,
                       min_count: int, p_max: float) -> None:
        by: dict[int, dict[dt.date, float]] = defaultdict(dict)
        for r in recs:
            by[int(r["shop_id"])][as_date(r["d"])] = float(r[value])
        base_days = 7 * self.args.baseline_weeks
        for s, series in sorted(by.items()):
            name = self.names.get(s, str(s))
            for day, v in sorted(series.items()):
                if day < self.since or day > self.until or v < min_count:
                    continue
                hist = sum(x for d, x in series.items() if day - dt.timedelta(days=base_days) <= d < day)
                rate = max(hist / base_days, 0.05)
                p = float(poisson.sf(v - 1, rate))
                if p >= p_max:
                    continue
                z = (v - rate) / max(rate ** 0.5, 0.5)
                self.add(area, metric, name, day, v, rate, z, p,
                         f"{label} at {name} on {day}: {v:,.0f} vs about {rate:.2f} a day (Poisson p = {p:.1e})",
                         [{"date": day.isoformat(), "count": v, "baseline_per_day": rate, "baseline_days": base_days,
                           "poisson_p": p}], {"date": day.isoformat(), "shop_id": s})

    def payments(self) -> None:
        self.poisson_counts(rows(self.ctx, _REFUNDS, lo=self.lo, hi=self.hi), "refunds", "payments", "refunds",
                            "Refund spike", 5, 1e-6)
        by: dict[int, dict[dt.date, tuple[float, float, int]]] = defaultdict(dict)
        for r in rows(self.ctx, _FEES, lo=self.lo, hi=self.hi):
            by[int(r["channel_id"])][as_date(r["d"])] = (float(r["fee"]), float(r["amount"]), int(r["trades"]))
        for ch, series in sorted(by.items()):
            rate = {d: f / a for d, (f, a, n) in series.items() if a > 0 and n >= 20}
            for day in self.days():
                if day not in rate:
                    continue
                hist = [v for d, v in rate.items() if day - dt.timedelta(weeks=self.args.baseline_weeks) <= d < day]
                if len(hist) < 14:
                    continue
                z, med, mad = robust_z(rate[day], hist)
                if abs(z) < self.args.z_warning or med <= 0 or abs(rate[day] / med - 1) < 0.2:
                    continue
                self.add("payments", "fee_rate", f"channel {ch}", day, rate[day], med, z, 1.0,
                         f"Fee rate of payment channel {ch} on {day}: {100 * rate[day]:.2f} % of the amount vs a usual "
                         f"{100 * med:.2f} % (robust z = {z:.1f})",
                         [{"date": day.isoformat(), "fee_cents": series[day][0], "amount_cents": series[day][1],
                           "trades": series[day][2], "fee_rate": rate[day], "baseline_median": med, "mad": mad}],
                         {"date": day.isoformat(), "channel_id": ch})

    # -------------------------------------------------------------- production and IoT
    def production(self) -> None:
        by: dict[int, dict[dt.date, float]] = defaultdict(dict)
        for r in rows(self.ctx, _PRODUCTION, lo=self.lo, hi=self.hi):
            if r["avg_seconds"] is not None and int(r["productions"]) >= 10:
                by[int(r["shop_id"])][as_date(r["d"])] = float(r["avg_seconds"])
        for s, series in sorted(by.items()):
            name = self.names.get(s, str(s))
            for day in self.days():
                if day not in series:
                    continue
                base = _weekday_baseline(series, day, self.args.baseline_weeks)
                if len(base) < 4:
                    continue
                z, med, mad = robust_z(series[day], base, rel_floor=0.05)
                if abs(z) < self.args.z_warning or abs(series[day] / med - 1) < 0.25:
                    continue
                self.add("production", "production_time", name, day, series[day], med, z, 1.0,
                         f"Average production time at {name} on {day}: {series[day]:.0f} s vs a usual {med:.0f} s "
                         f"(robust z = {z:.1f})",
                         [{"date": day.isoformat(), "avg_seconds": series[day], "baseline_median": med, "mad": mad}],
                         {"date": day.isoformat(), "shop_id": s})
        lo, hi = utc_bounds(self.since, self.until)
        bad = rows(self.ctx, _IMPOSSIBLE, lo=lo, hi=hi)
        per_day: dict[tuple[int, dt.date], list[dict[str, Any]]] = defaultdict(list)
        for r in bad:
            per_day[(int(r["shop_id"]), as_date(r["d"]))].append(r)
        for (s, day), recs in sorted(per_day.items()):
            name = self.names.get(s, str(s))
            worst = max(float(r["seconds"]) for r in recs)
            self.out.append({
                "id": anomaly_id("impossible_production_time", name, day), "area": "production",
                "metric": "impossible_production_time", "scope": name, "date": day.isoformat(), "value": len(recs),
                "expected": 0, "z": 0.0, "p_value": 1.0, "severity": "warning" if worst > 3600 else "info",
                "title": f"{len(recs)} production(s) at {name} on {day} took an impossible time (worst {worst:,.0f} s)",
                "evidence": [{k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in r.items()}
                             for r in recs[:10]],
                "keys": {"date": day.isoformat(), "shop_id": s,
                         "production_nos": [r["production_no"] for r in recs]}})

    def iot(self) -> None:
        self.poisson_counts(rows(self.ctx, _DEVICE_ERRORS, lo=self.lo, hi=self.hi), "n", "iot", "device_errors",
                            "Machine error events", 5, 1e-6)
        self.poisson_counts(rows(self.ctx, _ABORTED_CUPS, lo=self.lo, hi=self.hi), "n", "iot", "aborted_cups",
                            "Aborted cups", 5, 1e-6)

    def inventory(self) -> None:
        from tools.t16_inventory import consumption_anomalies

        for f in consumption_anomalies(self.ctx, self.hist_start, self.until, self.names):
            day = dt.date.fromisoformat(f.keys["biz_date"])
            if day < self.since:
                continue
            ev = f.evidence[0]
            scope = f"{f.where} / {f.keys['goods_code']}"
            times = ev["unexplained"] / ev["typical_daily_use"] if ev["typical_daily_use"] else 99.0
            self.out.append({"id": anomaly_id("consumption", scope, day), "area": "inventory",
                             "metric": "consumption", "scope": scope, "date": day.isoformat(), "value": ev["used"],
                             "expected": ev["expected"], "z": times, "p_value": 1.0, "severity": f.severity.value,
                             "title": f.title, "evidence": f.evidence,
                             "keys": {"date": day.isoformat(), "shop_id": f.keys["shop_id"],
                                      "goods_code": f.keys["goods_code"]}})


def _feedback(found: list[dict[str, Any]], muted: dict[tuple[str, str], int]) -> None:
    lower = {"critical": "warning", "warning": "info", "info": "info"}
    for a in found:
        if muted.get((a["metric"], a["scope"]), 0) >= 2:
            a["severity"] = lower[a["severity"]]
            a["muted"] = True


def _relate(found: list[dict[str, Any]]) -> None:
    """Link anomalies of the same day that share a store or sit in different areas (root-cause hints)."""
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in found:
        by_day[a["date"]].append(a)
    for same in by_day.values():
        for a in same:
            shop = a["keys"].get("shop_id")
            a["related"] = [b["id"] for b in same if b is not a and (
                b["area"] != a["area"] or b["scope"] == "chain" or a["scope"] == "chain"
                or (shop is not None and b["keys"].get("shop_id") == shop))][:10]


@tool(name="anomalies", title="Anomaly detection", department="Cross-department", seed_tool=24,
      input_model=AnomalyInput,
      examples=("Anything unusual yesterday?", "Scan December for anomalies", "Dismiss anomaly an_1a2b3c4d5e"),
      keywords=("anomaly", "anomalies", "unusual", "spike", "drop", "outlier", "refund", "fraud", "alert"))
def anomalies(ctx: ToolContext, args: AnomalyInput) -> ToolOutput:
    """Scans orders, payments (refund spikes, fee anomalies), production, IoT and inventory for days far
    from their seasonal baseline (weekday and hour, median and MAD), with severity and evidence rows;
    acknowledges or dismisses anomalies by id and remembers it."""
    actor = ctx.principal.name
    if args.action in ("ack", "dismiss", "reopen"):
        if not args.id:
            raise ToolInputError(f"action={args.action} needs the anomaly id (an_…).")
        status = {"ack": "acknowledged", "dismiss": "dismissed", "reopen": "open"}[args.action]
        row = anomaly_store.set_status(ctx, args.id.strip(), status, args.note, actor)
        if row is None:
            raise ToolInputError(f"No anomaly {args.id!r} has been seen by a scan; run a scan first.")
        return ToolOutput(tool="anomalies", title="Anomaly detection", summary=f"{row['id']} is now {status}: "
                          f"{row['title']}", headline={"id": row["id"], "status": status},
                          tables=[table("anomaly", [row])])
    if args.action == "list":
        stored = anomaly_store.listing(ctx)
        return ToolOutput(tool="anomalies", title="Anomaly detection", summary=f"{len(stored)} stored anomalies.",
                          headline={"stored": len(stored)}, tables=[table("stored_anomalies", stored)])
    until = args.until or ctx.today - dt.timedelta(days=1)
    since = args.since or until - dt.timedelta(days=27)
    if since > until:
        raise ToolInputError(f"since ({since}) is after until ({until}).")
    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    unknown = sorted(set(areas) - set(AREAS))
    if unknown:
        raise ToolInputError(f"Unknown area(s) {unknown}; choose from {', '.join(AREAS)}.", list(AREAS))
    det = Detector(ctx, args, since, until)
    for area in areas:
        getattr(det, area)()
    found = det.out
    _feedback(found, anomaly_store.dismissals(ctx))
    _relate(found)
    state = anomaly_store.record(ctx, found)
    for a in found:
        a["status"] = state.get(a["id"], {}).get("status", "open")
    floor = _SEV_ORDER[args.min_severity]
    shown = [a for a in found if _SEV_ORDER[a["severity"]] <= floor
             and (args.include_dismissed or a["status"] != "dismissed")]
    shown.sort(key=lambda a: (_SEV_ORDER[a["severity"]], a["date"], a["metric"], a["scope"]))
    findings = [Finding(severity=Severity(a["severity"]), kind=f"anomaly_{a['metric']}",
                        title=a["title"] + (" [muted by feedback]" if a.get("muted") else "")
                        + (f" [{a['status']}]" if a["status"] != "open" else ""),
                        where=a["scope"], evidence=a["evidence"],
                        keys={**a["keys"], "anomaly_id": a["id"], "metric": a["metric"], "related": a["related"]})
                for a in shown]
    counts = {s: sum(1 for a in shown if a["severity"] == s) for s in ("critical", "warning", "info")}
    summary = (f"{len(shown)} anomalies {since}..{until} ({counts['critical']} critical, {counts['warning']} "
               f"warning, {counts['info']} info) across {', '.join(areas)}; {len(det.expected)} holiday deviation(s) "
               f"treated as expected.")
    if shown:
        summary += " Most severe: " + shown[0]["title"] + "."
    feed = [{"id": a["id"], "severity": a["severity"], "status": a["status"], "date": a["date"], "area": a["area"],
             "metric": a["metric"], "scope": a["scope"], "value": a["value"], "expected": a["expected"],
             "z": a["z"], "title": a["title"]} for a in shown]
    return ToolOutput(
        tool="anomalies", title="Anomaly detection", summary=summary,
        headline={"since": since.isoformat(), "until": until.isoformat(), "anomalies": len(shown), **counts,
                  "detected_total": len(found), "expected_holiday_deviations": len(det.expected)},
        tables=[table("feed", feed), table("expected_deviations", det.expected)],
        findings=findings,
        filters=[*ORDER_FILTER_TEXT, f"baseline: same weekday of the previous {args.baseline_weeks} weeks",
                 "US holidays and Dec 24-31 treated as expected"],
    )
