"""The audit trail: one append-only record per question or tool call, chained by SHA-256.

Each record carries the hash of the previous one, so editing or deleting any past record breaks
every hash after it; ``verify`` walks the chain and names the first record that does not match.
Secrets that might have been pasted into a question (API keys, bearer tokens) are redacted first.

``unmasked`` names the output columns an admin saw raw, with their PII class (the guard's
``pii_unmasked``), as JSON ``{"column": "class"}``. It came after the first records were written, so it
joins a record's hash only when it is set: records from before it (NULL) keep their hashes, and setting,
changing or clearing it on any record breaks the chain like any other edit. The column is added to an
existing ``audit_log`` on first use (``ALTER TABLE``; see ``_ensure_unmasked_column``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.state.store import audit_head, audit_log, state_engine

GENESIS = "0" * 64
_SECRET = re.compile(r"(lk_[A-Za-z0-9_\-]{8,}|xox[abprs]-[A-Za-z0-9\-]+|sk-[A-Za-z0-9]{16,}|Bearer\s+\S+)")
_lock = threading.Lock()
_FIELDS = ("ts", "who", "role", "surface", "kind", "question", "sql", "status", "rules", "rows", "latency_ms",
           "engine")


def redact(text: str | None) -> str | None:
    return None if text is None else _SECRET.sub("[redacted]", text)


@dataclass
class AuditEvent:
    who: str
    role: str
    surface: str  # api | slack | dify | web | cli | eval
    kind: str  # ask | tool | sql
    question: str
    sql: str | None
    status: str
    rules: list[str]
    rows: int
    latency_ms: float
    engine: str
    unmasked: dict[str, str] = field(default_factory=dict)
    """Output column -> PII class shown raw to an admin (empty for everyone else)."""


def _digest(prev_hash: str, record: dict[str, Any]) -> str:
    fields = {k: record[k] for k in _FIELDS}
    if record.get("unmasked"):  # only when set, so records written before the field existed still verify
        fields["unmasked"] = record["unmasked"]
    body = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def unmasked_text(unmasked: dict[str, str]) -> str | None:
    """The stored form: JSON in output order, or None when nothing was shown raw."""
    return json.dumps(unmasked, ensure_ascii=False) if unmasked else None


def describe_unmasked(stored: str | None) -> str:
    """``phone (phone), email (email)`` for a stored value, for people reading the trail."""
    if not stored:
        return ""
    try:
        data = json.loads(stored)
    except ValueError:
        return stored
    return ", ".join(f"{col} ({cls})" for col, cls in data.items()) if isinstance(data, dict) else stored


# The audit_log table (app/state/store.py) as this module writes and reads it, with the column added here.
_UNMASKED = "unmasked"
_AUDIT = sa.table("audit_log", *(sa.column(c.name, c.type) for c in audit_log.columns), sa.column(_UNMASKED, sa.Text))
_ready: dict[str, sa.Engine] = {}  # URL -> the state engine whose table was seen to have the column


def _ensure_unmasked_column(url: str) -> None:
    """Add ``unmasked`` to an ``audit_log`` created before it existed (once per state engine)."""
    engine = state_engine(url)
    if _ready.get(url) is engine:
        return
    if not _has_unmasked(engine):
        # Two processes may both try: the loser's "duplicate column" error is harmless.
        with suppress(sa.exc.OperationalError, sa.exc.ProgrammingError), engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE audit_log ADD COLUMN {_UNMASKED} TEXT NULL"))
        if not _has_unmasked(engine):
            raise RuntimeError("The audit table has no 'unmasked' column and it could not be added.")
    _ready[url] = engine


def _has_unmasked(engine: sa.Engine) -> bool:
    return any(c["name"] == _UNMASKED for c in sa.inspect(engine).get_columns("audit_log"))


def _read_table(url: str) -> Any:
    """What tail/verify select from: with ``unmasked`` if the table has it (reading never alters it)."""
    engine = state_engine(url)
    return _AUDIT if _ready.get(url) is engine or _has_unmasked(engine) else audit_log


def append(url: str, event: AuditEvent) -> dict[str, Any]:
    """Append one record, chained to the last; returns the stored record."""
    with writing(url) as conn:
        return append_on(conn, event)


@contextmanager
def writing(url: str) -> Iterator[sa.Connection]:
    """One write transaction on the state database, one at a time per process (others wait on the head row).

    On SQLite, worker processes also queue on a lock file: SQLite's own busy handler polls with sleeps of
    up to 100 ms, which under load turned into the p99 latency; a blocking ``flock`` hands over at once.
    """
    _ensure_unmasked_column(url)
    with _lock, _sqlite_write_lock(url), state_engine(url).begin() as conn:
        yield conn


_lock_files: dict[tuple[int, str], int] = {}


@contextmanager
def _sqlite_write_lock(url: str) -> Iterator[None]:
    if not url.startswith("sqlite:///"):
        yield
        return
    key = (os.getpid(), url)  # a forked worker opens its own: flock is shared by a parent's and child's copies
    fd = _lock_files.get(key)
    if fd is None:  # opened once per process and kept; callers are already serialised by _lock
        fd = _lock_files[key] = os.open(url.removeprefix("sqlite:///") + ".write-lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def append_on(conn: sa.Connection, event: AuditEvent) -> dict[str, Any]:
    """Append inside the caller's transaction (so an answer's turn and its audit record commit together)."""
    record: dict[str, Any] = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "who": event.who, "role": event.role, "surface": event.surface, "kind": event.kind,
        "question": redact(event.question) or "", "sql": redact(event.sql), "status": event.status,
        "rules": ",".join(event.rules), "rows": int(event.rows), "latency_ms": round(float(event.latency_ms), 3),
        "engine": event.engine, _UNMASKED: unmasked_text(event.unmasked),
    }
    # Write first: the head row's lock (MySQL row lock, SQLite write lock) makes concurrent appenders in
    # other processes wait here, so each reads the hash its predecessor committed and the chain never forks.
    conn.execute(_BUMP_HEAD)
    last = conn.execute(_LAST_HASH).scalar()
    record["prev_hash"] = last or GENESIS
    record["hash"] = _digest(record["prev_hash"], record)
    conn.execute(_INSERT, record)
    return record


# Built once: constructing statements per call (``.values(**record)``) was most of an append's cost.
_BUMP_HEAD = audit_head.update().where(audit_head.c.id == 1).values(appends=audit_head.c.appends + 1)
_LAST_HASH = sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
_INSERT = sa.insert(_AUDIT)  # needs the unmasked column: every writer goes through writing(), which adds it


def tail(url: str, n: int = 20) -> list[dict[str, Any]]:
    """The newest ``n`` records, oldest first (``unmasked`` is None on records that show nothing raw)."""
    table = _read_table(url)
    with state_engine(url).connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id.desc()).limit(n)).mappings().all()
    return [{**dict(r), _UNMASKED: r.get(_UNMASKED)} for r in reversed(rows)]


def verify(url: str) -> tuple[bool, int, int | None]:
    """Walk the chain: (intact, records checked, id of the first broken record or None)."""
    prev = GENESIS
    checked = 0
    table = _read_table(url)
    with state_engine(url).connect() as conn:
        for row in conn.execute(sa.select(table).order_by(table.c.id)).mappings():
            rec = dict(row)
            if rec["prev_hash"] != prev or _digest(prev, rec) != rec["hash"]:
                return False, checked, int(rec["id"])
            prev = rec["hash"]
            checked += 1
    return True, checked, None
