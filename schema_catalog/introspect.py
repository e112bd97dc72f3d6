"""A first-draft catalog for any database: what the engine knows, with meanings left to a person.

Point Ask Lucky at another database with ``lucky catalog introspect --url URL --out DIR``: every
schema becomes one YAML file in the shipped format, with types, nullability, primary keys and
foreign keys (as ``references``); descriptions are ``TODO`` for someone who knows the data.
Foreign keys whose target the engine does not have (SQLite allows them) are dropped, because the
catalog refuses to load a join to a missing column.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from schema_catalog.live import LiveSchema, read_live
from schema_catalog.loader import write_catalog
from schema_catalog.models import Catalog, CatalogColumn, CatalogDatabase, CatalogTable
from schema_catalog.typenorm import mysql_canonical

TODO = "TODO"


def catalog_from_live(live: LiveSchema, *, spelling: str = "source") -> tuple[Catalog, list[str]]:
    """Turn a live schema into a ``Catalog``; returns it and warnings (dropped foreign keys)."""
    warnings: list[str] = []
    by_schema: dict[str, list[CatalogTable]] = {}
    for t in live.values():
        names = {c.name for c in t.columns}
        columns = []
        for c in t.columns:
            refs = []
            for col, ref_schema, ref_table, ref_col in t.foreign_keys:
                if col != c.name:
                    continue
                target = live.get(f"{ref_schema}.{ref_table}")
                if target is None or ref_col not in {x.name for x in target.columns}:
                    warnings.append(f"{t.qualified}.{col}: foreign key to missing {ref_schema}.{ref_table}"
                                    f".{ref_col} dropped")
                    continue
                ref = f"{ref_schema}.{ref_table}.{ref_col}"
                if ref not in refs:
                    refs.append(ref)
            type_ = mysql_canonical(c.type) if spelling == "mysql" else c.type
            columns.append(CatalogColumn(name=c.name, type=type_, nullable=c.nullable, description=TODO,
                                         references=refs))
        pk = [k for k in t.primary_key if k in names]
        by_schema.setdefault(t.schema, []).append(
            CatalogTable(name=t.name, description=TODO, primary_key=pk, columns=columns))
    dbs = [CatalogDatabase(name=s, description=TODO, tables=sorted(ts, key=lambda x: x.name))
           for s, ts in sorted(by_schema.items())]
    return Catalog(databases=dbs), warnings


def introspect(url: str, out: Path, schemas: list[str] | None = None) -> tuple[list[Path], list[str]]:
    """Read ``url``'s schema and write one catalog file per schema into ``out``."""
    live = read_live(url, schemas)
    if not live:
        raise ValueError("the database has no tables to describe (check the URL and schema names)")
    backend = make_url(url).get_backend_name()
    catalog, warnings = catalog_from_live(live, spelling="mysql" if backend in {"mysql", "mariadb"} else "source")
    return write_catalog(catalog, out), warnings
