"""Seed tool 22, unified compliance & audit: one pass/fail checklist across tax, payments, food safety, finance.

Each check reuses the tool that owns the analysis (tax gap, reconciliation, production time), so a
check and the departmental view can never disagree. Payment checks follow the trade status codes:
a *settled* trade (status 2) must have exactly one fee record, every fee record must belong to a
trade, and a paid trade (status 1, 2) must pay a completed order that exists. Food safety flags
productions over 30 minutes (fresh drinks held too long) and drink machines in use (cups in the
period's last 30 days) whose last maintenance, or installation, is older than N days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import PERIOD_HELP, bind, chart, clean_record, parse_period, scope_of, table
from tools.registry import tool
from tools.t07_reconciliation import PAID, reconcile
from tools.t09_tax_gap import NY_NYC_RATE, classify, fi_tax_counts, order_tax_gaps
from tools.t12_production_time import outliers

_MAINTENANCE = """
SELECT d.device_no AS device_no, d.machine_type AS machine_type, d.shop_id AS shop_id,
       d.last_maintenance_time AS last_maintenance_time
FROM luckyus_iot_platform.t_device AS d
WHERE d.status = 1 AND d.shop_id IN (:shops)
  AND COALESCE(d.last_maintenance_time, d.install_time) < :cutoff
  AND d.device_no IN (SELECT c.device_no FROM luckyus_iot_platform.t_cup_order_info AS c
                      WHERE c.start_time >= :c0 AND c.start_time < :c1 AND c.shop_id IN (:shops))
