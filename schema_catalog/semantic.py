"""The semantic model: metrics, dimensions, segments and default filters, defined once as SQL.

``semantic.yaml`` is what people review; this module loads it into typed models and checks every
SQL fragment against the physical schema (``app/dataset/schema.py``) so that a renamed column
fails at load time instead of producing a wrong answer later. The offline engine builds its SQL
from these fragments; the catalog index embeds ``semantic_documents()`` for retrieval.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlglot import exp

from app.dataset.schema import TABLES

SEMANTIC_PATH = Path(__file__).resolve().parent / "semantic.yaml"
LOCAL = "__local__"  # placeholder: the source's time column in local time
TIME = "__time__"  # placeholder: the source's time column as stored

Format = Literal["integer", "money", "decimal", "percent", "seconds", "text"]


class SemanticError(ValueError):
    """The semantic model contradicts itself or the physical schema."""


@cache
def parse_fragment(sql: str) -> exp.Expr:
    """Parse one MySQL SQL fragment (expression or SELECT) once; callers copy before mutating."""
    try:
        return sqlglot.parse_one(sql, read="mysql")
    except sqlglot.errors.ParseError as err:
        raise SemanticError(f"cannot parse SQL fragment {sql!r}: {err}") from err


def fragment(sql: str) -> exp.Expr:
    """A fresh, mutable copy of a parsed fragment."""
    return parse_fragment(sql).copy()


def _listify(v: object) -> object:
    return [v] if isinstance(v, str) else v


class Join(BaseModel):
    """A table (or derived table) a source may join; added only when a fragment uses its alias."""

    model_config = ConfigDict(extra="forbid")

    table: str | None = None
    subquery: str | None = None
    condition: str = Field(description="the ON clause")
    kind: Literal["inner", "left"] = "inner"
    needs: list[str] = Field(default_factory=list, description="aliases that must be joined first")

    @model_validator(mode="after")
    def _one_target(self) -> Join:
        if (self.table is None) == (self.subquery is None):
            raise SemanticError("a join names exactly one of table or subquery")
        return self


class SourceFilter(BaseModel):
    """A default filter: applied unless a metric drops it; its label is shown in the answer."""

    model_config = ConfigDict(extra="forbid")

    id: str
    label: str
    sql: str
    lifted_by: list[str] = Field(default_factory=list,
                                 description="regular expressions over the normalised question that lift it")

    @property
    def removable(self) -> bool:
        return bool(self.lifted_by)


class Source(BaseModel):
    """One fact table with its joins, time column and default filters."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    description: str
    table: str
    alias: str
    time: str | None = None
    time_kind: Literal["utc", "date"] = "utc"
    shop_id: str | None = None
    snapshot: bool = Field(False, description="one row per day per thing: totals use the latest day only")
    joins: dict[str, Join] = Field(default_factory=dict)
    filters: list[SourceFilter] = Field(default_factory=list)

    def filter(self, fid: str) -> SourceFilter | None:
        return next((f for f in self.filters if f.id == fid), None)


class Metric(BaseModel):
    """An aggregate people ask for, with its SQL per source (the first source is the default)."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    label: str
    description: str
    synonyms: list[str] = Field(default_factory=list)
    weak_synonyms: list[str] = Field(default_factory=list,
                                     description="verbs ('made', 'sold') that mean this only when nothing else does")
    replaces: list[str] = Field(default_factory=list, description="metrics this one makes redundant")
    format: Format = "decimal"
    sql: dict[str, str]
    drops: list[str] = Field(default_factory=list, description="default filters this metric lifts")
    where: str | None = Field(None, description="an extra filter this metric always applies")
    percentile: float | None = None
    value: str | None = Field(None, description="row-level value a percentile is taken over")
    ambiguous_with_time: list[str] = Field(default_factory=list,
                                           description="with a period the question may mean these instead")
    alternates: dict[str, str] = Field(default_factory=dict,
                                       description="source -> the metric that means this on that source")

    _listify = field_validator("synonyms", "drops", mode="before")(_listify)

    @property
    def sources(self) -> list[str]:
        return list(self.sql)


class Dimension(BaseModel):
    """A way to group or filter: its value SQL per source, or one time expression for all."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    label: str
    synonyms: list[str] = Field(default_factory=list)
    entity: str | None = Field(None, description="the kind of named value a question can carry")
    sql: str | dict[str, str] | None = None
    key: dict[str, str] = Field(default_factory=dict, description="what filters compare with (default: sql)")
    codes: dict[int, str] = Field(default_factory=dict)
    time: bool = False
    order: str | None = Field(None, description="sort expression when the value does not sort itself")
    pii: str | None = None

    @property
    def sources(self) -> list[str] | None:
        """Sources this dimension exists on (None: every source with a time column)."""
        if self.time:
            return None
        keys = set(self.key) | (set(self.sql) if isinstance(self.sql, dict) else set())
        return sorted(keys)


