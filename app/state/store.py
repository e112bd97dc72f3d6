"""The state database: SQLite under ``state_dir`` by default, MySQL when ``LUCKY_STATE_URL`` says so.

This is the service's own bookkeeping (keys, audit records, saved queries), never the business
data, so it has its own writable SQLAlchemy engine; business SQL still goes only through the executor.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("prefix", sa.String(16), nullable=False, index=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("shops", sa.String(255), nullable=False, default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.String(32), nullable=False),
    sa.Column("who", sa.String(96), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("surface", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("sql", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("engine", sa.String(32), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

saved_queries = sa.Table(
    "saved_queries", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("sql", sa.Text, nullable=True),
    sa.Column("owner", sa.String(96), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("shared", sa.Boolean, nullable=False, default=True),
)

turns = sa.Table(
    "conversation_turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
    sa.Column("who", sa.String(96), nullable=False, index=True),
    sa.Column("ts", sa.DateTime, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("sql", sa.Text, nullable=True),
    sa.Column("chart_id", sa.String(32), nullable=True),
)

audit_head = sa.Table(
    "audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("appends", sa.BigInteger, nullable=False, default=0),
)
"""One row every audit append updates first: the row lock orders appenders across processes and replicas."""

charts = sa.Table(
    "charts", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

anomalies = sa.Table(
    "tool_anomalies", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("area", sa.String(32), nullable=False),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(255), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="open", index=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("actor", sa.String(96), nullable=True),
    sa.Column("first_seen", sa.String(20), nullable=False),
    sa.Column("updated_at", sa.String(20), nullable=False),
)
"""Anomalies the ``anomalies`` tool has seen and their acknowledge/dismiss state (shared by every replica)."""

health_snapshots = sa.Table(
    "tool_health_snapshots", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(32), nullable=False),
    sa.Column("taken_at", sa.String(32), nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Index("ix_tool_health_snapshots_target_taken", "target", "taken_at"),
)
"""Row counts per table that ``db_health`` keeps per target (JSON in ``counts``) to measure growth."""


feedback = sa.Table(
    "feedback", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(16), nullable=False, unique=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("sql", sa.Text, nullable=True),
    sa.Column("verdict", sa.String(8), nullable=False),
    sa.Column("corrected_sql", sa.Text, nullable=True),
    sa.Column("user", sa.String(96), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("decided_by", sa.String(96), nullable=True),
    sa.Column("decided", sa.String(32), nullable=True),
)
"""Answers people marked right or wrong, and the admins' decisions (``app/engine/feedback.py``); ``seq`` keeps
arrival order. Approved rows are the retrieval examples every replica's catalog index reads."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL: readers never wait for the writer, commits skip most fsyncs; several worker processes share the file."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@lru_cache(maxsize=4)
def state_engine(url: str) -> sa.Engine:
    """One engine per state URL; tables are created on first use."""
    sqlite = url.startswith("sqlite")
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {} if sqlite else {"pool_recycle": 1800}
    if url.startswith(("mysql", "mariadb")):  # fail in seconds, not the driver's default, when the host is gone
        options["connect_args"] = {"connect_timeout": 5}
    engine = sa.create_engine(url, pool_pre_ping=not sqlite, **options)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    with contextlib.suppress(sa.exc.IntegrityError), engine.begin() as conn:  # another process may create it first
        if conn.execute(sa.select(audit_head.c.id).where(audit_head.c.id == 1)).first() is None:
            conn.execute(audit_head.insert().values(id=1, appends=0))
    return engine
