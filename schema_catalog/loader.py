"""Reading and writing catalog YAML: one file per database, validated into a ``Catalog``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from schema_catalog.models import Catalog, CatalogDatabase, CatalogError

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalog in ``directory`` (default: the shipped one), parsed and validated once per process."""
    return _load((directory or CATALOG_DIR).resolve())


@lru_cache(maxsize=8)
def _load(directory: Path) -> Catalog:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogError(f"no catalog files (*.yaml) in {directory}")
    databases = []
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise CatalogError(f"{path.name}: expected a mapping with database, description, tables")
        try:
            db = CatalogDatabase.model_validate(raw)
        except ValidationError as err:
            raise CatalogError(f"{path.name}: {_explain(err, raw)}") from None
        if db.name != path.stem:
            raise CatalogError(f"{path.name} describes database {db.name}; name the file {db.name}.yaml")
        databases.append(db)
    try:
        return Catalog(databases=databases)
    except ValueError as err:
        raise CatalogError(f"catalog in {directory}: {err}") from err


def _explain(err: ValidationError, raw: dict[str, Any]) -> str:
    """Pydantic's ``tables.2.columns.6.codes`` as ``table t_x, column y: codes``."""
    out = []
    for e in err.errors():
        node: Any = raw
        where: list[str] = []
        for i, part in enumerate(e["loc"]):
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                kind = e["loc"][i - 1] if i else ""
                label = {"tables": "table", "columns": "column"}.get(str(kind), str(kind))
                name = node.get("name") if isinstance(node, dict) else None
                where[-1:] = [f"{label} {name}" if name else f"{label} #{part}"]
            else:
                node = node.get(part) if isinstance(node, dict) else None
                where.append(str(part))
        out.append(f"{', '.join(where)}: {e['msg']}")
    return "; ".join(out)


def _clean(obj: Any) -> Any:
    """Drop empty/None fields so generated files stay as short as hand-written ones."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if v not in (None, [], {})}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def database_yaml(db: CatalogDatabase) -> str:
    """One database as catalog YAML (the format of the shipped files)."""
    data = _clean(db.model_dump(mode="python"))
    for table in data.get("tables", []):
        for col in table.get("columns", []):
            if col.get("nullable") is True:
                col.pop("nullable")  # the default
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_catalog(catalog: Catalog, out: Path) -> list[Path]:
    """Write one ``<database>.yaml`` per database into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for db in catalog.databases:
        path = out / f"{db.name}.yaml"
        path.write_text(database_yaml(db), encoding="utf-8")
        written.append(path)
    return written
