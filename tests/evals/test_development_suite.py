"""The development suite covers what the evals issue asks for (structure only; the gold results are
checked in test_gold_sql.py and test_published.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from evals.suite import Case, load_suite

SUITE = load_suite(Path(__file__).resolve().parents[2] / "evals" / "golden" / "development.yaml")
CASES = SUITE.cases
TAGS = {t for c in CASES for t in c.tags}


def test_size_and_clarify_refuse_counts() -> None:
    assert len(CASES) >= 200
    assert sum(c.expect == "clarify" for c in CASES) >= 25
    assert sum(c.expect == "refuse" for c in CASES) >= 25
    assert str(SUITE.today) == "2026-02-14"


def test_the_seed_example_questions_are_asked_verbatim() -> None:
    questions = {c.question for c in CASES}
    for q in ("How many orders did 8th & Broadway do yesterday?", "What's our best selling drink this week?",
              "Show me the top 10 users by order count",
              "Compare revenue between weekdays and weekends this month"):
        assert q in questions


@pytest.mark.parametrize("tag", [
    # families of the engine issue
    "count", "revenue", "aov", "average", "breakdown", "top-n", "bottom-n", "share", "trend", "comparison",
    "periods", "store-vs-store", "weekday-weekend", "delivery-pickup", "growth", "combined-filter",
    "user-ranking", "production", "percentile", "fees", "fee-rate", "payments", "tool", "customers", "users",
    "items",
    # dimensions
    "store", "product", "category", "channel", "order-type", "payment-method", "hour", "weekday", "day",
    "week", "month", "quarter", "iced", "drink", "food",
    # time phrases
    "relative-date", "absolute-date", "all-time", "no-data",
    # the other asks
    "seed-example", "seed-appendix", "published", "follow-up", "store-manager", "clarify", "refuse",
    "typo", "abbreviation", "word-order", "synonym",
])
def test_tag_is_covered(tag: str) -> None:
    assert tag in TAGS


def test_each_intent_is_asked_at_least_three_ways() -> None:
    groups: dict[str, list[Case]] = defaultdict(list)
    for c in CASES:
        if c.expect == "answer" and not c.follow_up_of and c.role == "analyst" \
                and "follow-up-parent" not in c.tags:
            groups[c.sql or f"tool:{c.tool}"].append(c)
    thin = {g[0].id: len(g) for g in groups.values() if len({c.question for c in g}) < 3}
    assert not thin, f"intents asked fewer than three different ways: {thin}"
    assert len(groups) >= 50


def test_published_tables_and_appendix_present() -> None:
    ids = {c.id for c in CASES}
    for prefix in ("published-store-ranking", "published-top-15-products", "published-payment-channels"):
        assert {f"{prefix}-{i}" for i in (1, 2, 3)} <= ids


def test_follow_ups_and_scoped_cases() -> None:
    assert sum(c.follow_up_of is not None for c in CASES) >= 8
    managers = [c for c in CASES if c.role == "store_manager"]
    assert len(managers) >= 6 and any(c.expect == "refuse" for c in managers)


def test_rankings_break_ties_deterministically() -> None:
    for c in CASES:
        if c.sql and "LIMIT" in c.sql.upper():
            order = c.sql.upper().split("ORDER BY", 1)
            assert len(order) == 2 and "," in order[1].split("LIMIT")[0], f"{c.id}: LIMIT without a tie-break"
