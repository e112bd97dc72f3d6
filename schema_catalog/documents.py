"""What the retrieval index holds: one short text per table, column, code list, example and metric.

Each document names the tables it is evidence for, so a ranked list of documents turns into a
ranked list of tables (what an SQL writer needs). Texts spell identifiers both as written
(``t_order_item``) and as words, because people type words and the LLM needs identifiers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from sqlglot import exp

from schema_catalog.models import Catalog, CatalogColumn, CatalogTable

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_PATH = Path(__file__).resolve().parent / "examples.yaml"
GOLDEN_DIR = ROOT / "evals" / "golden"
FEEDBACK_SOURCE = "feedback"  # the ``source`` of admin-approved examples (from the state database) in the index

Kind = Literal["table", "column", "codes", "example", "metric", "dimension", "segment"]


@dataclass(frozen=True)
class IndexDoc:
    """One retrievable item."""

    id: str
    kind: Kind
    text: str
    tables: tuple[str, ...]
    column: str | None = None
    source: str = "catalog"
    sql: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def metadata(self) -> dict[str, str]:
        """Flat metadata for Chroma (scalars only)."""
        return {"kind": self.kind, "tables": ",".join(self.tables), "column": self.column or "",
                "source": self.source, "sql": self.sql or ""}


def words(identifier: str) -> str:
    """``t_order_item`` -> ``order item`` (the leading ``t_`` / ``wh_`` prefixes carry no meaning)."""
    parts = [p for p in identifier.replace(".", "_").split("_") if p]
    if parts and parts[0] in {"t", "wh", "luckyus"}:
        parts = parts[1:]
    return " ".join(parts)


def _codes_text(col: CatalogColumn) -> str:
    return "; ".join(f"{k} = {v}" for k, v in (col.codes or {}).items())


def table_doc(t: CatalogTable) -> IndexDoc:
    aliases = f" Also called: {', '.join(t.aliases)}." if t.aliases else ""
    grain = f" One row per {t.grain}." if t.grain else ""
    text = f"Table {t.qualified} ({words(t.name)}, in {words(t.database)}). {t.description}{grain}{aliases}"
    return IndexDoc(id=f"table:{t.qualified}", kind="table", text=text, tables=(t.qualified,))


def column_docs(t: CatalogTable) -> Iterator[IndexDoc]:
    for c in t.columns:
        unit = f", {c.unit}" if c.unit else ""
        joins = f" Joins {', '.join(c.references)}." if c.references else ""
        ex = f" Examples: {', '.join(c.examples)}." if c.examples else ""
        text = (f"Column {t.qualified}.{c.name} ({words(c.name)}; {c.type}{unit}) of {words(t.name)}: "
                f"{c.description}{joins}{ex}")
        yield IndexDoc(id=f"column:{t.qualified}.{c.name}", kind="column", text=text, tables=(t.qualified,),
                       column=c.name)
        if c.codes:
            text = (f"Codes of {t.qualified}.{c.name} ({words(t.name)} {words(c.name)}): {_codes_text(c)}. "
                    f"{c.description}")
            yield IndexDoc(id=f"codes:{t.qualified}.{c.name}", kind="codes", text=text,
                           tables=(t.qualified,), column=c.name)


def catalog_docs(catalog: Catalog) -> list[IndexDoc]:
    docs: list[IndexDoc] = []
    for t in catalog.iter_tables():
        docs.append(table_doc(t))
        docs.extend(column_docs(t))
    return docs


def sql_tables(sql: str, catalog: Catalog | None = None) -> list[str]:
    """The ``db.table`` names an SQL statement reads (CTE names excluded), each once."""
    tree = sqlglot.parse_one(sql, read="mysql")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    out: list[str] = []
    for tab in tree.find_all(exp.Table):
        if not tab.name or (not tab.db and tab.name in ctes):
            continue
        name = f"{tab.db}.{tab.name}" if tab.db else tab.name
        if catalog is not None and not catalog.has_table(name):
            continue
        if name not in out:
            out.append(name)
    return out


@dataclass(frozen=True)
class Example:
    """A question with the SQL that answers it (from examples.yaml, a golden suite or approved feedback)."""

    id: str
    question: str
    sql: str
    source: str


def read_examples(path: Path) -> list[Example]:
    """Question/SQL pairs from a YAML file with ``cases:`` (golden format) or ``examples:``.

    Follow-up questions are read together with the question they follow (a lone "and last
    week?" says nothing about tables); cases without SQL (clarify, refuse, tool) are skipped.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = raw.get("cases") or raw.get("examples") or []
    by_id = {str(r.get("id")): r for r in rows if isinstance(r, dict)}
    src = f"golden:{raw.get('suite') or path.stem}" if "cases" in raw else path.name
    out = []
    for r in rows:
        if not isinstance(r, dict) or not r.get("sql") or r.get("expect", "answer") != "answer":
            continue
        question = str(r["question"])
        parent = r.get("follow_up_of")
        seen = set()
        while parent and parent in by_id and parent not in seen:
            seen.add(parent)
            question = f"{by_id[parent]['question']} {question}"
            parent = by_id[parent].get("follow_up_of")
        out.append(Example(id=str(r.get("id")), question=question, sql=str(r["sql"]), source=src))
    return out


def example_docs(examples: Iterable[Example], catalog: Catalog) -> list[IndexDoc]:
    docs = []
    for ex in examples:
        try:
            tables = tuple(sql_tables(ex.sql, catalog))
        except sqlglot.errors.ParseError:
            log.warning("example %s (%s): SQL does not parse; skipped", ex.id, ex.source)
            continue
        if not tables:
            continue
        docs.append(IndexDoc(id=f"example:{ex.source}:{ex.id}", kind="example",
                             text=f"Question: {ex.question}", tables=tables, source=ex.source, sql=ex.sql))
    return docs


def semantic_docs(catalog: Catalog) -> list[IndexDoc]:
    """Metrics, dimensions and segments from ``schema_catalog.semantic.semantic_documents()``.

    Items are ``(id, text, metadata)`` tuples (metadata: ``kind``, comma-separated ``tables``) or
    mappings/objects with ``id``, ``kind``, ``text`` and ``tables``. The semantic model is optional
    and owned elsewhere: when it is absent or fails to load, the index is built without it (with a
    warning) rather than leaving retrieval unavailable.
    """
    try:
        from schema_catalog.semantic import semantic_documents  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return []
    try:
        items = list(semantic_documents())
    except Exception as err:  # a broken semantic model must not take search down with it
        log.warning("semantic model not indexed: %s", str(err).splitlines()[0])
        return []
    docs = []
    for item in items:
        if isinstance(item, tuple):
            doc_id, text, meta = item
            kind, tables_raw = str(meta.get("kind", "metric")), meta.get("tables", "")
        else:
            get = item.get if isinstance(item, dict) else lambda k, d=None, _i=item: getattr(_i, k, d)
            doc_id, text = str(get("id", "")), str(get("text", ""))
            kind, tables_raw = str(get("kind", "metric")), get("tables", "")
        if isinstance(tables_raw, list | tuple):
            names = [str(t) for t in tables_raw]
        else:
            names = str(tables_raw or "").split(",")
        tables = tuple(t.strip() for t in names if t.strip() and catalog.has_table(t.strip()))
        if not doc_id or kind not in {"metric", "dimension", "segment"}:
            continue
        if ":" not in doc_id:
            doc_id = f"{kind}:{doc_id}"
        docs.append(IndexDoc(id=doc_id, kind=kind, text=str(text), tables=tables,  # type: ignore[arg-type]
                             source="semantic"))
    return docs


def golden_files(golden_dir: Path = GOLDEN_DIR) -> list[Path]:
    return sorted(golden_dir.glob("*.yaml")) if golden_dir.is_dir() else []


def all_documents(catalog: Catalog, *, examples_path: Path | None = EXAMPLES_PATH,
                  golden_dir: Path | None = GOLDEN_DIR, semantic: bool = True) -> list[IndexDoc]:
    """Everything the index holds, in a stable order (ids are unique)."""
    docs = catalog_docs(catalog)
    examples: list[Example] = []
    if examples_path is not None and examples_path.exists():
        examples.extend(read_examples(examples_path))
    for path in golden_files(golden_dir) if golden_dir is not None else []:
        examples.extend(read_examples(path))
    docs.extend(example_docs(examples, catalog))
    if semantic:
        docs.extend(semantic_docs(catalog))
    unique: dict[str, IndexDoc] = {}
    for d in docs:
        unique.setdefault(d.id, d)
    return list(unique.values())


def content_hash(docs: Iterable[IndexDoc], model: str) -> str:
    """sha256 of the embedding model name and every document (id, text, metadata)."""
    h = hashlib.sha256(model.encode())
    for d in docs:
        h.update(json.dumps([d.id, d.text, d.metadata()], sort_keys=True).encode())
    return h.hexdigest()
