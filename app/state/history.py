"""Conversation history, saved (shareable, re-runnable) queries and chart specs, in the state database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.answer import Answer
from app.state.store import charts, saved_queries, state_engine, turns


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def chart_content_id(spec: dict[str, Any]) -> str:
    """A chart's content id: the same spec always gets the same id, on every replica."""
    return hashlib.sha256(_chart_body(spec).encode()).hexdigest()[:24]


def _chart_body(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, default=str)


def store_chart(url: str, spec: dict[str, Any]) -> str:
    """Keep a chart spec under a content id so chat apps can fetch its PNG later."""
    with state_engine(url).begin() as conn:
        return store_chart_on(conn, spec)


def store_chart_on(conn: sa.Connection, spec: dict[str, Any]) -> str:
    """Insert-if-absent in one statement: two requests charting the same thing at once must not collide."""
    cid = chart_content_id(spec)
    insert_ignore(conn, charts, {"id": cid, "spec": _chart_body(spec), "created_at": _now()})
    return cid


def insert_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Insert rows whose primary key is new, in one statement where the dialect can (replicas may race)."""
    rows = [values] if isinstance(values, dict) else values
    if not rows:
        return
    name = conn.dialect.name
    if name == "sqlite":
        conn.execute(sqlite_insert(table).on_conflict_do_nothing(), rows)
    elif name in ("mysql", "mariadb"):
        conn.execute(table.insert().prefix_with("IGNORE"), rows)
    elif name == "postgresql":
        conn.execute(postgresql_insert(table).on_conflict_do_nothing(), rows)
    else:
        key = next(iter(table.primary_key.columns))
        seen = set(conn.execute(sa.select(key).where(key.in_([r[key.name] for r in rows]))).scalars())
        fresh = [r for r in rows if r[key.name] not in seen]
        if fresh:
            conn.execute(table.insert(), fresh)


def load_chart(url: str, chart_id: str) -> dict[str, Any] | None:
    with state_engine(url).connect() as conn:
        spec = conn.execute(sa.select(charts.c.spec).where(charts.c.id == chart_id)).scalar()
    return json.loads(spec) if spec else None


def record_turn(url: str, who: str, answer: Answer) -> None:
    with state_engine(url).begin() as conn:
        record_turn_on(conn, who, answer)


def record_turn_on(conn: sa.Connection, who: str, answer: Answer) -> None:
    conn.execute(turns.insert(), {
        "conversation_id": answer.conversation_id or "", "who": who, "ts": _now(), "question": answer.question,
        "status": answer.status, "summary": answer.summary or answer.clarification or answer.reason or "",
        "sql": answer.sql, "chart_id": answer.chart_id})


def conversation(url: str, conversation_id: str, who: str | None = None) -> list[dict[str, Any]]:
    """The turns of one conversation, oldest first (only the caller's own unless who is None)."""
    query = sa.select(turns).where(turns.c.conversation_id == conversation_id).order_by(turns.c.id)
    if who is not None:
        query = query.where(turns.c.who == who)
    with state_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def history(url: str, who: str, limit: int = 50) -> list[dict[str, Any]]:
    with state_engine(url).connect() as conn:
        rows = conn.execute(sa.select(turns).where(turns.c.who == who).order_by(turns.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]


def save_query(url: str, *, title: str, question: str, sql: str | None, owner: str) -> str:
    query_id = secrets.token_hex(6)
    with state_engine(url).begin() as conn:
        conn.execute(saved_queries.insert().values(id=query_id, title=title, question=question, sql=sql,
                                                   owner=owner, created_at=_now(), shared=True))
    return query_id


def saved(url: str, query_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(saved_queries).order_by(saved_queries.c.created_at.desc())
    if query_id is not None:
        query = query.where(saved_queries.c.id == query_id)
    with state_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
