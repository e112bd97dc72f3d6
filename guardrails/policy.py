"""What the guard may let through for one database estate: tables, columns, PII classes, shop keys.

The guard reads only this small, immutable view, so it can protect the Luckin catalog, a catalog
introspected from another database (``lucky catalog introspect``) or a SQLite file alike. Build it
with ``policy_from_catalog``, ``policy_from_sqlalchemy`` or ``guardrails.default_policy``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from rapidfuzz import fuzz, process
from sqlglot.schema import MappingSchema

PiiClass = Literal["phone", "email", "name", "address", "payment_ref", "user_id", "birthdate", "card",
                   "device_id"]
PII_CLASSES: tuple[str, ...] = ("phone", "email", "name", "address", "payment_ref", "user_id", "birthdate",
                                "card", "device_id")
# Pseudonymous classes leave the database only as a keyed hash, so grouping, joining and filtering on
# them reveals nothing and stays allowed ("top 10 users" must keep working).
PSEUDONYMOUS: frozenset[str] = frozenset({"user_id", "device_id"})

PII_WORDS: dict[str, str] = {
    "phone": "a phone number", "email": "an email address", "name": "a person's name",
    "address": "a home address", "payment_ref": "a payment reference", "user_id": "a user number",
    "birthdate": "a date of birth", "card": "card details", "device_id": "a device identifier",
}

SYSTEM_SCHEMAS: frozenset[str] = frozenset({
    "information_schema", "mysql", "performance_schema", "sys", "pg_catalog", "pg_toast", "system", "temp",
})
SYSTEM_TABLES: frozenset[str] = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master",
                                           "sqlite_temp_schema", "sqlite_sequence", "sqlite_stat1"})

_VIA = re.compile(r"^\s*(\w+)\s*->\s*(\w+)\.(\w+)\.(\w+)\s*$")


@dataclass(frozen=True)
class ShopVia:
    """``column -> database.table.column``: how a table without a shop column reaches one."""

    column: str
    database: str
    table: str
    target_column: str

    @classmethod
    def parse(cls, text: str) -> ShopVia:
        m = _VIA.match(text)
        if not m:
            raise ValueError(f"shop_scope_via {text!r} is not of the form 'column -> database.table.column'")
        return cls(*m.groups())


@dataclass(frozen=True)
class TablePolicy:
    database: str
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...] = ()
    pii: Mapping[str, str] = field(default_factory=dict)  # lower-case column name -> PII class
    shop_key: str | None = None
    shop_via: ShopVia | None = None
    rows: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    @cached_property
    def column_index(self) -> dict[str, str]:
        """lower-case name -> name as declared."""
        return {c.lower(): c for c in self.columns}


@dataclass(frozen=True)
class CatalogPolicy:
    """The allow-list the guard consumes. ``default_db`` resolves unqualified table names."""

    tables: tuple[TablePolicy, ...]
    default_db: str | None = None
    name: str = "custom"
    large_rows: int = 100_000  # a table at least this big counts as large for the cross-join check
    max_cross_rows: int = 1_000_000_000  # refuse unconditioned products estimated above this

    @cached_property
    def index(self) -> dict[tuple[str, str], TablePolicy]:
        return {(t.database.lower(), t.name.lower()): t for t in self.tables}

    @cached_property
    def by_name(self) -> dict[str, list[TablePolicy]]:
        out: dict[str, list[TablePolicy]] = {}
        for t in self.tables:
            out.setdefault(t.name.lower(), []).append(t)
        return out

    @cached_property
    def databases(self) -> frozenset[str]:
        return frozenset(t.database.lower() for t in self.tables)

    @cached_property
    def qualified_names(self) -> list[str]:
        return [t.qualified for t in self.tables]

    @cached_property
    def mapping_schema(self) -> MappingSchema:
        """The catalog as a sqlglot schema (built once; for callers that qualify or annotate trees)."""
        mapping: dict[str, object] = {}
        for t in self.tables:
            types = t.types or ("TEXT",) * len(t.columns)
            tables = mapping.setdefault(t.database, {})
            tables[t.name] = dict(zip(t.columns, types, strict=True))  # type: ignore[index]
        return MappingSchema(mapping, normalize=False)

    def lookup(self, database: str | None, name: str) -> TablePolicy | None:
        db = (database or self.default_db or "").lower()
        if db:
            return self.index.get((db, name.lower()))
        candidates = self.by_name.get(name.lower(), [])
        return candidates[0] if len(candidates) == 1 else None

    def candidates(self, name: str) -> list[TablePolicy]:
        return list(self.by_name.get(name.lower(), []))

    def suggest_tables(self, text: str, limit: int = 3) -> list[str]:
        """Nearest catalog tables to a mistyped name (qualified or not)."""
        choices = self.qualified_names if "." in text else [t.name for t in self.tables]
        hits = process.extract(text.lower(), choices, scorer=fuzz.WRatio, processor=str.lower, limit=limit * 3,
                               score_cutoff=70)
        out: list[str] = []
        for choice, _score, idx in hits:
            full = self.tables[idx].qualified if "." not in text else choice
            if full not in out:
                out.append(full)
        return out[:limit]


def suggest(text: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Nearest names from ``choices`` (rapidfuzz), best first."""
    pool = list(dict.fromkeys(choices))
    hits = process.extract(text.lower(), pool, scorer=fuzz.WRatio, processor=str.lower, limit=limit,
                           score_cutoff=70)
    return [h[0] for h in hits]


