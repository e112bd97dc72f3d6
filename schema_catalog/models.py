"""Typed catalog: databases, tables and columns with meaning, units, codes, PII class and joins.

The YAML files under ``schema_catalog/catalog/`` are what people review and what the LLM and the
Dify knowledge API read, so mistakes must fail loudly at load time rather than surface later as a
wrong answer: every cross-reference (join target, shop scope path, primary key, shop key) is
resolved here, and code lists are only allowed on columns that can hold codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

PiiClass = Literal["phone", "email", "name", "address", "payment_ref", "user_id", "birthdate", "card",
                   "device_id"]
PII_CLASSES: tuple[str, ...] = PiiClass.__args__  # type: ignore[attr-defined]

CodeKey = int | str

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT", "HUGEINT", "BOOLEAN", "BOOL"}
_CHAR_TYPES = {"VARCHAR", "CHAR", "NVARCHAR", "NCHAR"}
#: Longest VARCHAR that may carry a code list: codes are short tokens, longer text is free text.
MAX_CODE_CHARS = 32
_REF = re.compile(r"^([^.]+)\.([^.]+)\.([^.]+)$")
_VIA = re.compile(r"^\s*(\S+)\s*->\s*([^.\s]+\.[^.\s]+\.[^.\s]+)\s*$")


class CatalogError(ValueError):
    """The catalog contradicts itself (a dangling join, a bad code list, ...)."""


def base_type(type_: str) -> str:
    """``DECIMAL(10,2)`` -> ``DECIMAL``; ``int unsigned`` -> ``INT``."""
    return type_.split("(")[0].strip().split()[0].upper() if type_.strip() else ""


def type_length(type_: str) -> int | None:
    """The declared length of ``VARCHAR(32)`` (None when the type has none)."""
    m = re.search(r"\((\d+)", type_)
    return int(m.group(1)) if m else None


def is_code_type(type_: str) -> bool:
    """Codes live in integer columns or short character columns (``VARCHAR(n)``, n <= 32)."""
    base = base_type(type_)
    if base in _INTEGER_TYPES:
        return True
    if base in _CHAR_TYPES:
        n = type_length(type_)
        return n is not None and n <= MAX_CODE_CHARS
    return False


def split_ref(ref: str) -> tuple[str, str, str]:
    """``db.table.column`` -> its three parts (raises ``CatalogError`` on any other shape)."""
    m = _REF.match(ref.strip())
    if not m:
        raise CatalogError(f"{ref!r} is not of the form database.table.column")
    return m.group(1), m.group(2), m.group(3)


def split_via(via: str) -> tuple[str, str]:
    """``order_id -> db.table.id`` -> ``("order_id", "db.table.id")``."""
    m = _VIA.match(via)
    if not m:
        raise CatalogError(f"shop_scope_via {via!r} is not of the form 'column -> database.table.column'")
    return m.group(1), m.group(2)


class CatalogColumn(BaseModel):
    """One column: what it means to a person, how to read its values, who it identifies."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str = Field(description="type as the source database declares it (MySQL spelling for Luckin)")
    nullable: bool = True
    description: str = Field(description="meaning, for a person; 'TODO' when introspected")
    unit: str | None = Field(None, description="e.g. 'USD dollars', 'USD cents', 'seconds', 'count'")
    codes: dict[CodeKey, str] | None = Field(None, description="every known code -> its meaning")
    pii: PiiClass | None = None
    references: list[str] = Field(default_factory=list, description="join targets, 'db.table.column'")
    examples: list[str] = Field(default_factory=list, description="a few typical values (not exhaustive)")

    @field_validator("references", "examples", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("examples", mode="before")
    @classmethod
    def _examples_as_text(cls, v: object) -> object:
        return [str(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _codes_fit_type(self) -> CatalogColumn:
        if self.codes is None:
            return self
        if not self.codes:
            raise CatalogError(f"column {self.name}: an empty code list says nothing; omit it")
        if not is_code_type(self.type):
            raise CatalogError(f"column {self.name} ({self.type}) cannot carry a code list: codes belong to "
                               f"integer or VARCHAR(<= {MAX_CODE_CHARS}) columns")
        if base_type(self.type) in _INTEGER_TYPES:
            bad = [k for k in self.codes if not isinstance(k, int) or isinstance(k, bool)]
            if bad:
                raise CatalogError(f"column {self.name} is an integer but has non-integer codes {bad}")
        else:
            self.codes = {str(k): v for k, v in self.codes.items()}
        return self

    def code_keys(self) -> set[str]:
        """The codes as text, for comparing with values read from a database."""
        return {str(k) for k in (self.codes or {})}


class CatalogTable(BaseModel):
    """One table: its grain, size, keys and how it reaches a shop (for row-level scoping)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    grain: str | None = Field(None, description="what one row is")
    rows: int | None = Field(None, ge=0, description="approximate rows at full scale (0 = empty by design, "
                                                    "None = unknown)")
    primary_key: list[str] = Field(default_factory=list)
    shop_key: str | None = Field(None, description="the column holding a shop id (t_shop_info.id)")
    shop_scope_via: str | None = Field(None, description="'column -> db.table.column' reaching a shop table")
    aliases: list[str] = Field(default_factory=list, description="words people use for this table")
    columns: list[CatalogColumn]

    _database: str = PrivateAttr(default="")

    @field_validator("primary_key", mode="before")
    @classmethod
    def _pk_list(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _own_columns(self) -> CatalogTable:
        seen: set[str] = set()
        for col in self.columns:
            if col.name in seen:
                raise CatalogError(f"table {self.name}: duplicate column {col.name}")
            seen.add(col.name)
        for key in self.primary_key:
            if key not in seen:
                raise CatalogError(f"table {self.name}: primary key {key} is not a column")
        if self.shop_key is not None and self.shop_key not in seen:
            raise CatalogError(f"table {self.name}: shop_key {self.shop_key} is not a column")
        if self.shop_scope_via is not None:
            via_col, _target = split_via(self.shop_scope_via)
            if via_col not in seen:
                raise CatalogError(f"table {self.name}: shop_scope_via starts at {via_col}, which is not a column")
        return self

    @property
    def database(self) -> str:
        return self._database

    @property
    def qualified(self) -> str:
        return f"{self._database}.{self.name}"

    @property
    def rows_magnitude(self) -> int:
        """Order of magnitude of the full-scale row count (0 for empty tables)."""
        return 0 if not self.rows else 10 ** math.floor(math.log10(self.rows))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> CatalogColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.qualified} has no column {name}")

    def has_column(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    def key_columns(self) -> list[str]:
        """Columns a query needs to join or scope this table: primary key, join keys, shop key."""
        keys = list(self.primary_key)
        for col in self.columns:
            if (col.references or col.name == self.shop_key) and col.name not in keys:
                keys.append(col.name)
        return keys


class CatalogDatabase(BaseModel):
    """One database (MySQL) / schema (DuckDB) and its tables."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    server: str | None = Field(None, description="the production server hosting it, when known")
    tables: list[CatalogTable]

    @model_validator(mode="after")
    def _own_tables(self) -> CatalogDatabase:
        seen: set[str] = set()
        for t in self.tables:
            if t.name in seen:
                raise CatalogError(f"database {self.name}: duplicate table {t.name}")
            seen.add(t.name)
            t._database = self.name
        return self


class Catalog(BaseModel):
    """Every documented database; cross-database references are checked here."""

    model_config = ConfigDict(extra="forbid")

    databases: list[CatalogDatabase]

    _tables: dict[str, CatalogTable] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _resolve(self) -> Catalog:
        index: dict[str, CatalogTable] = {}
        seen_db: set[str] = set()
        for db in self.databases:
            if db.name in seen_db:
                raise CatalogError(f"duplicate database {db.name}")
            seen_db.add(db.name)
            for t in db.tables:
                t._database = db.name
                index[t.qualified] = t
        self._tables = index
        for t in index.values():
            for col in t.columns:
                for ref in col.references:
                    self._check_ref(ref, f"{t.qualified}.{col.name}")
            if t.shop_scope_via is not None:
                _col, target = split_via(t.shop_scope_via)
                self._check_ref(target, f"{t.qualified} shop_scope_via")
        for t in index.values():
            if t.shop_scope_via is not None:
                self.shop_path(t.qualified)  # raises on a cycle or a dead end
        return self

    def _check_ref(self, ref: str, where: str) -> None:
        db, table, column = split_ref(ref)
        target = self._tables.get(f"{db}.{table}")
        if target is None:
            raise CatalogError(f"{where} refers to {ref}, but table {db}.{table} is not in the catalog")
        if not target.has_column(column):
            raise CatalogError(f"{where} refers to {ref}, but {db}.{table} has no column {column}")

    # ------------------------------------------------------------------ look-ups
    def table(self, qualified: str) -> CatalogTable:
        """``db.table`` -> the table (KeyError when undocumented)."""
        try:
            return self._tables[qualified]
        except KeyError:
            raise KeyError(f"no table {qualified} in the catalog") from None

    def has_table(self, qualified: str) -> bool:
        return qualified in self._tables

    def column(self, qualified_table: str, name: str) -> CatalogColumn:
        return self.table(qualified_table).column(name)

    def iter_tables(self) -> Iterator[CatalogTable]:
        """Every table, database by database, in file order."""
        for db in self.databases:
            yield from db.tables

    def database(self, name: str) -> CatalogDatabase:
        for db in self.databases:
            if db.name == name:
                return db
        raise KeyError(f"no database {name} in the catalog")

    def shop_path(self, qualified: str) -> list[tuple[str, str]] | None:
        """The hops ``[(column, 'db.table.column'), ...]`` from a table to one holding a ``shop_key``.

        ``[]`` when the table has its own ``shop_key``, ``None`` when it has no shop at all; raises
        ``CatalogError`` when the ``shop_scope_via`` chain loops or ends at a table with neither.
        """
        hops: list[tuple[str, str]] = []
        seen = {qualified}
        t = self.table(qualified)
        while t.shop_key is None:
            if t.shop_scope_via is None:
                if hops:
                    raise CatalogError(f"shop_scope_via of {qualified} ends at {t.qualified}, "
                                       "which has neither shop_key nor shop_scope_via")
                return None
            col, target = split_via(t.shop_scope_via)
            hops.append((col, target))
            db, table, _c = split_ref(target)
            nxt = f"{db}.{table}"
            if nxt in seen:
                raise CatalogError(f"shop_scope_via of {qualified} loops through {nxt}")
            seen.add(nxt)
            t = self.table(nxt)
        return hops
