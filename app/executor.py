"""The only code that sends SQL to a database.

Every statement is first given to ``guardrails.check`` (so nothing bypasses it), then run on a
read-only SQLAlchemy connection for its target with a time limit and a hard row cap. Failures
become ``LuckyError`` subclasses with a sentence a person can read, never a stack trace.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlglot import exp

import guardrails
from app import localtime
from app.duckdb_files import EXECUTOR_CONFIG
from app.errors import ConnectionFailed, DataMissing, QueryFailed, QueryTimeout, Refused, UnknownTable
from app.settings import Settings, get_settings
from guardrails.principal import Principal
from guardrails.verdict import Verdict

log = logging.getLogger("lucky.executor")

_unmasked_seen: ContextVar[dict[str, str] | None] = ContextVar("lucky_unmasked_seen", default=None)


@contextmanager
def watch_unmasked() -> Iterator[dict[str, str]]:
    """Collect what statements run in this block (this thread / task) returned raw to an admin.

    Yields a dict that fills with output column -> PII class (the Verdict's ``unmasked``), for the audit
    record: the executor is the one place every statement passes, so nothing an engine or tool runs is
    missed. Statements run on other threads are not seen.
    """
    seen: dict[str, str] = {}
    token = _unmasked_seen.set(seen)
    try:
        yield seen
    finally:
        _unmasked_seen.reset(token)


@dataclass
class Result:
    """Typed result of one statement."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float
    sql: str
    target: str
    verdict: Verdict | None = None
    masked: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated,
                "elapsed_ms": round(self.elapsed_ms, 3)}


def session_setup(flavor: str, version: str, timeout_s: float) -> list[str]:
    """Session statements for a server spoken to over the MySQL protocol: read-only, UTC, a time limit.

    MySQL and MariaDB differ in the time-limit variable (``auto`` tells them apart by ``VERSION()``).
    Apache Doris and StarRocks accept neither ``SET SESSION TRANSACTION READ ONLY`` nor those limits:
    there the read-only guarantee is the guardrails plus a read-only account, and the limit is their
    ``query_timeout`` (whole seconds).
    """
    if flavor == "auto":
        flavor = "mariadb" if "mariadb" in version.lower() else "mysql"
    if flavor in ("doris", "starrocks"):
        return ["SET time_zone = '+00:00'", f"SET query_timeout = {max(1, math.ceil(timeout_s))}"]
    limit = (f"SET SESSION max_statement_time = {float(timeout_s)}" if flavor == "mariadb"
             else f"SET SESSION max_execution_time = {int(timeout_s * 1000)}")
    return ["SET SESSION TRANSACTION READ ONLY", "SET SESSION time_zone = '+00:00'", limit]


