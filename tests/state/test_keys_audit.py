"""API keys are hashed and map to principals; the audit chain detects tampering."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.state import audit, keys
from app.state.store import api_keys, audit_log, state_engine


def _url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def test_key_round_trip_and_hash_at_rest(tmp_path) -> None:
    url = _url(tmp_path)
    key = keys.create_key(url, role="store_manager", name="fulton", shops=(4, 5))
    p = keys.principal_for(url, key)
    assert p is not None and p.role == "store_manager" and p.shops == (4, 5)
    with state_engine(url).connect() as conn:
        stored = conn.execute(sa.select(api_keys.c.key_hash)).scalar_one()
    assert key not in stored and len(stored) == 64
    assert keys.principal_for(url, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert keys.principal_for(url, "not-a-key") is None


def test_revoked_key_is_refused(tmp_path) -> None:
    url = _url(tmp_path)
    key = keys.create_key(url, role="analyst", name="x")
    key_id = keys.list_keys(url)[0]["id"]
    assert keys.revoke_key(url, int(key_id))  # type: ignore[call-overload]
    assert keys.principal_for(url, key) is None


def test_store_manager_needs_shops(tmp_path) -> None:
    import pytest

    with pytest.raises(ValueError):
        keys.create_key(_url(tmp_path), role="store_manager", name="x")


def _event(q: str) -> audit.AuditEvent:
    return audit.AuditEvent(who="key:test", role="analyst", surface="api", kind="ask", question=q, sql="SELECT 1",
                            status="answer", rules=["limit"], rows=1, latency_ms=3.2, engine="offline")


def test_chain_verifies_and_detects_edits(tmp_path) -> None:
    url = _url(tmp_path)
    for i in range(5):
        audit.append(url, _event(f"question {i}"))
    assert audit.verify(url) == (True, 5, None)
    with state_engine(url).begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == 3).values(question="edited"))
    ok, checked, bad = audit.verify(url)
    assert (ok, checked, bad) == (False, 2, 3)


def test_deleting_a_record_breaks_the_chain(tmp_path) -> None:
    url = _url(tmp_path)
    for i in range(4):
        audit.append(url, _event(f"q{i}"))
    with state_engine(url).begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id == 2))
    assert audit.verify(url)[0] is False


def test_secrets_are_redacted(tmp_path) -> None:
    url = _url(tmp_path)
    rec = audit.append(url, _event("my key is lk_abcdefghijklmnop and Bearer xyz123"))
    assert "lk_abcdefghijklmnop" not in rec["question"] and "xyz123" not in rec["question"]
    assert "[redacted]" in rec["question"]


# --------------------------------------------------------------------------- admins' unmasked access
def _old_digest(prev: str, rec: dict[str, object]) -> str:
    """How records were hashed before ``unmasked`` existed (a frozen copy: the chain's history)."""
    import hashlib
    import json

    fields = ("ts", "who", "role", "surface", "kind", "question", "sql", "status", "rules", "rows", "latency_ms",
              "engine")
    body = json.dumps({k: rec[k] for k in fields}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((prev + body).encode()).hexdigest()


def _write_old_records(url: str, n: int) -> None:
    """Records as the code before the field wrote them, into an audit_log without the column."""
    prev = audit.GENESIS
    with state_engine(url).begin() as conn:
        for i in range(n):
            rec: dict[str, object] = {
                "ts": f"2026-02-0{i + 1}T10:00:00.000000+00:00", "who": "key:old", "role": "admin",
                "surface": "api", "kind": "ask", "question": f"old {i}", "sql": "SELECT 1", "status": "answer",
                "rules": "", "rows": 1, "latency_ms": 1.5, "engine": "offline"}
            rec["prev_hash"] = prev
            rec["hash"] = prev = _old_digest(prev, rec)
            conn.execute(audit_log.insert().values(**rec))


def _columns(url: str) -> set[str]:
    return {c["name"] for c in sa.inspect(state_engine(url)).get_columns("audit_log")}


def test_unmasked_is_recorded_and_a_chain_from_before_the_field_still_verifies(tmp_path) -> None:
    url = _url(tmp_path)
    _write_old_records(url, 3)
    assert "unmasked" not in _columns(url)
    assert audit.verify(url) == (True, 3, None) and audit.tail(url, 1)[0]["unmasked"] is None  # read-only
    assert "unmasked" not in _columns(url)
    admin = audit.AuditEvent(who="key:boss", role="admin", surface="api", kind="ask", question="phones?",
                             sql="SELECT phone FROM luckyus_sales_crm.t_user", status="answer",
                             rules=["pii_unmasked"], rows=5, latency_ms=2.0, engine="llm",
                             unmasked={"phone": "phone", "mail": "email"})
    audit.append(url, admin)
    audit.append(url, _event("after"))
    assert "unmasked" in _columns(url)
    assert audit.verify(url) == (True, 5, None)
    rows = audit.tail(url, 2)
    rec = rows[0]
    assert rec["question"] == "phones?" and rec["unmasked"] == '{"phone": "phone", "mail": "email"}'
    assert rows[1]["unmasked"] is None
    assert audit.describe_unmasked(rows[0]["unmasked"]) == "phone (phone), mail (email)"

    with state_engine(url).begin() as conn:  # hiding the raw access breaks the chain at that record
        conn.execute(sa.text("UPDATE audit_log SET unmasked = NULL WHERE id = :i"), {"i": rec["id"]})
    assert audit.verify(url) == (False, 3, rec["id"])
    with state_engine(url).begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET unmasked = :u WHERE id = :i"),
                     {"u": '{"phone": "phone", "mail": "email"}', "i": rec["id"]})
        conn.execute(sa.text("UPDATE audit_log SET unmasked = :u WHERE id = 2"), {"u": '{"x": "phone"}'})
    assert audit.verify(url) == (False, 1, 2)  # so does claiming one on an old record


PII_SQL = "SELECT u.nick_name, u.phone, u.email, u.status FROM luckyus_sales_crm.t_user u ORDER BY u.id LIMIT 5"


def _llm_settings(duck, tmp_path):
    return duck.settings.model_copy(update={"state_dir": tmp_path, "state_url": None})


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_an_admins_raw_personal_data_is_audited_and_an_analysts_is_not(
        role: str, duck, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end through the service: a (scripted) model writes SQL that reads phones and e-mails."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    import app.engine
    from app.engine.llm.engine import LLMEngine
    from app.service import answer_question
    from guardrails.principal import Principal

    settings = _llm_settings(duck, tmp_path)
    reply = f"```sql\n{PII_SQL}\n```\nExplanation: some customers"
    engine = LLMEngine(settings, chat_model=GenericFakeChatModel(messages=iter([AIMessage(content=reply)])),
                       executor=duck, context=lambda q: "luckyus_sales_crm.t_user", use_tools=False)
    monkeypatch.setattr(app.engine, "get_engine", lambda name, s: engine)
    principal = Principal(role=role, name=f"key:{role}")
    answer = answer_question("who are five customers?", None, principal, settings, surface="api")
    assert answer.status == "answer" and len(answer.rows) == 5
    phones = [r[1] for r in answer.rows]
    rec = audit.tail(settings.state_database_url, 1)[0]
    assert rec["who"] == f"key:{role}" and "u.phone" in rec["sql"]
    if role == "admin":
        assert not any("*" in str(p) for p in phones)  # raw values were shown ...
        assert rec["unmasked"] is not None
        assert json.loads(rec["unmasked"]) == {"nick_name": "name", "phone": "phone", "email": "email"}
        assert rec["rules"] == "pii_unmasked"  # ... and that is logged
    else:
        assert all("*" in str(p) for p in phones)
        assert rec["unmasked"] is None and rec["rules"] == ""
    assert audit.verify(settings.state_database_url)[0]


def test_a_cached_admin_answer_is_audited_too(duck, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A result-cache hit never reaches the executor; the answer's SQL still names what was shown raw."""
    import datetime as dt

    import app.engine
    from app.answer import Answer
    from app.service import answer_question
    from guardrails.principal import ADMIN

    class Cached:
        name = "offline"

        def ask(self, question: str, *, conversation_id: str | None, principal: object,
                today: dt.date) -> Answer:
            return Answer(status="answer", sql=PII_SQL, columns=["nick_name", "phone", "email", "status"],
                          rows=[["Ann", "+1-212-555-0101", "ann@example.com", 1]])

    settings = _llm_settings(duck, tmp_path)
    monkeypatch.setattr(app.engine, "get_engine", lambda name, s: Cached())
    answer_question("who?", None, ADMIN, settings, surface="cli")
    rec = audit.tail(settings.state_database_url, 1)[0]
    assert json.loads(rec["unmasked"]) == {"nick_name": "name", "phone": "phone", "email": "email"}
