"""The attack suite: every statement refused, for the rule it names; and the README's comparison is current."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from guardrails import Principal, check
from guardrails.codes import REFUSING
from tests.guardrails.naive import BEGIN, END, README, first_statement_is_select, load_attacks, markdown

ATTACKS = load_attacks()
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def test_suite_size_and_coverage():
    assert len(ATTACKS) >= 300
    codes = Counter(a["code"] for a in ATTACKS)
    # every refusing rule is exercised except those that need a broken policy to fire
    assert set(codes) >= REFUSING - {"table_function", "unsupported_syntax", "unknown_column"}
    assert {a.get("read", "mysql") for a in ATTACKS} >= {"mysql", "duckdb", "sqlite", "postgres"}


@pytest.mark.parametrize("item", ATTACKS, ids=[f"{i}-{a['code']}" for i, a in enumerate(ATTACKS)])
def test_attack_is_refused_for_the_right_reason(item):
    v = check(item["sql"], Principal(role=item.get("role", "analyst")), read=item.get("read", "mysql"))
    assert not v.allowed and v.sql is None
    assert v.code == item["code"], v.reason
    assert v.reason.endswith((".", "?")) and len(v.reason) > 30  # a sentence, not an exception text


def test_peer_check_lets_through_what_the_guard_refuses():
    assert first_statement_is_select("SELECT 1; DROP TABLE luckyus_sales_order.t_order")
    assert not first_statement_is_select("DROP TABLE luckyus_sales_order.t_order")


def test_readme_comparison_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert current == markdown(), "run: .venv/bin/python -m tests.guardrails.naive --write"
