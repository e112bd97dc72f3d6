"""Acknowledge / dismiss state of detected anomalies, kept in the service's state database.

The warehouse is read-only and replicas must keep nothing locally, so the state lives in the state
database every replica shares (``settings.state_database_url``: SQLite under ``state_dir`` by
default, MySQL/PostgreSQL with ``LUCKY_STATE_URL``), table ``tool_anomalies``; a caller may pass
another SQLAlchemy URL in ``ctx.cache["state_url"]`` (tests do). Every scan records the anomalies it
saw (status ``open`` the first time), so an id can be acknowledged or dismissed later, on any
replica, without repeating the scan. Dismissals teach the detector: a metric-and-scope dismissed
twice or more is reported one severity lower from then on ("muted by feedback").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from app.errors import ConnectionFailed
from app.state.history import insert_ignore
from app.state.store import anomalies, state_engine
from tools.base import ToolContext

STATUSES = ("open", "acknowledged", "dismissed")
_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit


@contextmanager
def _begin(ctx: ToolContext) -> Iterator[sa.Connection]:
    """One transaction on the state database; an outage becomes a sentence, not a stack trace."""
    try:
        with state_engine(ctx.state_url).begin() as conn:
            yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError) as err:
        raise ConnectionFailed("The anomaly acknowledgements could not be read or saved because the state "
                               f"database did not answer ({type(err).__name__}); try again shortly.") from None


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _by_id(conn: sa.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), _CHUNK):
        for r in conn.execute(sa.select(anomalies).where(anomalies.c.id.in_(ids[i:i + _CHUNK]))).mappings():
            out[r["id"]] = dict(r)
    return out


def record(ctx: ToolContext, found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Insert unseen anomalies as open; return the stored state of every given id."""
    if not found:
        return {}
    now = _now()
    rows = [{"id": a["id"], "area": a["area"], "metric": a["metric"], "scope": a["scope"], "day": a["date"],
             "title": a["title"], "severity": a["severity"], "status": "open", "note": None, "actor": None,
             "first_seen": now, "updated_at": now} for a in found]
    with _begin(ctx) as conn:
        insert_ignore(conn, anomalies, rows)  # two replicas may scan at once
        return _by_id(conn, [a["id"] for a in found])


def set_status(ctx: ToolContext, anomaly_id: str, status: str, note: str, actor: str) -> dict[str, Any] | None:
    """Change one anomaly's status; None when the id was never seen by a scan."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    with _begin(ctx) as conn:
        conn.execute(anomalies.update().where(anomalies.c.id == anomaly_id)
                     .values(status=status, note=note, actor=actor, updated_at=_now()))
        # read back rather than trust rowcount: MySQL drivers differ on counting matched vs changed rows
        return _by_id(conn, [anomaly_id]).get(anomaly_id)


def dismissals(ctx: ToolContext) -> dict[tuple[str, str], int]:
    """How often each (metric, scope) was dismissed — the feedback that mutes noisy detectors."""
    n = sa.func.count().label("n")
    query = (sa.select(anomalies.c.metric, anomalies.c.scope, n).where(anomalies.c.status == "dismissed")
             .group_by(anomalies.c.metric, anomalies.c.scope))
    with _begin(ctx) as conn:
        return {(r.metric, r.scope): int(r.n) for r in conn.execute(query)}


def listing(ctx: ToolContext, status: str | None = None) -> list[dict[str, Any]]:
    """Every stored anomaly (or those with one status), newest day first."""
    query = sa.select(anomalies).order_by(anomalies.c.day.desc(), anomalies.c.id)
    if status:
        query = query.where(anomalies.c.status == status)
    with _begin(ctx) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