class Segment(BaseModel):
    """A named boolean filter people say as an adjective: 'iced', 'on weekends'."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    label: str
    synonyms: list[str] = Field(default_factory=list)
    time: bool = False
    dimension: str | None = Field(None, description="'best selling drink': ranking it means ranking these")
    optional_for: list[str] = Field(default_factory=list,
                                    description="sources where the word adds nothing ('how long drinks take')")
    sql: str | dict[str, str]

    @property
    def sources(self) -> list[str] | None:
        return None if isinstance(self.sql, str) else list(self.sql)


class Ambiguity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    options: list[str]


class SemanticModel(BaseModel):
    """The whole model, validated against the physical schema at load."""

    model_config = ConfigDict(extra="forbid")

    version: int
    lifts: dict[str, list[str]] = Field(default_factory=dict)
    timezone: str
    week_start: Literal["monday"] = "monday"
    sources: dict[str, Source]
    metrics: dict[str, Metric]
    dimensions: dict[str, Dimension]
    values: dict[str, dict[Any, list[str]]] = Field(default_factory=dict)
    segments: dict[str, Segment] = Field(default_factory=dict)
    ambiguous: dict[str, Ambiguity] = Field(default_factory=dict)
    tools: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_and_refs(self) -> SemanticModel:
        for group in (self.sources, self.metrics, self.dimensions, self.segments):
            for key, item in group.items():
                item.id = key
        for m in self.metrics.values():
            for src in m.sql:
                if src not in self.sources:
                    raise SemanticError(f"metric {m.id}: unknown source {src!r}")
            for fid in m.drops:
                if not any(s.filter(fid) for s in (self.sources[x] for x in m.sql)):
                    raise SemanticError(f"metric {m.id} drops unknown filter {fid!r}")
            for src, alt in m.alternates.items():
                if src not in self.sources or alt not in self.metrics or src not in self.metrics[alt].sql:
                    raise SemanticError(f"metric {m.id}: bad alternate {src} -> {alt}")
            for r in m.replaces:
                if r not in self.metrics:
                    raise SemanticError(f"metric {m.id} replaces unknown metric {r!r}")
            if (m.percentile is None) != (m.value is None):
                raise SemanticError(f"metric {m.id}: percentile and value go together")
        for d in self.dimensions.values():
            for src in d.sources or []:
                if src not in self.sources:
                    raise SemanticError(f"dimension {d.id}: unknown source {src!r}")
            if d.codes and not d.key:
                raise SemanticError(f"dimension {d.id}: codes need a key column")
        for dim_id in self.values:
            if dim_id not in self.dimensions:
                raise SemanticError(f"values for unknown dimension {dim_id!r}")
        for src_ in self.sources.values():
            for flt in src_.filters:
                for rx in flt.lifted_by:
                    try:
                        re.compile(rx)
                    except re.error as err:
                        raise SemanticError(f"filter {flt.id}: bad lifted_by pattern {rx!r}: {err}") from err
        for seg in self.segments.values():
            if seg.dimension and seg.dimension not in self.dimensions:
                raise SemanticError(f"segment {seg.id}: unknown dimension {seg.dimension!r}")
            for src in seg.sources or []:
                if src not in self.sources:
                    raise SemanticError(f"segment {seg.id}: unknown source {src!r}")
        _check_fragments(self)
        return self

    # ------------------------------------------------------------------ lookups
    def metric(self, mid: str) -> Metric:
        return self.metrics[mid]

    def dimension(self, did: str) -> Dimension:
        return self.dimensions[did]

    def dimension_sources(self, did: str) -> list[str]:
        dim = self.dimensions[did]
        srcs = dim.sources
        return [s for s, src in self.sources.items() if src.time] if srcs is None else srcs

    def segment_sources(self, sid: str) -> list[str]:
        seg = self.segments[sid]
        srcs = seg.sources
        return [s for s, src in self.sources.items() if src.time] if srcs is None else srcs

    def dim_key_sql(self, did: str, source: str) -> str | None:
        """The column a filter on this dimension compares with (codes, ids) on ``source``."""
        dim = self.dimensions[did]
        if source in dim.key:
            return dim.key[source]
        return self.dim_value_sql(did, source)

    def dim_value_sql(self, did: str, source: str) -> str | None:
        """The value shown for this dimension on ``source`` (a CASE over codes when it has them)."""
        dim = self.dimensions[did]
        if dim.time:
            return dim.sql if isinstance(dim.sql, str) and self.sources[source].time else None
        if isinstance(dim.sql, dict) and source in dim.sql:
            return dim.sql[source]
        if dim.codes and source in dim.key:
            whens = " ".join(f"WHEN {code} THEN '{label}'" for code, label in dim.codes.items())
            return f"CASE {dim.key[source]} {whens} ELSE 'Other' END"
        return None

    def segment_sql(self, sid: str, source: str) -> str | None:
        seg = self.segments[sid]
        if isinstance(seg.sql, str):
            return seg.sql if self.sources[source].time else None
        return seg.sql.get(source)

    def code_synonyms(self, did: str) -> dict[Any, list[str]]:
        return self.values.get(did, {})


# ---------------------------------------------------------------------- validation
def _alias_columns(model: SemanticModel, source: Source) -> dict[str, set[str]]:
    """alias -> the columns it exposes (tables from the schema, derived tables from their SELECT)."""
    out: dict[str, set[str]] = {}

    def table_cols(name: str) -> set[str]:
        if name not in TABLES:
            raise SemanticError(f"source {source.id}: unknown table {name}")
        return set(TABLES[name].column_names)

    out[source.alias] = table_cols(source.table)
    for alias, join in source.joins.items():
        if join.table:
            out[alias] = table_cols(join.table)
        else:
            sel = parse_fragment(join.subquery or "")
            if not isinstance(sel, exp.Select):
                raise SemanticError(f"source {source.id}: join {alias} subquery is not a SELECT")
            out[alias] = {e.alias_or_name for e in sel.expressions}
        for need in join.needs:
            if need not in source.joins:
                raise SemanticError(f"source {source.id}: join {alias} needs unknown alias {need}")
    return out


def _check_columns(sql: str, aliases: dict[str, set[str]], where: str) -> None:
    tree = parse_fragment(sql)
    inner_tables: dict[str, set[str]] = {}
    for tbl in tree.find_all(exp.Table):
        qualified = f"{tbl.db}.{tbl.name}" if tbl.db else tbl.name
        if qualified not in TABLES:
            raise SemanticError(f"{where}: unknown table {qualified}")
        cols = set(TABLES[qualified].column_names)
        inner_tables[tbl.alias_or_name] = cols
        inner_tables.setdefault("", set()).update(cols)
    for col in tree.find_all(exp.Column):
        name, qual = col.name, col.table
        if name in (LOCAL, TIME):
            continue
        if qual:
            scope = inner_tables.get(qual) if qual in inner_tables else aliases.get(qual)
            if scope is None:
                raise SemanticError(f"{where}: unknown alias {qual!r} in {sql!r}")
            if name not in scope:
                raise SemanticError(f"{where}: {qual}.{name} does not exist ({sql!r})")
        elif name not in inner_tables.get("", set()) and not _is_output_alias(tree, name):
            raise SemanticError(f"{where}: unqualified column {name!r} in {sql!r}")


def _is_output_alias(tree: exp.Expr, name: str) -> bool:
    return any(a.alias == name for a in tree.find_all(exp.Alias))


def _check_fragments(model: SemanticModel) -> None:
    alias_maps = {sid: _alias_columns(model, src) for sid, src in model.sources.items()}
    for sid, src in model.sources.items():
        amap = alias_maps[sid]
        for col in (src.time, src.shop_id):
            if col:
                _check_columns(col, amap, f"source {sid}")
        for join in src.joins.values():
            _check_columns(join.condition, amap, f"source {sid} join")
            if join.subquery:
                _check_columns(join.subquery, amap, f"source {sid} join subquery")
        for flt in src.filters:
            _check_columns(flt.sql, amap, f"source {sid} filter {flt.id}")
    for m in model.metrics.values():
        for sid, sql in m.sql.items():
            amap = alias_maps[sid]
            if m.percentile is None:
                _check_columns(sql, amap, f"metric {m.id}")
            for extra in (m.where, m.value):
                if extra is not None:
                    _check_columns(extra, amap, f"metric {m.id}")
    for d in model.dimensions.values():
        for sid in model.dimension_sources(d.id):
            for frag in (model.dim_value_sql(d.id, sid), model.dim_key_sql(d.id, sid), d.order):
                if frag:
                    _check_columns(frag, alias_maps[sid], f"dimension {d.id} on {sid}")
    for seg in model.segments.values():
        for sid in model.segment_sources(seg.id):
            seg_sql = model.segment_sql(seg.id, sid)
            if seg_sql:
                _check_columns(seg_sql, alias_maps[sid], f"segment {seg.id} on {sid}")


# ---------------------------------------------------------------------- loading
def load_semantic_model(path: Path | None = None) -> SemanticModel:
    """The semantic model (default: the shipped YAML), parsed and validated once per process."""
    return _load((path or SEMANTIC_PATH).resolve())


@lru_cache(maxsize=4)
def _load(path: Path) -> SemanticModel:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise SemanticError(f"{path.name}: expected a mapping")
    try:
        return SemanticModel.model_validate(raw)
    except SemanticError:
        raise
    except ValueError as err:
        raise SemanticError(f"{path.name}: {err}") from err


# ---------------------------------------------------------------------- retrieval documents
def _source_tables(model: SemanticModel, sid: str) -> list[str]:
    src = model.sources[sid]
    return [src.table] + [j.table for j in src.joins.values() if j.table]


def semantic_documents(model: SemanticModel | None = None) -> list[tuple[str, str, dict[str, str | int]]]:
    """(id, text, metadata) per metric, dimension and segment, for the catalog's Chroma index.

    Metadata values are flat strings (Chroma accepts no lists): ``tables`` is comma-separated.
    """
    m = model or load_semantic_model()
    docs: list[tuple[str, str, dict[str, str | int]]] = []
    for met in m.metrics.values():
        parts = []
        tables: list[str] = []
        for sid, sql in met.sql.items():
            src = m.sources[sid]
            filters = [f.label for f in src.filters if f.id not in met.drops]
            agg = f"{sql} WITHIN GROUP (ORDER BY {met.value})" if met.value else sql
            where = f" WHERE {met.where}" if met.where else ""
            parts.append(f"on {src.table} AS {src.alias}: {agg}{where}"
                         + (f" (default filters: {', '.join(filters)})" if filters else ""))
            tables += _source_tables(m, sid)
        text = (f"Metric {met.label} ({met.id}): {met.description}. Also called: {', '.join(met.synonyms)}. "
                f"SQL {'; '.join(parts)}. Format: {met.format}.")
        docs.append((f"metric:{met.id}", text, {"kind": "metric", "name": met.id,
                                                "tables": ",".join(dict.fromkeys(tables))}))
    for dim in m.dimensions.values():
        tables = []
        exprs = []
        for sid in [] if dim.time else m.dimension_sources(dim.id):
            value = m.dim_value_sql(dim.id, sid)
            if value:
                exprs.append(f"{sid}: {value}")
                tables += _source_tables(m, sid)
        where = "local time of each source's time column" if dim.time else "; ".join(exprs)
        codes = f" Codes: {dim.codes}." if dim.codes else ""
        text = (f"Dimension {dim.label} ({dim.id}): group or filter by {dim.label}. Also called: "
                f"{', '.join(dim.synonyms)}. SQL {where}.{codes}")
        docs.append((f"dimension:{dim.id}", text, {"kind": "dimension", "name": dim.id,
                                                   "tables": ",".join(dict.fromkeys(tables))}))
    for seg in m.segments.values():
        sql = seg.sql if isinstance(seg.sql, str) else "; ".join(f"{k}: {v}" for k, v in seg.sql.items())
        text = f"Filter {seg.label} ({seg.id}): also called {', '.join(seg.synonyms)}. SQL {sql}."
        tables = [] if isinstance(seg.sql, str) else [t for s in seg.sql for t in _source_tables(m, s)]
        docs.append((f"segment:{seg.id}", text, {"kind": "segment", "name": seg.id,
                                                 "tables": ",".join(dict.fromkeys(tables))}))
    return docs


def default_filter_labels(model: SemanticModel, source: str, dropped: set[str] | None = None) -> list[str]:
    """Labels of the default filters a query on ``source`` applies."""
    return [f.label for f in model.sources[source].filters if f.id not in (dropped or set())]
