"""Reading a live database's own schema (tables, columns, types, keys), read-only.

This is metadata introspection, not a user question, and it deliberately does NOT go through
``app.executor``: the guardrails only admit the documented tables, while introspection exists to
see what the catalog does not know yet (a new table, a renamed column). Every reader here opens
its own read-only session (DuckDB ``read_only``; MySQL ``SET SESSION TRANSACTION READ ONLY``;
other engines through SQLAlchemy's inspector, which only reads system catalogs) and runs fixed
catalog queries with bound parameters, never user text.

DuckDB's SQLAlchemy dialect cannot reflect columns on DuckDB 2.0 (it queries ``pg_collation``,
which DuckDB lacks), so DuckDB is read natively from ``duckdb_columns()`` / ``duckdb_constraints()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.duckdb_files import duckdb_read_only

SYSTEM_SCHEMAS = {"information_schema", "mysql", "performance_schema", "sys", "pg_catalog", "pg_toast"}


@dataclass
class LiveColumn:
    name: str
    type: str  # as the engine spells it
    nullable: bool = True


@dataclass
class LiveTable:
    schema: str
    name: str
    columns: list[LiveColumn] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str, str]] = field(default_factory=list)  # col, schema, table, col

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


LiveSchema = dict[str, LiveTable]  # keyed by "schema.table"


# ---------------------------------------------------------------------------- DuckDB
# Readers share the executor's DuckDB configuration (app/duckdb_files.py).


def read_duckdb(path: Path, schemas: Iterable[str] | None = None) -> LiveSchema:
    """Tables and columns of a DuckDB file (all user schemas, or only ``schemas``)."""
    wanted = set(schemas) if schemas is not None else None
    out: LiveSchema = {}
    with duckdb_read_only(path) as con:
        rows = con.execute(
            "SELECT schema_name, table_name, column_name, data_type, is_nullable "
            "FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal "
            "ORDER BY schema_name, table_name, column_index"
        ).fetchall()
        for schema, table, column, dtype, nullable in rows:
            if schema in SYSTEM_SCHEMAS or (wanted is not None and schema not in wanted):
                continue
            t = out.setdefault(f"{schema}.{table}", LiveTable(schema, table))
            t.columns.append(LiveColumn(column, str(dtype), bool(nullable)))
        cons = con.execute(
            "SELECT schema_name, table_name, constraint_type, constraint_column_names, "
            "referenced_table, referenced_column_names "
            "FROM duckdb_constraints() WHERE database_name = current_database() "
            "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
        ).fetchall()
    for schema, table, kind, cols, ref_table, ref_cols in cons:
        owner = out.get(f"{schema}.{table}")
        if owner is None:
            continue
        if kind == "PRIMARY KEY":
            owner.primary_key = list(cols)
        else:
            for col, ref_col in zip(cols, ref_cols or [], strict=False):
                owner.foreign_keys.append((col, schema, ref_table, ref_col))
    return out


# ---------------------------------------------------------------------------- MySQL / MariaDB
def mysql_engine(url: str) -> sa.Engine:
    """A SQLAlchemy engine whose every session is read-only."""
    eng = sa.create_engine(url, connect_args={"connect_timeout": 5}, pool_pre_ping=True)

    @sa.event.listens_for(eng, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()

    return eng


def read_mysql(url: str, schemas: Iterable[str] | None = None) -> LiveSchema:
    """Tables and columns from ``information_schema`` (all user schemas, or only ``schemas``)."""
    wanted = sorted(set(schemas)) if schemas is not None else None
    cols_q = sa.text(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY "
        "FROM information_schema.COLUMNS ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
    )
    fk_q = sa.text(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, "
        "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE REFERENCED_TABLE_NAME IS NOT NULL"
    )
    out: LiveSchema = {}
    eng = mysql_engine(url)
    try:
        with eng.connect() as conn:
            col_rows = conn.execute(cols_q).fetchall()
            fk_rows = conn.execute(fk_q).fetchall()
    finally:
        eng.dispose()
    for schema, table, column, ctype, nullable, key in col_rows:
        if schema.lower() in SYSTEM_SCHEMAS or (wanted is not None and schema not in wanted):
            continue
        t = out.setdefault(f"{schema}.{table}", LiveTable(schema, table))
        t.columns.append(LiveColumn(column, str(ctype), nullable == "YES"))
        if key == "PRI":
            t.primary_key.append(column)
    for schema, table, column, ref_schema, ref_table, ref_col in fk_rows:
        owner = out.get(f"{schema}.{table}")
        if owner is not None:
            owner.foreign_keys.append((column, ref_schema, ref_table, ref_col))
    return out


# ---------------------------------------------------------------------------- anything SQLAlchemy reads
def default_schema_name(url: str) -> str:
    """The name a single-schema database gets in the catalog (sqlite: the file's stem)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return Path(u.database or "main").stem or "main"
    return u.database or "main"


def read_sqlalchemy(url: str, schemas: Iterable[str] | None = None) -> LiveSchema:
    """Tables, columns and keys of any database SQLAlchemy can inspect."""
    eng = sa.create_engine(url)
    out: LiveSchema = {}
    try:
        insp = sa.inspect(eng)
        names = list(schemas) if schemas is not None else [
            s for s in insp.get_schema_names() if s.lower() not in SYSTEM_SCHEMAS]
        default = insp.default_schema_name
        single = eng.dialect.name == "sqlite" or len(names) == 1
        for schema in names:
            label = default_schema_name(url) if (single and schema == default) else schema
            arg = None if schema == default else schema
            for table in insp.get_table_names(schema=arg):
                t = LiveTable(label, table)
                for c in insp.get_columns(table, schema=arg):
                    t.columns.append(LiveColumn(c["name"], _type_text(c["type"], eng), bool(c.get("nullable", True))))
                t.primary_key = list(insp.get_pk_constraint(table, schema=arg).get("constrained_columns") or [])
                for fk in insp.get_foreign_keys(table, schema=arg):
                    ref_schema = fk.get("referred_schema")
                    ref_label = label if ref_schema in (None, default) else ref_schema
                    for col, ref_col in zip(fk["constrained_columns"], fk["referred_columns"], strict=False):
                        t.foreign_keys.append((col, ref_label, fk["referred_table"], ref_col))
                out[t.qualified] = t
    finally:
        eng.dispose()
    return out


def _type_text(type_: Any, eng: sa.Engine) -> str:
    try:
        return str(type_.compile(dialect=eng.dialect))
    except Exception:  # NullType and exotic types have no DDL spelling
        return str(type_) if str(type_) else "UNKNOWN"


def read_live(url: str, schemas: Iterable[str] | None = None) -> LiveSchema:
    """Dispatch on the URL: ``duckdb:///file``, ``mysql+pymysql://...``, or any SQLAlchemy URL."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "duckdb":
        if not u.database or u.database == ":memory:":
            raise ValueError("a duckdb URL must name a database file: duckdb:///path/to/file.duckdb")
        return read_duckdb(Path(u.database), schemas)
    if backend in {"mysql", "mariadb"}:
        return read_mysql(url, schemas if schemas is not None else ([u.database] if u.database else None))
    return read_sqlalchemy(url, schemas)
