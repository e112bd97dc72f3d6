"""API keys are hashed and map to principals; the audit chain detects tampering."""

from __future__ import annotations

import sqlalchemy as sa

from app.state import audit, keys
from app.state.store import api_keys, audit_log, state_engine


def _url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def test_key_round_trip_and_hash_at_rest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _url(tmp_path)
    key = keys.create_key(url, role="store_manager", name="fulton", shops=(4, 5))
    p = keys.principal_for(url, key)
    assert p is not None and p.role == "store_manager" and p.shops == (4, 5)
    with state_engine(url).connect() as conn:
        stored = conn.execute(sa.select(api_keys.c.key_hash)).scalar_one()
    assert key not in stored and len(stored) == 64
    assert keys.principal_for(url, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert keys.principal_for(url, "not-a-key") is None


def test_revoked_key_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _url(tmp_path)
    key = keys.create_key(url, role="analyst", name="x")
    key_id = keys.list_keys(url)[0]["id"]
    assert keys.revoke_key(url, int(key_id))  # type: ignore[call-overload]
    assert keys.principal_for(url, key) is None


def test_store_manager_needs_shops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    with pytest.raises(ValueError):
        keys.create_key(_url(tmp_path), role="store_manager", name="x")


def _event(q: str) -> audit.AuditEvent:
    return audit.AuditEvent(who="key:test", role="analyst", surface="api", kind="ask", question=q, sql="SELECT 1",
                            status="answer", rules=["limit"], rows=1, latency_ms=3.2, engine="offline")


def test_chain_verifies_and_detects_edits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _url(tmp_path)
    for i in range(5):
        audit.append(url, _event(f"question {i}"))
    assert audit.verify(url) == (True, 5, None)
    with state_engine(url).begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == 3).values(question="edited"))
    ok, checked, bad = audit.verify(url)
    assert (ok, checked, bad) == (False, 2, 3)


def test_deleting_a_record_breaks_the_chain(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _url(tmp_path)
    for i in range(4):
        audit.append(url, _event(f"q{i}"))
    with state_engine(url).begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id == 2))
    assert audit.verify(url)[0] is False


def test_secrets_are_redacted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _url(tmp_path)
    rec = audit.append(url, _event("my key is lk_abcdefghijklmnop and Bearer xyz123"))
    assert "lk_abcdefghijklmnop" not in rec["question"] and "xyz123" not in rec["question"]
    assert "[redacted]" in rec["question"]
