"""The held-out suite is usable as a measure: it parses, has the mix issue 7 asks for, does not repeat
the development suite, and its gold follows the conventions its header states (every period bounded
by its own `today`, default order filters present). Its gold SQL is run by test_gold_sql.py, which
checks every suite in evals/golden (guardrails, DuckDB vs MariaDB on the small dataset)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from evals.suite import load_suite
from tools.registry import all_tools

GOLDEN = Path(__file__).resolve().parents[2] / "evals" / "golden"
HELDOUT = load_suite(GOLDEN / "heldout.yaml")
DEVELOPMENT = load_suite(GOLDEN / "development.yaml")
CASES = HELDOUT.cases


def _norm(q: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", q.lower()).strip()


def test_size_and_mix() -> None:
    assert len(CASES) >= 100
    answers = [c for c in CASES if c.expect == "answer" and c.sql and not c.follow_up_of]
    assert len(answers) >= 60
    assert sum(c.tool is not None for c in CASES) >= 5
    assert sum(c.follow_up_of is not None for c in CASES) >= 6
    assert sum(c.expect == "clarify" for c in CASES) >= 12
    assert sum(c.expect == "refuse" for c in CASES) >= 12
    assert sum("typo" in c.tags or "abbreviation" in c.tags for c in CASES) >= len(CASES) // 10


def test_reference_date_differs_from_development() -> None:
    assert HELDOUT.today == dt.date(2026, 1, 21)
    assert HELDOUT.today != DEVELOPMENT.today


def test_no_question_is_copied_from_development() -> None:
    dev = {_norm(c.question) for c in DEVELOPMENT.cases}
    copied = [c.id for c in CASES if _norm(c.question) in dev]
    assert not copied, f"questions copied from development.yaml: {copied}"


def test_questions_are_distinct() -> None:
    seen: dict[str, str] = {}
    for c in CASES:
        key = _norm(c.question)
        assert key not in seen or c.follow_up_of, f"{c.id} repeats {seen[key]}"
        seen.setdefault(key, c.id)


def test_routed_tools_exist() -> None:
    names = {t.name for t in all_tools()}
    for c in CASES:
        if c.tool:
            assert c.tool.replace("-", "_").lower() in names, f"{c.id}: no tool {c.tool!r}"


def test_every_gold_period_ends_by_today() -> None:
    """The data runs past this suite's today, so a period left open would count days that have not happened."""
    assert HELDOUT.today is not None
    for c in CASES:
        if not c.sql:
            continue
        dates = [dt.date.fromisoformat(d) for d in re.findall(r"'(\d{4}-\d{2}-\d{2})'", c.sql)]
        assert dates, f"{c.id}: gold SQL has no date bound"
        assert max(dates) <= HELDOUT.today, f"{c.id}: gold reaches past today ({max(dates)})"


def test_order_gold_keeps_the_default_filters() -> None:
    for c in CASES:
        if c.sql and "luckyus_sales_order.t_order " in c.sql:
            assert "o.currency_code = 'USD'" in c.sql, c.id
            assert "test_flag = 1" in c.sql, c.id
            assert re.search(r"o\.status = (90|0)\b", c.sql), c.id