ORDER BY d.device_no
"""


class ComplianceInput(ToolInput):
    period: str = Field("last 30 days", description=f"Business days audited: {PERIOD_HELP}.")
    start: dt.date | None = Field(None, description="First business day (overrides period).")
    end: dt.date | None = Field(None, description="Last business day (overrides period).")
    shop: str | None = Field(None, description="One store by name, id or shop_no (default: every store).")
    tax_rate: float = Field(NY_NYC_RATE, gt=0, lt=1, description="Expected combined sales tax rate.")
    tolerance: float = Field(0.0, ge=0, description="Three-way match tolerance per store-day, dollars (0 = to the "
                                                    "cent).")
    tax_tolerance: float = Field(0.01, ge=0, description="Per-order tax difference treated as rounding, dollars.")
    food_safety_seconds: int = Field(1800, gt=0, description="Production longer than this fails food safety.")
    maintenance_days: int = Field(180, ge=1, description="In-service machines need maintenance within this many days.")
    max_evidence: int = Field(20, ge=1, le=500, description="Evidence rows kept per failed check.")


@dataclass
class Check:
    category: str
    name: str
    failures: int
    detail: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, Any] = field(default_factory=dict)
    severity: Severity = Severity.warning

    @property
    def passed(self) -> bool:
        return self.failures == 0


def run_checks(ctx: ToolContext, args: ComplianceInput) -> list[Check]:
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    scope = scope_of(ctx, period, args.shop, "USD", False)
    p = scope.params()
    p.pop("cur")
    n = args.max_evidence
    checks: list[Check] = []
    counts = fi_tax_counts(ctx)
    live = sum(c["rows"] for c in counts)
    checks.append(Check("Tax", "fi_tax tables hold the tax records", 0 if live else len(counts),
                        f"{live} rows across {len(counts)} luckyus_fi_tax tables", counts,
                        {"database": "luckyus_fi_tax"},
                        Severity.critical))
    gaps = order_tax_gaps(ctx, scope, args.tax_rate, args.tax_tolerance)
    missing = [g for g in gaps if classify(g) in {"missing_tax", "partly_missing_tax", "zero_tax"}]
    wrong = [g for g in gaps if g not in missing]
    checks.append(Check("Tax", "every taxable order carries sales tax", len(missing),
                        f"{len(missing)} orders with missing or zero tax", [clean_record(g) for g in missing[:n]],
                        {"order_ids": [int(g["order_id"]) for g in missing]}))
    checks.append(Check("Tax", f"tax equals {100 * args.tax_rate:g} % of the taxable amount", len(wrong),
                        f"{len(wrong)} orders off by more than {args.tax_tolerance:g}",
                        [clean_record(g) for g in wrong[:n]],
                        {"order_ids": [int(g["order_id"]) for g in wrong]}))
    rec = reconcile(ctx, scope, args.tolerance)
    fees = rec.settled_without_fee
    checks.append(Check("Payments", "every settled trade has exactly one fee record", len(fees),
                        f"{sum(1 for f in fees if int(f['fee_records']) == 0)} settled trades without a fee record, "
                        f"{sum(1 for f in fees if int(f['fee_records']) > 1)} with duplicates",
                        [clean_record(f) for f in fees[:n]], {"trade_ids": [int(f["trade_id"]) for f in fees]}))
    ghosts = rec.fee_without_trade
    checks.append(Check("Payments", "every fee record belongs to a trade", len(ghosts),
                        f"{len(ghosts)} fee records point to trades that do not exist",
                        [clean_record(f) for f in ghosts[:n]], {"trade_ids": [int(f["trade_id"]) for f in ghosts]}))
    orphans = [t for t in rec.orphans if t["order_status"] is None]
    unfinished = [t for t in rec.orphans if t["order_status"] is not None]
    checks.append(Check("Payments", "no orphan payments (every payment has an order)", len(orphans),
                        f"{len(orphans)} successful payments match no order", [clean_record(t) for t in orphans[:n]],
                        {"trade_ids": [int(t["trade_id"]) for t in orphans]}))
    checks.append(Check("Payments", "no money taken for orders that did not complete", len(unfinished),
                        f"{len(unfinished)} successful payments on cancelled or open orders",
                        [clean_record(t) for t in unfinished[:n]],
                        {"trade_ids": [int(t["trade_id"]) for t in unfinished]}))
    slow = outliers(ctx, scope, args.food_safety_seconds)
    checks.append(Check("Food safety", f"no drink held over {args.food_safety_seconds // 60} minutes in production",
                        len(slow), f"{len(slow)} productions over {args.food_safety_seconds} s",
                        [clean_record(o) for o in slow[:n]],
                        {"production_ids": [int(o["production_id"]) for o in slow]}))
    stale = ctx.records(bind(_MAINTENANCE, shops=p["shops"], c0=p["hi"] - dt.timedelta(days=30), c1=p["hi"],
                             cutoff=dt.datetime.combine(period.end - dt.timedelta(days=args.maintenance_days),
                                                        dt.time())))
    checks.append(Check("Food safety", f"drink machines maintained within {args.maintenance_days} days",
                        len(stale), f"{len(stale)} machines overdue", [clean_record(s) for s in stale[:n]],
                        {"device_nos": [s["device_no"] for s in stale]}))
    bad_days = [d for d in rec.days if d["status"] != "match"]
    checks.append(Check("Financial controls", "three-way match: orders = payments = booked income per store-day",
                        len(bad_days), f"{len(bad_days)} of {len(rec.days)} store-days mismatched",
                        [clean_record(d) for d in bad_days[:n]],
                        {"store_days": [[d["business_date"], d["shop_id"]] for d in bad_days]}, Severity.critical))
    no_pay = [g for g in rec.order_gaps if g["paid_cents"] is None]
    bad_pay = [g for g in rec.order_gaps if g["paid_cents"] is not None]
    checks.append(Check("Financial controls", "every completed order was paid in full", len(no_pay) + len(bad_pay),
                        f"{len(no_pay)} orders without payment, {len(bad_pay)} with a different amount",
                        [clean_record(g) for g in rec.order_gaps[:n]],
                        {"order_ids": [int(g["order_id"]) for g in rec.order_gaps]}, Severity.critical))
    return checks


@tool(name="compliance", title="Unified compliance & audit checklist", department="Cross-department", seed_tool=22,
      input_model=ComplianceInput,
      examples=("compliance checklist for last month", "are we audit ready", "do all payments have fee records"),
      keywords=("compliance", "audit", "checklist", "pass fail", "food safety", "HACCP", "PCI", "fee records",
                "orphan payments", "three-way match", "tax compliance"))
def compliance(ctx: ToolContext, args: ComplianceInput) -> ToolOutput:
    """Pass/fail checklist for a period: tax (fi_tax populated, every taxable order taxed at the NY + NYC rate),
    payments (every settled trade has one fee record, no orphan payments, no payments on incomplete orders),
    food safety (no production over 30 minutes, machines maintained) and financial controls (three-way
    order-payment-accounting match, every completed order paid), with the failing rows as evidence."""
    period = parse_period(args.period, ctx.today, start=args.start, end=args.end)
    checks = run_checks(ctx, args)
    passed = sum(1 for c in checks if c.passed)
    rows = [{"category": c.category, "check": c.name, "status": "PASS" if c.passed else "FAIL",
             "failures": c.failures, "detail": c.detail} for c in checks]
    findings = [Finding(severity=c.severity, kind="compliance_fail",
                        title=f"{c.category}: {c.name} — FAIL ({c.detail}).",
                        where=c.category, evidence=c.evidence, keys={"check": c.name, **c.keys})
                for c in checks if not c.passed]
    by_cat: dict[str, list[int]] = {}
    for c in checks:
        by_cat.setdefault(c.category, [0, 0])
        by_cat[c.category][0] += int(c.passed)
        by_cat[c.category][1] += 1
    headline: dict[str, Any] = {"period": period.label, "checks": len(checks), "passed": passed,
                                "failed": len(checks) - passed, "score_pct": round(100.0 * passed / len(checks), 1)}
    headline.update({f"{k.lower().replace(' ', '_')}_passed": f"{v[0]}/{v[1]}" for k, v in by_cat.items()})
    cat_rows = [{"category": k, "passed": v[0], "checks": v[1]} for k, v in by_cat.items()]
    return ToolOutput(
        tool="compliance", title=f"Compliance checklist, {period.label}",
        summary=f"{passed} of {len(checks)} checks pass ({headline['score_pct']} %); failing: "
                + (", ".join(c.name for c in checks if not c.passed) or "none") + ".",
        headline=headline, tables=[table("checklist", rows), table("by_category", cat_rows)], findings=findings,
        chart=chart("bar", cat_rows, "category", "passed", title="Checks passed by category"),
        filters=[f"business days {period.start}..{period.end}", "USD, test shops excluded",
                 f"paid trades: status IN {PAID}; settled: status 2"],
    )
