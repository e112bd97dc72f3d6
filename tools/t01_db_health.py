"""Seed tool 1, database health monitor: table sizes, row counts, id headroom, connections, growth, alerts.

Two kinds of reads, kept apart on purpose:

* **Data reads** (exact row counts, ``MAX(id)`` for id headroom) are ordinary SELECTs on catalog
  tables, built with sqlglot and run through ``ctx.query`` (guardrails + executor) like any tool SQL.
* **Metadata reads** (``information_schema.TABLES``/``PROCESSLIST``, ``SHOW GLOBAL STATUS`` on MySQL;
  ``duckdb_tables()``, ``pragma_database_size()``, ``pragma_storage_info()`` on DuckDB) are what the
  guardrails' allow-list refuses to every principal, and must keep refusing: tool SQL runs as the
  system principal on behalf of any caller, so a system-role exemption in the guardrails would open
  ``information_schema`` to every question routed through a tool. Instead this module has a separate,
  closed metadata path: ``METADATA`` below is the complete list of statements it can run; they are
  constants (the only bound values are the catalog's own database/table names, passed as driver
  parameters), they read metadata only, and they run on the executor's read-only connection with its
  time limit. No user text reaches this path.

Growth is measured against snapshots of the row counts kept in the service's state database
(``tool_health_snapshots``, the newest 120 per target, shared by every replica: nothing is kept on
the replica's disk); the alert rules are the seed's: table growth > 20 % week over week,
connections > 80 % of capacity, slow queries above a threshold (Redis memory > 85 % lives in the
``redis_console`` tool), plus id headroom (an auto-increment key past 75 % of its type's range).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from sqlglot import exp

from app.dataset.schema import DATABASES, TABLES
from app.errors import QueryFailed
from app.state.store import health_snapshots, state_engine
from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import chart, table
from tools.registry import tool

log = logging.getLogger(__name__)

# The complete metadata path: statement name -> (target, constant SQL). Nothing else runs here.
METADATA: dict[str, tuple[str, str]] = {
    "mysql_tables": ("mysql", "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, "
                              "DATA_FREE, AUTO_INCREMENT FROM information_schema.TABLES "
                              "WHERE TABLE_SCHEMA IN %(dbs)s"),
    "mysql_processlist": ("mysql", "SELECT ID, USER, DB, COMMAND, TIME, STATE, LEFT(INFO, 120) AS INFO "
                                   "FROM information_schema.PROCESSLIST ORDER BY TIME DESC"),
    "mysql_status": ("mysql", "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running', "
                              "'Max_used_connections', 'Slow_queries', 'Uptime', 'Questions', 'Aborted_connects')"),
    "mysql_variables": ("mysql", "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('max_connections', "
                                 "'long_query_time', 'version', 'innodb_buffer_pool_size')"),
    "duckdb_tables": ("duckdb", "SELECT schema_name, table_name, estimated_size, column_count, index_count "
                                "FROM duckdb_tables() WHERE schema_name IN (SELECT UNNEST($dbs))"),
    "duckdb_size": ("duckdb", "SELECT database_size, block_size, total_blocks, used_blocks, free_blocks, wal_size, "
                              "memory_usage, memory_limit FROM pragma_database_size()"),
    "duckdb_blocks": ("duckdb", "SELECT COUNT(DISTINCT block_id) AS blocks FROM pragma_storage_info($tbl)"),
}

INT_MAX = {"TINYINT": 127, "SMALLINT": 32_767, "MEDIUMINT": 8_388_607, "INT": 2_147_483_647,
           "BIGINT": 9_223_372_036_854_775_807}


class DbHealthInput(ToolInput):
    database: str | None = Field(None, description="Only this database (e.g. luckyus_sales_order); default all.")
    exact_counts: bool = Field(True, description="Count rows exactly with COUNT(*) (MySQL's TABLE_ROWS is an "
                                                 "estimate); turn off on very large servers.")
    growth_alert_pct: float = Field(20.0, gt=0, description="Alert when a table grew more than this % against "
                                                            "the snapshot about a week old (seed: 20 % WoW).")
    growth_days: int = Field(7, ge=1, le=90, description="Compare with the newest snapshot at least this old.")
    connection_alert_pct: float = Field(80.0, gt=0, le=100, description="Alert when connections exceed this % "
                                                                        "of max_connections (seed: 80 %).")
    slow_query_alert: int = Field(100, ge=0, description="Alert when the server's slow-query counter exceeds this.")
    long_running_s: int = Field(60, ge=1, description="List sessions running a statement longer than this.")
    headroom_alert_pct: float = Field(75.0, gt=0, le=100, description="Alert when a table's id uses more than this "
                                                                      "% of its column type's range.")
    save_snapshot: bool = Field(True, description="Keep this run's row counts as a snapshot for growth tracking.")


# ------------------------------------------------------------------ metadata path
def metadata(ctx: ToolContext, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run one statement of ``METADATA`` on the read-only connection of ``ctx.target``."""
    target, sql = METADATA[name]
    if target != ctx.target:
        raise QueryFailed(f"metadata statement {name} is for {target}, not {ctx.target}")
    ctx.statements.append(f"-- metadata path ({name}): {sql}")
    engine = ctx.executor.engine(ctx.target)
    timeout = ctx.executor.settings.statement_timeout_s
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            timer = None
            if target == "duckdb":
                timer = threading.Timer(timeout, raw.interrupt)  # type: ignore[union-attr]
                timer.daemon = True
                timer.start()
                try:
                    cur = raw.execute(sql, params or None)  # type: ignore[union-attr]
                    cols = [d[0] for d in cur.description]
                    rows = cur.fetchall()
                finally:
                    timer.cancel()
            else:
                with raw.cursor() as cur:  # type: ignore[union-attr]
                    cur.execute(sql, {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()} or None)
                    cols = [d[0] for d in cur.description]
                    rows = cur.fetchall()
            conn.rollback()
    except sa.exc.SQLAlchemyError as err:
        raise QueryFailed(f"Could not read {target} metadata: {str(err).splitlines()[0][:200]}") from None
    return [dict(zip(cols, r, strict=True)) for r in rows]


