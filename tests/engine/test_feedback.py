"""Feedback becomes a retrieval example only after an admin approves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.feedback import FeedbackError, FeedbackStore
from guardrails.principal import ADMIN, ANALYST

SQL = "SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE o.status = 90"


def test_confirmed_answers_wait_for_an_admin(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    item = store.submit(question="how many orders", verdict="right", sql=SQL, user="ana")
    assert item.state == "pending" and store.examples() == []
    with pytest.raises(FeedbackError, match="admin"):
        store.decide(item.id, ANALYST, approve=True)
    store.decide(item.id, ADMIN, approve=True)
    assert store.examples() == [{"id": f"feedback-{item.id}", "question": "how many orders", "sql": SQL}]
    assert store.pending() == []


def test_corrections_use_the_corrected_sql_and_rejections_teach_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    fixed = store.submit(question="q1", verdict="wrong", sql="SELECT 1", corrected_sql=SQL)
    rejected = store.submit(question="q2", verdict="right", sql=SQL)
    noted = store.submit(question="q3", verdict="wrong", sql="SELECT 2")
    assert noted.state == "noted" and {p.id for p in store.pending()} == {fixed.id, rejected.id}
    store.decide(rejected.id, ADMIN, approve=False)
    store.decide(fixed.id, ADMIN, approve=True)
    assert [e["sql"] for e in store.examples()] == [SQL]


def test_an_unsafe_statement_cannot_be_approved(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    item = store.submit(question="clean up", verdict="right", sql="DELETE FROM luckyus_sales_order.t_order")
    with pytest.raises(FeedbackError, match="guardrails"):
        store.decide(item.id, ADMIN, approve=True)
    assert store.examples() == []
