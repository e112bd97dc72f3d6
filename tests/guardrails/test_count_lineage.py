"""Counts of values derived from personal data: what a COUNT reveals, and what it does not.

A count says how many rows (or distinct values) are non-NULL, so the values that reach it reveal
nothing: ``COUNT(DISTINCT CASE WHEN <period> THEN user_no END)`` (customers per period) is as safe as
``COUNT(DISTINCT user_no)`` and must not be masked, or the answer becomes ``u_…`` codes. What chooses
among the values (a CASE or IF condition on personal data) is a filter and still carries; so does a
DISTINCT count that mixes a personal value with a literal or another column (a membership oracle),
and every other aggregate (SUM, MIN, MAX) of personal data.
"""

from __future__ import annotations

import pytest

from guardrails import check

U = "luckyus_sales_crm.t_user"
ORD = "luckyus_sales_order.t_order"
PERIOD = "o.create_time >= '2025-11-01 04:00:00' AND o.create_time < '2025-12-01 05:00:00'"


@pytest.mark.parametrize("sql", [
    f"SELECT COUNT(DISTINCT CASE WHEN {PERIOD} THEN o.user_no END) AS customers FROM {ORD} o",
    f"SELECT COUNT(DISTINCT CASE WHEN {PERIOD} THEN o.user_no ELSE NULL END) FROM {ORD} o",
    f"SELECT COUNT(DISTINCT IF({PERIOD}, o.user_no, NULL)) FROM {ORD} o",
    f"SELECT COUNT(DISTINCT (CASE WHEN {PERIOD} THEN o.user_no END)) FROM {ORD} o",
    f"SELECT ROUND(100 * (COUNT(DISTINCT CASE WHEN {PERIOD} THEN o.user_no END) - COUNT(DISTINCT o.user_no))"
    f" / NULLIF(COUNT(DISTINCT o.user_no), 0), 1) AS growth_pct FROM {ORD} o",
    f"SELECT COUNT(CASE WHEN id > 10 THEN phone END) FROM {U}",
    f"SELECT COUNT(COALESCE(phone, email)) FROM {U}",
    f"SELECT COUNT(CASE WHEN id > 10 THEN phone ELSE 'none' END) FROM {U}",
])
def test_counting_values_derived_from_personal_data_is_not_masked(sql: str) -> None:
    v = check(sql)
    assert v.allowed and not v.masked, (v.reason, v.masked)


@pytest.mark.parametrize(("sql", "cls"), [
    # a condition on personal data chooses what is counted: a filter, so it carries
    (f"SELECT COUNT(CASE WHEN phone LIKE '212%' THEN 1 END) FROM {U}", "phone"),
    (f"SELECT COUNT(DISTINCT IF(email LIKE '%@x.com', user_no, NULL)) FROM {U}", "email"),
    (f"SELECT COUNT(CASE phone WHEN '+1-212-555-0100' THEN 1 END) FROM {U}", "phone"),
    # DISTINCT over a personal value mixed with a literal or a second column: "does this value exist?"
    (f"SELECT COUNT(DISTINCT COALESCE(phone, '+1-212-555-0100')) FROM {U}", "phone"),
    (f"SELECT COUNT(DISTINCT CASE WHEN id > 3 THEN phone ELSE email END) FROM {U}", "phone"),
    # any function of the value is not a plain count of it
    (f"SELECT COUNT(DISTINCT CASE WHEN id > 3 THEN SUBSTRING(phone, 1, 3) END) FROM {U}", "phone"),
    (f"SELECT COUNT(NULLIF(phone, '+1-212-555-0100')) FROM {U}", "phone"),
    # other aggregates of personal data stay masked
    (f"SELECT SUM(CASE WHEN {PERIOD} THEN o.user_no END) FROM {ORD} o", "user_id"),
    (f"SELECT MAX(CASE WHEN id > 3 THEN phone END) FROM {U}", "phone"),
    (f"SELECT MIN(IF(id > 3, email, NULL)) FROM {U}", "email"),
])
def test_what_a_count_can_reveal_stays_masked(sql: str, cls: str) -> None:
    v = check(sql)
    assert v.allowed and v.output_pii[0] == cls and v.masked, (v.reason, v.output_pii, v.masked)