# ---------------------------------------------------------------- builders
def policy_from_catalog(catalog: Any, *, name: str = "catalog") -> CatalogPolicy:
    """Build the policy from a ``schema_catalog`` Catalog.

    Reads only ``databases[].name``, ``.tables[].name/.shop_key/.shop_scope_via/.columns[].name/.type/.pii``
    (plus ``rows`` when the catalog has it; otherwise the schema contract's full-scale counts).
    """
    full_rows = _schema_rows()
    tables: list[TablePolicy] = []
    for db in catalog.databases:
        for t in db.tables:
            cols = tuple(c.name for c in t.columns)
            pii = {c.name.lower(): str(c.pii) for c in t.columns if getattr(c, "pii", None)}
            via = getattr(t, "shop_scope_via", None)
            rows = getattr(t, "rows", None)
            if rows is None:
                rows = full_rows.get(f"{db.name}.{t.name}")
            tables.append(TablePolicy(
                database=db.name, name=t.name, columns=cols, types=tuple(str(c.type) for c in t.columns),
                pii=pii, shop_key=t.shop_key, shop_via=ShopVia.parse(via) if via else None, rows=rows))
    dbs = {t.database for t in tables}
    return CatalogPolicy(tables=tuple(tables), default_db=next(iter(dbs)) if len(dbs) == 1 else None, name=name)


def policy_from_sqlalchemy(url: str, *, name: str | None = None, count_rows: bool = False,
                           guess_pii: bool = False) -> CatalogPolicy:
    """Introspect a live database (any SQLAlchemy URL) into a policy.

    No PII classes unless ``guess_pii`` (then by column name only; a reviewed catalog is better).
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa.exc.SAWarning)  # e.g. INTEGER(11) in SQLite DDL
            return _introspect(engine, name or url, count_rows, guess_pii)
    finally:
        engine.dispose()


def _introspect(engine: Any, name: str, count_rows: bool, guess_pii: bool) -> CatalogPolicy:
    import sqlalchemy as sa

    from guardrails.default_policy import guess_pii_class

    insp = sa.inspect(engine)
    default_schema = insp.default_schema_name
    schemas = [s for s in insp.get_schema_names() if s.lower() not in SYSTEM_SCHEMAS]
    tables: list[TablePolicy] = []
    with engine.connect() as conn:
        for schema in schemas:
            for tname in insp.get_table_names(schema=schema):
                if tname.lower() in SYSTEM_TABLES:
                    continue
                cols = insp.get_columns(tname, schema=schema)
                names = tuple(str(c["name"]) for c in cols)
                pii = {n.lower(): p for n in names if guess_pii and (p := guess_pii_class(n))}
                rows = None
                if count_rows:
                    tbl = sa.table(tname, schema=schema)
                    rows = int(conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one())
                tables.append(TablePolicy(database=schema, name=tname, columns=names,
                                          types=tuple(str(c["type"]) for c in cols), pii=pii, rows=rows))
    return CatalogPolicy(tables=tuple(tables), default_db=default_schema or (schemas[0] if schemas else None),
                         name=name)


def _schema_rows() -> dict[str, int]:
    """Full-scale row counts from the schema contract (the cost check's fallback)."""
    from app.dataset.schema import TABLES

    return {q: t.full_rows for q, t in TABLES.items()}