class Executor:
    """One SQLAlchemy engine per target, opened read-only, reused across calls."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ engines
    def engine(self, target: str) -> Engine:
        with self._lock:
            if target not in self._engines:
                self._engines[target] = self._make_engine(target)
            return self._engines[target]

    def _make_engine(self, target: str) -> Engine:
        if target == "duckdb":
            path = Path(self.settings.duckdb_path)
            if not path.exists():
                raise DataMissing(f"No embedded database at {path}. Build it with `lucky data build`.")
            eng = sa.create_engine(
                f"duckdb:///{path}",
                connect_args={"read_only": True,
                              "config": dict(EXECUTOR_CONFIG)},
                pool_pre_ping=False,
            )

            @event.listens_for(eng, "connect")
            def _local_time_macros(dbapi_conn: Any, _record: Any) -> None:
                # the guard's DuckDB SQL calls these (app.localtime); temporary, so fine on a read-only file
                try:
                    localtime.install_macros(dbapi_conn)
                except Exception as err:  # run() then falls back to the inline form, so the connection still serves
                    log.warning("could not define the local-time macros on a DuckDB connection: %s", err)

            return eng
        if target == "mysql":
            timeout = self.settings.statement_timeout_s
            eng = sa.create_engine(
                self.settings.mysql_url.get_secret_value(),
                connect_args={"connect_timeout": 5, "read_timeout": int(timeout) + 5, "charset": "utf8mb4"},
                pool_pre_ping=True, pool_recycle=1800,
            )

            flavor = self.settings.mysql_flavor

            @event.listens_for(eng, "connect")
            def _read_only(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                version = ""
                if flavor == "auto":
                    cur.execute("SELECT VERSION()")
                    version = str(cur.fetchone()[0])
                for statement in session_setup(flavor, version, timeout):
                    cur.execute(statement)
                cur.close()

            return eng
        raise QueryFailed(f"Unknown target {target!r}: use duckdb or mysql.")

    def dispose(self) -> None:
        for eng in self._engines.values():
            eng.dispose()
        self._engines.clear()

    # ------------------------------------------------------------------ running
    def run(self, sql: str | exp.Expr, *, principal: Principal = guardrails.ANALYST,
            target: str | None = None, row_cap: int | None = None, timeout_s: float | None = None) -> Result:
        """Check ``sql`` (MySQL dialect text or a sqlglot tree) and run it; raise ``LuckyError`` on failure."""
        target = target or self.settings.target
        cap = min(row_cap or self.settings.row_cap, self.settings.row_cap)
        verdict = guardrails.check(sql, principal, target, row_cap=cap)
        if not verdict.allowed or verdict.sql is None:
            raise Refused(verdict.reason or "The statement was refused.", [r.model_dump() for r in verdict.rules])
        timeout = timeout_s or self.settings.statement_timeout_s
        try:
            try:
                result = self._execute(verdict.sql, target, cap, timeout)
            except UnknownTable as err:
                if target != "duckdb" or localtime.MACRO_PREFIX not in err.message.lower():
                    raise
                # A connection without the local-time macros (the connect hook should always define them):
                # the same statement with the conversion written inline runs anywhere.
                verdict = guardrails.check(sql, principal, target, row_cap=cap, duckdb_macros=False)
                if not verdict.allowed or verdict.sql is None:
                    raise
                result = self._execute(verdict.sql, target, cap, timeout)
        except (QueryFailed, UnknownTable) as err:
            if verdict.masked:  # the database's message may quote a personal value the answer would mask
                from guardrails import masking

                raise type(err)(masking.scrub_error(err.message)) from None
            raise
        result.verdict = verdict
        if verdict.unmasked:
            seen = _unmasked_seen.get()
            if seen is not None:
                seen.update(verdict.unmasked)
        return self._mask(result, verdict)

    def _execute(self, sql: str, target: str, cap: int, timeout_s: float) -> Result:
        started = time.perf_counter()
        try:
            with self.engine(target).connect() as conn:
                timer = self._arm_timeout(conn, target, timeout_s)
                try:
                    # PyMySQL formats the statement with %-style parameters even when there are none.
                    driver_sql = sql.replace("%", "%%") if target == "mysql" else sql
                    cursor = conn.exec_driver_sql(driver_sql)
                    columns = list(cursor.keys())
                    fetched = cursor.fetchmany(cap + 1)
                finally:
                    if timer:
                        timer.cancel()
                conn.rollback()
        except sa.exc.SQLAlchemyError as err:
            raise self._translate(err, target, timeout_s) from None
        elapsed = (time.perf_counter() - started) * 1000
        rows = [list(r) for r in fetched[:cap]]
        return Result(columns, rows, len(fetched) > cap, elapsed, sql, target)

    @staticmethod
    def _arm_timeout(conn: sa.Connection, target: str, timeout_s: float) -> threading.Timer | None:
        if target != "duckdb":
            return None  # MySQL enforces max_statement_time / max_execution_time server-side
        raw = conn.connection.driver_connection
        timer = threading.Timer(timeout_s, lambda: raw.interrupt())  # type: ignore[union-attr]
        timer.daemon = True
        timer.start()
        return timer

    @staticmethod
    def _translate(err: sa.exc.SQLAlchemyError, target: str, timeout_s: float) -> Exception:
        text = str(getattr(err, "orig", err))
        low = text.lower()
        if "interrupt" in low or "max_statement_time" in low or "max_execution_time" in low or "3024" in text \
                or "1969" in text:
            return QueryTimeout(f"The query took longer than {timeout_s:g} s and was stopped.")
        if isinstance(err, sa.exc.OperationalError) and ("can't connect" in low or "connection refused" in low
                                                         or "2003" in text):
            return ConnectionFailed(f"Could not connect to the {target} database. Is it running?")
        if "does not exist" in low or "doesn't exist" in low or "1146" in text or "catalog error" in low:
            return UnknownTable(f"The database says a table or column does not exist: {text.splitlines()[0]}")
        if "read only" in low or "read-only" in low or "1792" in text:
            return QueryFailed("The database connection is read-only; the statement tried to write.")
        return QueryFailed(f"The {target} database rejected the query: {text.splitlines()[0][:300]}")

    @staticmethod
    def _mask(result: Result, verdict: Verdict) -> Result:
        if not verdict.masked:
            return result
        from guardrails.masking import apply  # the guardrails decide what is masked and how

        return apply(result, verdict)


_shared: dict[tuple[str, str, str], Executor] = {}
_shared_lock = threading.Lock()


def get_executor(settings: Settings | None = None) -> Executor:
    """The process-wide executor for these settings (engines are pooled, so share one)."""
    settings = settings or get_settings()
    key = (str(settings.data_dir), settings.mysql_url.get_secret_value(), str(settings.statement_timeout_s))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Executor(settings)
        return _shared[key]
