"""Follow-ups in a conversation, clarification replies, and a store manager's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from app.conversation import ConversationStore, Turn
from app.engine.offline.engine import OfflineEngine
from app.executor import Executor
from guardrails.principal import ADMIN, Principal

TODAY = dt.date(2026, 2, 14)


@pytest.fixture(scope="module")
def engine(duck: Executor) -> Iterator[OfflineEngine]:
    yield OfflineEngine(duck.settings, executor=duck)


def test_follow_ups_resolve_against_the_previous_turn(engine: OfflineEngine) -> None:
    first = engine.ask("What was revenue yesterday?", conversation_id="c1", principal=ADMIN, today=TODAY)
    second = engine.ask("and last week?", conversation_id="c1", principal=ADMIN, today=TODAY)
    third = engine.ask("break that down by store", conversation_id="c1", principal=ADMIN, today=TODAY)
    assert first.status == second.status == third.status == "answer"
    assert "'2026-02-02 05:00:00'" in (second.sql or "") and "GROUP BY" not in (second.sql or "")
    assert third.columns[0] == "store" and "'2026-02-09 05:00:00'" in (third.sql or "")
    total = sum(r[third.columns.index("revenue")] for r in third.rows)
    assert round(total, 2) == round(second.rows[0][0], 2)
    sql = engine.ask("show the SQL", conversation_id="c1", principal=ADMIN, today=TODAY)
    assert sql.sql == third.sql


def test_a_clarification_reply_completes_the_question(engine: OfflineEngine) -> None:
    ask = engine.ask("How many orders did Broadway do yesterday?", conversation_id="c2", principal=ADMIN, today=TODAY)
    assert ask.status == "clarify" and "37th & Broadway" in ask.options
    reply = engine.ask("I meant 37th & Broadway", conversation_id="c2", principal=ADMIN, today=TODAY)
    assert reply.status == "answer" and "37th & Broadway" in (reply.sql or "")


def test_conversations_do_not_leak_into_each_other(engine: OfflineEngine) -> None:
    engine.ask("What was revenue yesterday?", conversation_id="c3", principal=ADMIN, today=TODAY)
    alone = engine.ask("and last week?", conversation_id="other", principal=ADMIN, today=TODAY)
    assert alone.status == "clarify"


def test_store_manager_sees_only_their_store(engine: OfflineEngine) -> None:
    fulton = next(s.id for s in engine.catalog.stores if s.name == "102 Fulton")
    manager = Principal(role="store_manager", shops=(fulton,), name="m")
    mine = engine.ask("How many orders did we do yesterday?", principal=manager, today=TODAY)
    assert mine.status == "answer" and f"o.shop_id = {fulton}" in (mine.sql or "")
    everyone = engine.ask("How many orders did 102 Fulton do yesterday?", principal=ADMIN, today=TODAY)
    assert mine.rows == everyone.rows
    other = engine.ask("How many orders did 8th & Broadway do yesterday?", principal=manager, today=TODAY)
    assert other.status == "refuse" and "8th & Broadway" in (other.reason or "")


def test_memory_store_expires_turns() -> None:
    store = ConversationStore(ttl_s=0)
    store.put("x", Turn(question="q", status="answer"))
    assert store.get("x") is None
    keep = ConversationStore(ttl_s=60)
    keep.put("x", Turn(question="q", status="answer"))
    got = keep.get("x")
    assert got is not None and got.question == "q"
