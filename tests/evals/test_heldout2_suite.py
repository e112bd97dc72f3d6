"""The second held-out suite (heldout2.yaml) is usable as an honest measure: it parses, has the mix
its brief asks for, neither copies nor nearly copies a question of the suites the engine was tuned on
(development.yaml, heldout.yaml), and its gold follows the conventions its header states (every
period bounded by its own `today`, default filters present, rankings with a tie-break). Cheap
checks only: its gold SQL is run by test_gold_sql.py with every other suite in evals/golden."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from evals.suite import Case, load_suite
from tools.registry import all_tools

GOLDEN = Path(__file__).resolve().parents[2] / "evals" / "golden"
SUITE = load_suite(GOLDEN / "heldout2.yaml")
TUNED = [load_suite(GOLDEN / "development.yaml"), load_suite(GOLDEN / "heldout.yaml")]
CASES = SUITE.cases
GOLD = [c for c in CASES if c.sql]


def _norm(q: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", q.lower()).strip()


def _words(q: str) -> set[str]:
    return set(_norm(q).split())


def test_size_and_mix() -> None:
    assert 80 <= len(CASES) <= 100
    answers = [c for c in CASES if c.expect == "answer" and c.sql and not c.follow_up_of]
    assert len(answers) >= 55
    assert sum(c.tool is not None for c in CASES) >= 5
    assert sum(c.follow_up_of is not None for c in CASES) >= 5
    assert sum(c.expect == "clarify" for c in CASES) >= 8
    assert sum(c.expect == "refuse" for c in CASES) >= 8
    assert sum("typo" in c.tags or "abbreviation" in c.tags for c in CASES) >= len(CASES) // 10


def test_reference_date_is_its_own() -> None:
    """A third reference day, so relative dates resolve to periods neither tuned suite used."""
    assert SUITE.today == dt.date(2025, 12, 10)
    assert SUITE.today.weekday() == 2  # the header's date arithmetic assumes a Wednesday
    assert all(SUITE.today != other.today for other in TUNED)


def test_no_question_is_copied_from_a_tuned_suite() -> None:
    tuned = {_norm(c.question) for s in TUNED for c in s.cases}
    copied = [c.id for c in CASES if _norm(c.question) in tuned]
    assert not copied, f"questions copied from development.yaml / heldout.yaml: {copied}"


def test_no_question_nearly_copies_a_tuned_suite() -> None:
    """Word overlap (Jaccard) of 0.75 or more is a reworded copy, not a new question."""
    tuned = [c.question for s in TUNED for c in s.cases]
    near = []
    for c in CASES:
        mine = _words(c.question)
        for q in tuned:
            theirs = _words(q)
            if len(mine & theirs) / len(mine | theirs) >= 0.75:
                near.append((c.id, q))
    assert not near, f"near copies of tuned questions: {near}"


def test_questions_are_distinct() -> None:
    seen: dict[str, str] = {}
    for c in CASES:
        key = _norm(c.question)
        assert key not in seen, f"{c.id} repeats {seen.get(key)}"
        seen[key] = c.id


def test_routed_tools_exist() -> None:
    names = {t.name for t in all_tools()}
    for c in CASES:
        if c.tool:
            assert c.tool.replace("-", "_").lower() in names, f"{c.id}: no tool {c.tool!r}"


def test_follow_ups_are_short_and_depend_on_their_parent() -> None:
    """A follow-up that restates everything would not test conversation context."""
    by_id = {c.id: c for c in CASES}
    for c in CASES:
        if c.follow_up_of:
            assert c.follow_up_of in by_id
            assert len(_words(c.question)) <= 5, f"{c.id} is not a short follow-up"


@pytest.mark.parametrize("case", GOLD, ids=lambda c: c.id)
def test_every_gold_period_ends_by_today(case: Case) -> None:
    """The data runs past this suite's today, so a period left open would count days that have not happened."""
    assert SUITE.today is not None and case.sql is not None
    dates = [dt.date.fromisoformat(d) for d in re.findall(r"'(\d{4}-\d{2}-\d{2})'", case.sql)]
    assert dates, f"{case.id}: gold SQL has no date bound"
    assert max(dates) <= SUITE.today, f"{case.id}: gold reaches past today ({max(dates)})"


@pytest.mark.parametrize("case", GOLD, ids=lambda c: c.id)
def test_gold_keeps_the_default_filters(case: Case) -> None:
    sql = case.sql or ""
    if "luckyus_sales_order.t_order " in sql:
        assert "o.currency_code = 'USD'" in sql
        assert "test_flag = 1" in sql
        assert re.search(r"o\.status = (90|0)\b", sql)
    if "luckyus_sales_payment.t_trade t" in sql:
        assert "t.status IN (1, 2, 3)" in sql and "t.currency_code = 'USD'" in sql and "test_flag = 1" in sql
    if "luckyus_sales_payment.t_channel_fee f" in sql:
        assert "f.currency_code = 'USD'" in sql
    if "luckyus_opproduction.t_production p" in sql:
        assert "<= 1800" in sql and "test_flag = 1" in sql and "p.done_time > p.accept_time" in sql
    assert "America/New_York" in sql, "business time is New York local time"


@pytest.mark.parametrize("case", [c for c in GOLD if re.search(r"\bLIMIT \d+", c.sql or "")], ids=lambda c: c.id)
def test_rankings_break_ties_by_label(case: Case) -> None:
    """A LIMIT without a second sort key would make the gold rows depend on the database's whim."""
    order_by = re.search(r"ORDER BY (.+?)\s+LIMIT", case.sql or "", re.S)
    assert order_by, f"{case.id}: LIMIT without ORDER BY"
    assert len(order_by.group(1).split(",")) >= 2, f"{case.id}: no tie-break in ORDER BY"
