"""Acknowledge / dismiss state of detected anomalies, kept in a small local SQLite file.

The warehouse is read-only, so the state lives beside it: ``<data_dir>/state/anomalies.sqlite``
(override with ``LUCKY_ANOMALY_STORE`` or ``ctx.cache["anomaly_store"]``). Every scan records the
anomalies it saw (status ``open`` the first time), so an id can be acknowledged or dismissed
later without repeating the scan. Dismissals teach the detector: a metric-and-scope dismissed
twice or more is reported one severity lower from then on ("muted by feedback").
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.base import ToolContext

STATUSES = ("open", "acknowledged", "dismissed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS anomaly (
  id TEXT PRIMARY KEY, area TEXT NOT NULL, metric TEXT NOT NULL, scope TEXT NOT NULL, day TEXT NOT NULL,
  title TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', note TEXT,
  actor TEXT, first_seen TEXT NOT NULL, updated_at TEXT NOT NULL)
"""


def store_path(ctx: ToolContext) -> Path:
    override = ctx.cache.get("anomaly_store") or os.environ.get("LUCKY_ANOMALY_STORE")
    if override:
        return Path(str(override))
    return Path(ctx.executor.settings.data_dir) / "state" / "anomalies.sqlite"


@contextmanager
def connect(ctx: ToolContext) -> Iterator[sqlite3.Connection]:
    path = store_path(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        con.execute(_SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(ctx: ToolContext, anomalies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Insert unseen anomalies as open; return the stored state of every given id."""
    now = _now()
    with connect(ctx) as con:
        con.executemany(
            "INSERT OR IGNORE INTO anomaly (id, area, metric, scope, day, title, severity, status, first_seen, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            [(a["id"], a["area"], a["metric"], a["scope"], a["date"], a["title"], a["severity"], now, now)
             for a in anomalies])
        ids = [a["id"] for a in anomalies]
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for r in con.execute(f"SELECT * FROM anomaly WHERE id IN ({marks})", part):
                out[r["id"]] = dict(r)
        return out


def set_status(ctx: ToolContext, anomaly_id: str, status: str, note: str, actor: str) -> dict[str, Any] | None:
    """Change one anomaly's status; None when the id was never seen by a scan."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    with connect(ctx) as con:
        cur = con.execute("UPDATE anomaly SET status = ?, note = ?, actor = ?, updated_at = ? WHERE id = ?",
                          (status, note, actor, _now(), anomaly_id))
        if cur.rowcount == 0:
            return None
        row = con.execute("SELECT * FROM anomaly WHERE id = ?", (anomaly_id,)).fetchone()
        return dict(row)


def dismissals(ctx: ToolContext) -> dict[tuple[str, str], int]:
    """How often each (metric, scope) was dismissed — the feedback that mutes noisy detectors."""
    with connect(ctx) as con:
        return {(r["metric"], r["scope"]): int(r["n"]) for r in con.execute(
            "SELECT metric, scope, COUNT(*) AS n FROM anomaly WHERE status = 'dismissed' GROUP BY metric, scope")}


def listing(ctx: ToolContext, status: str | None = None) -> list[dict[str, Any]]:
    with connect(ctx) as con:
        if status:
            cur = con.execute("SELECT * FROM anomaly WHERE status = ? ORDER BY day DESC, id", (status,))
        else:
            cur = con.execute("SELECT * FROM anomaly ORDER BY day DESC, id")
        return [dict(r) for r in cur]
