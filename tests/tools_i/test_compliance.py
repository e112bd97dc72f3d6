"""Compliance checklist: every failing check is explained by planted facts; the rest pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "compliance", period="all")


def _check(out, name_part: str):
    return next(f for f in out.findings_of("compliance_fail") if name_part in f.keys["check"])


def test_failures_are_the_planted_facts(out, small_data: Path) -> None:
    m = manifest(small_data)
    taxed = {f["order_id"] for k in ("missing_tax", "zero_tax") for f in m[k]["facts"]}
    assert set(_check(out, "carries sales tax").keys["order_ids"]) == taxed
    assert set(_check(out, "exactly one fee record").keys["trade_ids"]) == {f["trade_id"] for f in
                                                                            m["trade_without_fee"]["facts"]}
    assert set(_check(out, "belongs to a trade").keys["trade_ids"]) == {f["trade_id"] for f in
                                                                        m["fee_without_trade"]["facts"]}
    assert set(_check(out, "30 minutes").keys["production_ids"]) == {f["production_id"] for f in
                                                                     m["production_outlier"]["facts"]}
    days = {tuple(d) for d in _check(out, "three-way").keys["store_days"]}
    assert days == {(f["business_date"], f["shop_id"]) for f in m["reconciliation_mismatch"]["facts"]}
    unpaid = {o for f in m["reconciliation_mismatch"]["facts"] if f["cause"] in ("missing_trade", "trade_amount_off")
              for o in f["order_ids"]}
    assert set(_check(out, "paid in full").keys["order_ids"]) == unpaid
    assert _check(out, "fi_tax").severity == "critical"


def test_checks_without_plants_pass(out) -> None:
    status = {r["check"]: r["status"] for r in rows(out, "checklist")}
    for name in ("no orphan payments (every payment has an order)", "no money taken for orders that did not complete",
                 "tax equals 8.875 % of the taxable amount", "drink machines maintained within 180 days"):
        assert status[name] == "PASS", name
    assert out.headline["passed"] == sum(1 for s in status.values() if s == "PASS")
    assert out.headline["score_pct"] == round(100 * out.headline["passed"] / out.headline["checks"], 1)


def test_a_clean_period_passes_the_money_checks(duck: Executor, small_data: Path) -> None:
    m = manifest(small_data)
    planted_days = {f["business_date"] for f in m["reconciliation_mismatch"]["facts"]}
    assert "2025-08-20" not in planted_days
    day = run(duck, "compliance", period="2025-08-20")
    status = {r["check"]: r["status"] for r in rows(day, "checklist")}
    assert status["three-way match: orders = payments = booked income per store-day"] == "PASS"
    assert status["every completed order was paid in full"] == "PASS"


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "compliance", period="all")) == comparable(run(maria, "compliance", period="all"))