# ------------------------------------------------------------------ data path (guardrails + executor)
def exact_counts(ctx: ToolContext, tables: list[str]) -> dict[str, int]:
    out = {}
    for q in tables:
        db, name = q.split(".")
        tree = exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(exp.table_(name, db=db))
        out[q] = int(ctx.query(tree).rows[0][0])
    return out


def max_ids(ctx: ToolContext, tables: list[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for q in tables:
        t = TABLES[q]
        if not t.primary_key or t.column(t.primary_key).type.split("(")[0].upper() not in INT_MAX:
            continue
        db, name = q.split(".")
        tree = exp.select(exp.func("MAX", exp.column(t.primary_key)).as_("m")).from_(exp.table_(name, db=db))
        v = ctx.query(tree).rows[0][0]
        out[q] = None if v is None else int(v)
    return out


# ------------------------------------------------------------------ snapshots
SNAPSHOTS_KEPT = 120
"""Snapshots kept per target (about four months of daily runs)."""


def load_snapshots(ctx: ToolContext) -> list[dict[str, Any]]:
    """This target's snapshots, oldest first; none when the state database cannot be read (growth is optional)."""
    snaps = health_snapshots
    query = (sa.select(snaps.c.taken_at, snaps.c.counts).where(snaps.c.target == ctx.target)
             .order_by(snaps.c.taken_at, snaps.c.id))
    try:
        with state_engine(ctx.state_url).connect() as conn:
            stored = conn.execute(query).all()
    except (sa.exc.SQLAlchemyError, OSError) as err:
        log.warning("db_health snapshots could not be read: %s", type(err).__name__)
        return []
    out = []
    for taken_at, counts in stored:
        try:
            rows = json.loads(counts)
        except ValueError:
            continue
        if isinstance(rows, dict):
            out.append({"taken_at": taken_at, "rows": rows})
    return out


def save_snapshot(ctx: ToolContext, counts: dict[str, int], now: dt.datetime) -> str | None:
    """Add this run's counts, keeping the newest ``SNAPSHOTS_KEPT`` per target; an error text instead of failing."""
    snaps = health_snapshots
    newest_first = (sa.select(snaps.c.id).where(snaps.c.target == ctx.target)
                    .order_by(snaps.c.taken_at.desc(), snaps.c.id.desc()).offset(SNAPSHOTS_KEPT))
    try:
        with state_engine(ctx.state_url).begin() as conn:
            conn.execute(snaps.insert().values(target=ctx.target, taken_at=now.isoformat(timespec="seconds"),
                                               counts=json.dumps(counts, sort_keys=True)))
            # ids first, then delete: MySQL refuses LIMIT/OFFSET in an IN (subquery)
            old = list(conn.execute(newest_first).scalars())
            if old:
                conn.execute(snaps.delete().where(snaps.c.id.in_(old)))
    except (sa.exc.SQLAlchemyError, OSError) as err:
        return f"The snapshot was not saved: the state database did not answer ({type(err).__name__})."
    return None


def baseline(snaps: list[dict[str, Any]], now: dt.datetime, days: int) -> dict[str, Any] | None:
    """The newest snapshot at least ``days`` old, else the oldest one there is."""
    dated = sorted(((dt.datetime.fromisoformat(s["taken_at"]), s) for s in snaps if "taken_at" in s),
                   key=lambda p: p[0])
    if not dated:
        return None
    old = [s for t, s in dated if now - t >= dt.timedelta(days=days)]
    return old[-1] if old else dated[0][1]


# ------------------------------------------------------------------ the tool
def _server_metrics(ctx: ToolContext, args: DbHealthInput) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                      list[Finding]]:
    findings: list[Finding] = []
    if ctx.target != "mysql":
        size = metadata(ctx, "duckdb_size")[0]
        return ({"engine": "duckdb (embedded)", "database_size": size["database_size"],
                 "block_size": int(size["block_size"]), "used_blocks": int(size["used_blocks"]),
                 "free_blocks": int(size["free_blocks"]), "wal_size": size["wal_size"],
                 "memory_usage": size["memory_usage"], "memory_limit": size["memory_limit"],
                 "connections": "n/a (embedded, read-only)"}, [], findings)
    status = {r["Variable_name"]: r["Value"] for r in metadata(ctx, "mysql_status")}
    var = {r["Variable_name"]: r["Value"] for r in metadata(ctx, "mysql_variables")}
    procs = metadata(ctx, "mysql_processlist")
    max_conn = int(var.get("max_connections", 0) or 0)
    threads = int(status.get("Threads_connected", 0) or 0)
    conn_pct = round(100.0 * threads / max_conn, 1) if max_conn else None
    slow = int(status.get("Slow_queries", 0) or 0)
    head = {"engine": f"mysql {var.get('version', '')}", "connections": threads, "max_connections": max_conn,
            "connections_pct": conn_pct, "threads_running": int(status.get("Threads_running", 0) or 0),
            "max_used_connections": int(status.get("Max_used_connections", 0) or 0), "slow_queries": slow,
            "uptime_s": int(status.get("Uptime", 0) or 0), "questions": int(status.get("Questions", 0) or 0)}
    if conn_pct is not None and conn_pct > args.connection_alert_pct:
        findings.append(Finding(severity=Severity.critical, kind="connections_high",
                                title=f"{threads} of {max_conn} connections in use ({conn_pct} %).",
                                where="server", keys={"connections": threads, "max_connections": max_conn}))
    if slow > args.slow_query_alert:
        findings.append(Finding(severity=Severity.warning, kind="slow_queries",
                                title=f"The server has logged {slow} slow queries "
                                      f"(alert above {args.slow_query_alert}).",
                                where="server", keys={"slow_queries": slow}))
    long = [p for p in procs if p.get("COMMAND") not in ("Sleep", "Daemon") and int(p.get("TIME") or 0)
            >= args.long_running_s]
    for p in long:
        findings.append(Finding(severity=Severity.warning, kind="long_running_query",
                                title=f"Session {p['ID']} ({p['USER']}) has run for {p['TIME']} s: "
                                      f"{p.get('INFO') or ''}",
                                where=str(p.get("DB") or "server"), evidence=[p], keys={"session_id": p["ID"]}))
    proc_rows = [{"id": p["ID"], "user": p["USER"], "db": p["DB"], "command": p["COMMAND"], "time_s": p["TIME"],
                  "state": p["STATE"], "info": p["INFO"]} for p in procs]
    return head, proc_rows, findings


@tool(name="db_health", title="Database health monitor", department="IT / DevOps", seed_tool=1,
      input_model=DbHealthInput,
      examples=("database health", "which tables are growing fastest", "how many connections are open",
                "auto increment headroom"),
      keywords=("database health", "table size", "row counts", "growth", "connections", "processlist",
                "auto_increment", "storage", "slow queries", "capacity"))
def db_health(ctx: ToolContext, args: DbHealthInput) -> ToolOutput:
    """Health of the live target database: per-table rows, size and id headroom; connections, running and
    long-running sessions and slow queries on MySQL (information_schema, SHOW STATUS); file, block and
    per-table storage on DuckDB; growth against the stored snapshot about a week old; and the seed's alert
    rules (growth > 20 % week over week, connections > 80 % of capacity, slow queries over a threshold)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    dbs = [args.database] if args.database else list(DATABASES)
    unknown = [d for d in dbs if d not in DATABASES]
    if unknown:
        from tools.common import ToolInputError

        raise ToolInputError(f"Unknown database {unknown[0]!r}.", DATABASES)
    names = [q for q, t in TABLES.items() if t.database in dbs]
    sizes: dict[str, dict[str, Any]] = {}
    if ctx.target == "mysql":
        for r in metadata(ctx, "mysql_tables", dbs=dbs):
            sizes[f"{r['TABLE_SCHEMA']}.{r['TABLE_NAME']}"] = {
                "engine": r["ENGINE"], "est_rows": int(r["TABLE_ROWS"] or 0),
                "bytes": int(r["DATA_LENGTH"] or 0) + int(r["INDEX_LENGTH"] or 0),
                "auto_increment": None if r["AUTO_INCREMENT"] is None else int(r["AUTO_INCREMENT"])}
    else:
        block = int(metadata(ctx, "duckdb_size")[0]["block_size"])
        for r in metadata(ctx, "duckdb_tables", dbs=dbs):
            q = f"{r['schema_name']}.{r['table_name']}"
            if q not in TABLES:
                continue
            blocks = int(metadata(ctx, "duckdb_blocks", tbl=q)[0]["blocks"])
            sizes[q] = {"engine": "duckdb", "est_rows": int(r["estimated_size"] or 0), "bytes": blocks * block,
                        "auto_increment": None}
    counts = exact_counts(ctx, names) if args.exact_counts else {q: sizes.get(q, {}).get("est_rows", 0)
                                                                 for q in names}
    ids = max_ids(ctx, names)
    snaps = load_snapshots(ctx)
    base = baseline(snaps, now, args.growth_days)
    base_rows: dict[str, int] = base["rows"] if base else {}
    base_age = round((now - dt.datetime.fromisoformat(base["taken_at"])).total_seconds() / 86400, 1) if base else None
    findings: list[Finding] = []
    rows: list[dict[str, Any]] = []
    for q in names:
        t = TABLES[q]
        n = counts.get(q, 0)
        s = sizes.get(q, {})
        pk_type = t.column(t.primary_key).type.split("(")[0].upper() if t.primary_key else None
        cur_id = s.get("auto_increment") or ids.get(q)
        cap = INT_MAX.get(pk_type or "")
        used_pct = round(100.0 * cur_id / cap, 6) if cur_id and cap else None
        prev = base_rows.get(q)
        growth = round(100.0 * (n - prev) / prev, 2) if prev else None
        rows.append({"table": q, "rows": n, "est_rows": s.get("est_rows"), "bytes": s.get("bytes"),
                     "mb": round((s.get("bytes") or 0) / 1_048_576, 2), "id_type": pk_type, "max_id": cur_id,
                     "id_used_pct": used_pct, "rows_at_snapshot": prev, "growth_pct": growth})
        if growth is not None and growth > args.growth_alert_pct:
            findings.append(Finding(severity=Severity.warning, kind="table_growth",
                                    title=f"{q} grew {growth:.1f} % ({prev:,} -> {n:,} rows) since the snapshot "
                                          f"{base_age} days ago.", where=q, evidence=[rows[-1]],
                                    keys={"table": q, "growth_pct": growth}))
        if used_pct is not None and used_pct > args.headroom_alert_pct:
            findings.append(Finding(severity=Severity.critical, kind="id_headroom_low",
                                    title=f"{q}.{t.primary_key} is at {cur_id:,}, {used_pct:.1f} % of "
                                          f"{pk_type}'s range.",
                                    where=q, keys={"table": q, "used_pct": used_pct}))
        if n == 0 and t.full_rows > 0:
            findings.append(Finding(severity=Severity.info, kind="table_empty", title=f"{q} has no rows.", where=q,
                                    keys={"table": q}))
    empty_dbs = sorted({TABLES[q].database for q in names} - {TABLES[q].database for q in names if counts.get(q)})
    for d in empty_dbs:
        findings.append(Finding(severity=Severity.warning, kind="database_empty",
                                title=f"Every table of {d} is empty.", where=d, keys={"database": d}))
    head, procs, server_findings = _server_metrics(ctx, args)
    findings = server_findings + findings
    note = save_snapshot(ctx, counts, now) if args.save_snapshot else None
    rows.sort(key=lambda r: (-(r["bytes"] or 0), -r["rows"], r["table"]))
    headline = {"target": ctx.target, **head, "tables": len(rows), "total_rows": sum(r["rows"] for r in rows),
                "total_mb": round(sum(r["mb"] for r in rows), 2),
                "snapshot_age_days": base_age,
                "snapshots_kept": min(SNAPSHOTS_KEPT, len(snaps) + (1 if args.save_snapshot and not note else 0))}
    if note:
        headline["snapshot_note"] = note
    growth_rows = sorted((r for r in rows if r["growth_pct"] is not None), key=lambda r: -r["growth_pct"])
    return ToolOutput(
        tool="db_health", title=f"Database health ({ctx.target})",
        summary=f"{len(rows)} tables, {headline['total_rows']:,} rows, {headline['total_mb']} MB; "
                f"{sum(1 for f in findings if f.severity != Severity.info)} alerts"
                + (f"; growth vs snapshot {base_age} days old" if base_age is not None else "; first snapshot"),
        headline=headline,
        tables=[table("tables", rows), table("growth", growth_rows[:25]), table("sessions", procs)],
        findings=findings,
        chart=chart("bar", rows[:20], "table", "mb", title="Largest tables (MB)", sort="-y"),
        filters=[f"databases: {', '.join(dbs) if args.database else 'all catalog databases'}",
                 "row counts: exact COUNT(*)" if args.exact_counts else "row counts: engine estimates",
                 "metadata read through the constant read-only metadata path (see tools/t01_db_health.py)"],
    )
