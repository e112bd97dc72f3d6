"""Drift: where the live database and the catalog disagree.

Four kinds of disagreement are reported: a table or column present on one side only, a column
whose type differs (after normalising MySQL and DuckDB spellings), a nullability mismatch, and a
code value found in the data that the column's code list does not explain.

Two different paths read the database, on purpose:

* The live *schema* is read by ``schema_catalog.live`` through its own read-only session
  (DuckDB opened ``read_only``; MySQL with ``SET SESSION TRANSACTION READ ONLY``), not through
  the executor: the guardrails refuse system schemas and table functions such as
  ``information_schema.COLUMNS`` and ``duckdb_columns()``, and must keep refusing them for users,
  while drift detection exists precisely to see tables and columns the catalog does not list.
* The *code values* are ordinary reads of documented columns (``SELECT DISTINCT status FROM
  db.t``), so they go through ``app.executor`` with the ``SYSTEM`` principal like every other
  query: same guardrails, time limit and row cap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlglot import exp

from app.executor import Executor
from app.settings import Settings
from guardrails.principal import SYSTEM
from schema_catalog.live import LiveSchema, read_duckdb, read_mysql
from schema_catalog.models import Catalog
from schema_catalog.typenorm import duckdb_canonical, mysql_canonical, same_type

DriftKind = Literal["missing_table", "extra_table", "missing_column", "extra_column", "type", "nullable",
                    "unknown_code"]

_SENTENCE = {
    "missing_table": "documented in the catalog but absent from the database",
    "extra_table": "in the database but not documented in the catalog",
    "missing_column": "documented in the catalog but absent from the database",
    "extra_column": "in the database but not documented in the catalog",
    "type": "has a different type in the database",
    "nullable": "has different nullability in the database",
    "unknown_code": "holds values the catalog's code list does not explain",
}


@dataclass
class DriftItem:
    kind: DriftKind
    table: str
    column: str | None = None
    catalog: str | None = None
    live: str | None = None

    def sentence(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        detail = ""
        if self.kind in {"type", "nullable"}:
            detail = f" (catalog {self.catalog}, database {self.live})"
        elif self.kind == "unknown_code":
            detail = f": {self.live}"
        return f"{where} {_SENTENCE[self.kind]}{detail}"


@dataclass
class DriftReport:
    target: str
    items: list[DriftItem] = field(default_factory=list)
    tables_checked: int = 0
    columns_checked: int = 0
    code_columns_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.items

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "tables_checked": self.tables_checked,
                "columns_checked": self.columns_checked, "code_columns_checked": self.code_columns_checked,
                "drift": [{**asdict(i), "message": i.sentence()} for i in self.items]}


def read_target_schema(catalog: Catalog, target: str, settings: Settings) -> LiveSchema:
    """The live schema of the catalog's databases on ``target`` (read-only; see module docstring)."""
    names = [db.name for db in catalog.databases]
    if target == "duckdb":
        return read_duckdb(settings.duckdb_path, names)
    if target == "mysql":
        return read_mysql(settings.mysql_url.get_secret_value(), names)
    raise ValueError(f"unknown target {target!r}: use duckdb or mysql")


def compare_schema(catalog: Catalog, live: LiveSchema, target: str) -> DriftReport:
    """Tables, columns, types and nullability: catalog vs live."""
    report = DriftReport(target)
    canon = duckdb_canonical if target == "duckdb" else mysql_canonical
    documented = {t.qualified for t in catalog.iter_tables()}
    for t in catalog.iter_tables():
        report.tables_checked += 1
        lt = live.get(t.qualified)
        if lt is None:
            report.items.append(DriftItem("missing_table", t.qualified))
            continue
        live_cols = {c.name: c for c in lt.columns}
        for c in t.columns:
            report.columns_checked += 1
            lc = live_cols.get(c.name)
            if lc is None:
                report.items.append(DriftItem("missing_column", t.qualified, c.name))
                continue
            if not same_type(c.type, lc.type, target):
                report.items.append(DriftItem("type", t.qualified, c.name, canon(c.type), canon(lc.type)))
            if c.nullable != lc.nullable:
                report.items.append(DriftItem("nullable", t.qualified, c.name,
                                              "NULL" if c.nullable else "NOT NULL",
                                              "NULL" if lc.nullable else "NOT NULL"))
        for name in live_cols:
            if not t.has_column(name):
                report.items.append(DriftItem("extra_column", t.qualified, name))
    for name in sorted(set(live) - documented):
        report.items.append(DriftItem("extra_table", name))
    return report


def distinct_sql(qualified: str, column: str) -> exp.Expression:
    """``SELECT DISTINCT col FROM db.t WHERE col IS NOT NULL`` as a sqlglot tree."""
    db, table = qualified.split(".", 1)
    col = exp.column(column)
    return (exp.select(col).distinct().from_(exp.table_(table, db=db))
            .where(exp.Not(this=exp.Is(this=col.copy(), expression=exp.Null()))))


def check_codes(catalog: Catalog, live: LiveSchema, target: str, executor: Executor,
                report: DriftReport, *, max_values: int = 1000) -> None:
    """Append ``unknown_code`` items for values outside each coded column's list."""
    for t in catalog.iter_tables():
        lt = live.get(t.qualified)
        if lt is None:
            continue
        present = {c.name for c in lt.columns}
        for c in t.columns:
            if not c.codes or c.name not in present:
                continue
            report.code_columns_checked += 1
            result = executor.run(distinct_sql(t.qualified, c.name), principal=SYSTEM, target=target,
                                  row_cap=max_values)
            seen = {str(row[0]) for row in result.rows}
            unknown = sorted(seen - c.code_keys(), key=lambda v: (len(v), v))
            if unknown:
                report.items.append(DriftItem("unknown_code", t.qualified, c.name,
                                              ", ".join(sorted(c.code_keys())), ", ".join(unknown)))


def check_drift(catalog: Catalog, target: str, settings: Settings, *, codes: bool = True,
                executor: Executor | None = None) -> DriftReport:
    """The full drift report for ``target`` (``duckdb`` or ``mysql``)."""
    live = read_target_schema(catalog, target, settings)
    report = compare_schema(catalog, live, target)
    if codes:
        ex = executor or Executor(settings)
        try:
            check_codes(catalog, live, target, ex, report)
        finally:
            if executor is None:
                ex.dispose()
    return report
