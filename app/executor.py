"""The only code that sends SQL to a database.

Every statement is first given to ``guardrails.check`` (so nothing bypasses it), then run on a
read-only SQLAlchemy connection for its target with a time limit and a hard row cap. Failures
become ``LuckyError`` subclasses with a sentence a person can read, never a stack trace.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlglot import exp

import guardrails
from app.duckdb_files import EXECUTOR_CONFIG
from app.errors import ConnectionFailed, DataMissing, QueryFailed, QueryTimeout, Refused, UnknownTable
from app.settings import Settings, get_settings
from guardrails.principal import Principal
from guardrails.verdict import Verdict


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
            return eng
        if target == "mysql":
            timeout = self.settings.statement_timeout_s
            eng = sa.create_engine(
                self.settings.mysql_url.get_secret_value(),
                connect_args={"connect_timeout": 5, "read_timeout": int(timeout) + 5, "charset": "utf8mb4"},
                pool_pre_ping=True, pool_recycle=1800,
            )

            @event.listens_for(eng, "connect")
            def _read_only(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("SET SESSION TRANSACTION READ ONLY")
                cur.execute("SET SESSION time_zone = '+00:00'")
                cur.execute("SELECT VERSION()")
                version = str(cur.fetchone()[0])
                if "MariaDB" in version:
                    cur.execute(f"SET SESSION max_statement_time = {float(timeout)}")
                else:
                    cur.execute(f"SET SESSION max_execution_time = {int(timeout * 1000)}")
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
        try:
            result = self._execute(verdict.sql, target, cap, timeout_s or self.settings.statement_timeout_s)
        except (QueryFailed, UnknownTable) as err:
            if verdict.masked:  # the database's message may quote a personal value the answer would mask
                from guardrails import masking

                raise type(err)(masking.scrub_error(err.message)) from None
            raise
        result.verdict = verdict
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
