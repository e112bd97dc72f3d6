"""Seed tool 14, IoT machine fleet manager: every device with status, store, last seen and cup velocity.

Velocity is cups made (``t_cup_order_info``, ``cup_status = 1``) in a recent window compared with
the same device's baseline window just before it. The baseline is scaled by the change in its
store's total cups (expected = baseline cups x store recent / store baseline), so a quiet week, a
holiday or a shorter window is not blamed on the machine. A device is *degraded* when it made more
than 20 % (a setting) fewer cups than expected **and** the shortfall is beyond chance (Poisson lower
tail p <= ``alpha`` divided by the number of devices tested, Bonferroni), so a handful of cups at a
quiet store, or one unlucky device among two hundred, cannot raise an alarm. A device is
*offline* when ``online_status = 0``: an outage (critical) when it made cups in the analysed windows and
the platform logged it going offline (``t_device_event`` type 2); *stopped reporting* (warning) when it
made cups but left no offline event (the IoT module dropped off); otherwise it has been off for longer
or never reported (info, counted in the fleet summary). Hours are cups per active hour (hours with at least one cup).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import bind, chart, clean_record, fetch, num, resolve_shop, table
from tools.registry import tool

_DEVICES = """
SELECT d.device_no AS device_no, d.device_name AS device_name, d.machine_type AS machine_type,
       d.brand AS brand, d.model AS model, d.shop_id AS shop_id, s.shop_name AS shop_name, d.status AS status,
       d.online_status AS online_status, d.last_online_time AS last_online_time,
       d.last_maintenance_time AS last_maintenance_time, d.install_time AS install_time
FROM luckyus_iot_platform.t_device AS d
LEFT JOIN luckyus_opshop.t_shop_info AS s ON s.id = d.shop_id
WHERE d.shop_id IN (:shops)
ORDER BY d.shop_id, d.machine_type, d.device_no
"""

_CUPS = """
SELECT c.device_no AS device_no,
       SUM(CASE WHEN c.start_time >= :r0 THEN 1 ELSE 0 END) AS recent_cups,
       SUM(CASE WHEN c.start_time < :r0 THEN 1 ELSE 0 END) AS base_cups,
       COUNT(DISTINCT CASE WHEN c.start_time >= :r0 THEN DATE_FORMAT(c.start_time, '%Y-%m-%d %H') END) AS recent_hours,
       COUNT(DISTINCT CASE WHEN c.start_time < :r0 THEN DATE_FORMAT(c.start_time, '%Y-%m-%d %H') END) AS base_hours,
       MAX(c.start_time) AS last_cup
FROM luckyus_iot_platform.t_cup_order_info AS c
WHERE c.cup_status = 1 AND c.start_time >= :b0 AND c.start_time < :r1 AND c.shop_id IN (:shops)
GROUP BY c.device_no
"""

_WEEKLY = """
SELECT d.machine_type AS machine_type, DATE_SUB(DATE(c.start_time), INTERVAL WEEKDAY(c.start_time) DAY) AS week,
       COUNT(*) AS cups
FROM luckyus_iot_platform.t_cup_order_info AS c
JOIN luckyus_iot_platform.t_device AS d ON d.device_no = c.device_no
WHERE c.cup_status = 1 AND c.start_time >= :w0 AND c.start_time < :r1 AND c.shop_id IN (:shops)
GROUP BY d.machine_type, DATE_SUB(DATE(c.start_time), INTERVAL WEEKDAY(c.start_time) DAY)
ORDER BY week, machine_type
"""

_EVENTS = """
SELECT e.device_no AS device_no, MAX(CASE WHEN e.event_type = 2 THEN e.event_time END) AS last_offline_event,
       MAX(CASE WHEN e.event_type = 4 THEN e.event_time END) AS last_maintenance_event,
       SUM(CASE WHEN e.event_type = 3 AND e.event_time >= :r0 THEN 1 ELSE 0 END) AS recent_errors
