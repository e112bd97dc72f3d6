"""The state store under several processes (uvicorn workers, replicas) and on MySQL.

Replicas share one state database; the audit chain must stay one chain when appenders in
different processes race, and every state function must work on MySQL as on SQLite.
"""

from __future__ import annotations

import multiprocessing as mp
import uuid
from pathlib import Path

from app.answer import Answer
from app.state import audit, history, keys

WORKERS, EACH = 4, 20


def _append_many(url: str, who: str, n: int) -> None:
    for i in range(n):
        audit.append(url, audit.AuditEvent(who=who, role="analyst", surface="api", kind="ask", question=f"q{i}",
                                           sql=None, status="answer", rules=[], rows=i, latency_ms=1.0,
                                           engine="offline"))


def _race(url: str) -> None:
    ctx = mp.get_context("spawn")  # fresh interpreters: nothing shared but the database
    procs = [ctx.Process(target=_append_many, args=(url, f"w{i}", EACH)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0


def test_audit_chain_survives_racing_processes_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    _append_many(url, "setup", 1)
    _race(url)
    assert audit.verify(url) == (True, WORKERS * EACH + 1, None)


def test_audit_chain_survives_racing_processes_mysql(mysql_state: str) -> None:
    _append_many(mysql_state, "setup", 1)
    before = audit.verify(mysql_state)[1]
    _race(mysql_state)
    assert audit.verify(mysql_state) == (True, before + WORKERS * EACH, None)


def test_every_state_function_works_on_mysql(mysql_state: str) -> None:
    key = keys.create_key(mysql_state, role="store_manager", name="fulton", shops=(4, 5))
    who = keys.principal_for(mysql_state, key)
    assert who is not None and who.shops == (4, 5)
    conversation = uuid.uuid4().hex
    answer = Answer(status="answer", question="orders yesterday", summary="12 orders", sql="SELECT 1",
                    conversation_id=conversation)
    answer.chart_id = history.store_chart(mysql_state, {"mark": "bar", "data": {"values": [{"x": 1}]}})
    history.record_turn(mysql_state, who.name, answer)
    turns = history.conversation(mysql_state, conversation, who.name)
    assert [t["summary"] for t in turns] == ["12 orders"] and turns[0]["chart_id"] == answer.chart_id
    assert history.load_chart(mysql_state, answer.chart_id) == {"mark": "bar", "data": {"values": [{"x": 1}]}}
    qid = history.save_query(mysql_state, title="t", question="orders yesterday", sql=None, owner=who.name)
    assert history.saved(mysql_state, qid)[0]["question"] == "orders yesterday"
    key_id = next(k["id"] for k in keys.list_keys(mysql_state) if k["name"] == "fulton")
    assert keys.revoke_key(mysql_state, int(str(key_id))) and keys.principal_for(mysql_state, key) is None