FROM luckyus_iot_platform.t_device_event AS e
WHERE e.shop_id IN (:shops) AND e.event_time < :r1
GROUP BY e.device_no
"""


class FleetInput(ToolInput):
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: the whole fleet).")
    as_of: dt.date | None = Field(None, description="Last day of the recent window (default: yesterday).")
    recent_days: int = Field(28, ge=1, le=90, description="Days in the recent velocity window.")
    baseline_days: int = Field(56, ge=7, le=180, description="Days in the baseline window just before it.")
    degraded_pct: float = Field(20.0, gt=0, lt=100, description="Degraded when velocity fell more than this % "
                                                                "below baseline (seed: 20 %).")
    alpha: float = Field(0.01, gt=0, lt=1, description="Degraded only when a shortfall this large has at most this "
                                                       "probability by chance (Poisson, Bonferroni-corrected over "
                                                       "the devices tested).")
    weeks: int = Field(12, ge=2, le=52, description="Weeks in the cups trend by machine type.")


def offline_finding(d: dict[str, Any], row: dict[str, Any], c: dict[str, Any] | None, e: dict[str, Any],
                    test_shop: bool) -> Finding:
    """An offline device: an outage (critical) when it made cups in the analysed windows and the platform's last
    offline event comes after its last cup; stopped reporting (warning) when it made cups but no offline event
    explains its silence; otherwise long offline (info). Test-shop devices are never more than info."""
    made_cups = bool(c and (int(c["recent_cups"] or 0) + int(c["base_cups"] or 0)) > 0)
    off_at = e.get("last_offline_event")
    last_cup = c["last_cup"] if c else None
    if made_cups and off_at is not None and last_cup is not None and off_at >= last_cup and not test_shop:
        kind, sev = "device_went_offline", Severity.critical
    elif made_cups and not test_shop:
        kind, sev = "device_stopped_reporting", Severity.warning
    else:
        kind, sev = "device_offline", Severity.info
    when = off_at or d["last_online_time"]
    title = (f"{d['machine_type']} {d['device_no']} at {d['shop_name']} "
             + ("went offline" if kind == "device_went_offline" else "stopped reporting"
                if kind == "device_stopped_reporting" else "is offline")
             + (f" at {str(when)[:16]} UTC" if when else "")
             + (f"; last cup {str(c['last_cup'])[:16]}" if made_cups and c else "") + ".")
    return Finding(severity=sev, kind=kind, title=title, where=str(d["shop_name"]), evidence=[clean_record(row)],
                   keys={"device_no": d["device_no"], "shop_id": int(d["shop_id"]),
                         "offline_at": clean_record({"t": when})["t"],
                         "last_cup": clean_record({"t": c["last_cup"]})["t"] if c else None})


def degraded_test(recent: int, expected: float | None, pct: float, alpha: float) -> float | None:
    """The Poisson lower-tail p of ``recent`` cups when ``expected`` were due, if the drop exceeds ``pct`` and
    p <= ``alpha``; else None (not degraded)."""
    from scipy.stats import poisson

    if not expected or recent >= expected * (1 - pct / 100):
        return None
    p = float(poisson.cdf(recent, expected))
    return p if p <= alpha else None


def velocity(r: dict[str, Any] | None, recent_days: int, base_days: int) -> dict[str, float | None]:
    if not r:
        return {"recent_per_day": 0.0, "base_per_day": 0.0, "recent_per_hour": None, "base_per_hour": None}
    rc, bc = int(r["recent_cups"] or 0), int(r["base_cups"] or 0)
    rh, bh = int(r["recent_hours"] or 0), int(r["base_hours"] or 0)
    return {"recent_per_day": rc / recent_days, "base_per_day": bc / base_days,
            "recent_per_hour": rc / rh if rh else None, "base_per_hour": bc / bh if bh else None}


@tool(name="fleet", title="IoT machine fleet manager", department="Operations", seed_tool=14, input_model=FleetInput,
      examples=("fleet status at 102 Fulton", "which machines are offline", "degraded machines this week",
                "machines by type"),
      keywords=("fleet", "machine", "device", "iot", "offline", "online", "degraded", "cups per hour", "uptime",
                "schaerer", "blender", "maintenance"))
def fleet(ctx: ToolContext, args: FleetInput) -> ToolOutput:
    """Every IoT device with type, store, status, online/offline, last seen and cups per day/hour (recent window
    vs baseline); offline devices (and whether they went offline during the analysed windows), degraded devices
    whose velocity dropped more than 20 % against their baseline beyond their store's own change, and a fleet
    summary by machine type with the weekly cups trend."""
    from tools.common import all_shops

    one = resolve_shop(ctx, args.shop)
    shops = [one] if one else all_shops(ctx)
    ids = [s.id for s in shops]
    end = args.as_of or (ctx.today - dt.timedelta(days=1))
    r1 = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())  # UTC day bounds: velocity is not per local day
    r0 = r1 - dt.timedelta(days=args.recent_days)
    b0 = r0 - dt.timedelta(days=args.baseline_days)
    devices = fetch(ctx, bind(_DEVICES, shops=ids), "devices")
    cups = {r["device_no"]: r for r in fetch(ctx, bind(_CUPS, r0=r0, r1=r1, b0=b0, shops=ids), "devices")}
    events = {r["device_no"]: r for r in ctx.records(bind(_EVENTS, r0=r0, r1=r1, shops=ids), row_cap=None)}
    weekly = fetch(ctx, bind(_WEEKLY, w0=r1 - dt.timedelta(days=7 * args.weeks), r1=r1, shops=ids), "type-weeks")
    store_cups: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for d in devices:
        c = cups.get(d["device_no"])
        if c:
            store_cups[int(d["shop_id"])][0] += int(c["recent_cups"] or 0)
            store_cups[int(d["shop_id"])][1] += int(c["base_cups"] or 0)
    rows, findings = [], []
    test_shops = {s.id for s in shops if s.test_flag == 1}
    tested = sum(1 for d in devices if (cups.get(d["device_no"]) or {}).get("base_cups")
                 and store_cups[int(d["shop_id"])][0])
    alpha = args.alpha / max(tested, 1)
    for d in devices:
        c = cups.get(d["device_no"])
        e = events.get(d["device_no"], {})
        v = velocity(c, args.recent_days, args.baseline_days)
        srec, sbase = store_cups[int(d["shop_id"])]
        store_ratio = srec / sbase if sbase else None
        online = int(d["online_status"]) == 1
        in_service = int(d["status"]) == 1
        recent = int(c["recent_cups"] or 0) if c else 0
        expected = (int(c["base_cups"] or 0) * store_ratio) if c and store_ratio else None
        shortfall = degraded_test(recent, expected, args.degraded_pct, alpha)
        state = "offline" if not online else "degraded" if (in_service and shortfall) else "online"
        ratio = recent / expected if expected else None
        last_seen = d["last_online_time"]
        row = {"device_no": d["device_no"], "device_name": d["device_name"], "machine_type": d["machine_type"],
               "store": d["shop_name"], "shop_id": int(d["shop_id"]), "status": int(d["status"]), "state": state,
               "last_seen": last_seen, "last_cup": c["last_cup"] if c else None,
               "cups_per_day": num(v["recent_per_day"], 2), "baseline_cups_per_day": num(v["base_per_day"], 2),
               "cups_per_hour": num(v["recent_per_hour"], 2), "baseline_cups_per_hour": num(v["base_per_hour"], 2),
               "expected_cups": num(expected, 1), "recent_cups": recent,
               "velocity_vs_expected_pct": num(100 * ratio, 1) if ratio is not None else None,
               "store_cups_vs_baseline_pct": num(100 * store_ratio * args.baseline_days / args.recent_days, 1)
               if store_ratio is not None else None,
               "recent_errors": int(e.get("recent_errors") or 0),
               "last_maintenance": d["last_maintenance_time"]}
        rows.append(row)
        if not online and in_service:
            findings.append(offline_finding(d, row, c, e, int(d["shop_id"]) in test_shops))
        if state == "degraded":
            findings.append(Finding(
                severity=Severity.warning, kind="device_degraded",
                title=f"{d['machine_type']} {d['device_no']} at {d['shop_name']} made {recent} cups in "
                      f"{args.recent_days} days where its baseline share of the store predicts {expected:.0f} "
                      f"({row['velocity_vs_expected_pct']} %, p = {shortfall:.4f}).",
                where=str(d["shop_name"]), evidence=[clean_record(row)],
                keys={"device_no": d["device_no"], "shop_id": int(d["shop_id"]),
                      "velocity_pct": row["velocity_vs_expected_pct"]}))
    by_type: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = by_type.setdefault(r["machine_type"], {"machine_type": r["machine_type"], "devices": 0, "online": 0,
                                                   "offline": 0, "degraded": 0, "cups_per_day": 0.0})
        t["devices"] += 1
        t["online" if r["state"] == "online" else r["state"]] += 1
        t["cups_per_day"] += r["cups_per_day"] or 0.0
    summary = []
    for t in sorted(by_type.values(), key=lambda t: (-t["devices"], t["machine_type"])):
        t["offline_pct"] = round(100.0 * t["offline"] / t["devices"], 1)
        t["cups_per_day"] = round(t["cups_per_day"], 2)
        t["cups_per_device_day"] = round(t["cups_per_day"] / t["devices"], 2)
        summary.append(t)
    n = len(rows)
    off = sum(1 for r in rows if r["state"] == "offline")
    headline = {"as_of": end.isoformat(), "devices": n, "machine_types": len(by_type),
                "online": sum(1 for r in rows if r["state"] == "online"), "offline": off,
                "offline_pct": round(100.0 * off / n, 1) if n else None,
                "degraded": sum(1 for r in rows if r["state"] == "degraded"),
                "went_offline": len([f for f in findings if f.kind == "device_went_offline"]),
                "stopped_reporting": len([f for f in findings if f.kind == "device_stopped_reporting"]),
                "cups_per_day": num(sum(r["cups_per_day"] or 0 for r in rows), 2)}
    trend = [{"week": str(w["week"])[:10], "machine_type": w["machine_type"], "cups": int(w["cups"])} for w in weekly]
    return ToolOutput(
        tool="fleet", title=f"IoT fleet{' at ' + one.name if one else ''}, as of {end}",
        summary=f"{n} devices of {len(by_type)} types: {headline['online']} online, {off} offline "
                f"({headline['offline_pct']} %), {headline['degraded']} degraded; "
                f"{headline['went_offline']} went offline and {headline['stopped_reporting']} stopped reporting in the "
                f"last {args.recent_days + args.baseline_days} days.",
        headline=headline,
        tables=[table("devices", rows), table("by_machine_type", summary), table("weekly_cups", trend)],
        findings=findings,
        chart=chart("line", trend, "week", "cups", title="Cups per week by machine type", color="machine_type",
                    x_type="temporal"),
        filters=[f"recent window {r0:%Y-%m-%d}..{end} vs baseline {b0:%Y-%m-%d}..{r0 - dt.timedelta(days=1):%Y-%m-%d}"
                 " (UTC days)", "cups: t_cup_order_info.cup_status = 1",
                 f"degraded: cups < {100 - args.degraded_pct:g} % of expected (baseline x store change), "
                f"Poisson p <= {args.alpha:g}/{tested}"],
    )
