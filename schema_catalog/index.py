"""Hybrid retrieval over the catalog: Chroma (dense, local MiniLM) + BM25 (lexical), fused by RRF.

Dense vectors find "takings" for a revenue column; BM25 finds ``channel_id`` and "Apple Pay"
verbatim, which small embedding models blur. Reciprocal rank fusion needs no score calibration
between the two. The Chroma collection lives under ``<data_dir>/chroma`` and is rebuilt only when
the content hash (documents + model) changes; BM25 is rebuilt in memory per process (milliseconds).
"""

from __future__ import annotations

import fcntl
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from schema_catalog.documents import EXAMPLES_PATH, GOLDEN_DIR, IndexDoc, all_documents, content_hash
from schema_catalog.embedding import MiniLMEmbedding
from schema_catalog.loader import load_catalog
from schema_catalog.models import Catalog

COLLECTION = "ask_lucky_catalog"
RRF_K = 60  # the constant of Cormack et al.; damps the head of each ranking
CANDIDATES = 60  # how deep each ranker is read before fusion
_KIND_WEIGHT = {"table": 1.0, "column": 0.8, "codes": 0.8, "example": 0.7, "metric": 0.9, "dimension": 0.9,
                "segment": 0.9}
_JOIN_DECAY = 0.5  # a table a retrieved table's key column references inherits this share of its score
_SCOPE_SHARE = 0.9  # ... and a table on its path to the shop table (or the shop table) this share
TABLE_HITS = 20  # documents that vote for tables
EXAMPLE_VOTES = 5  # ... of which at most this many examples

_STOP = {"the", "a", "an", "of", "in", "on", "for", "to", "by", "and", "or", "is", "are", "was", "were", "be",
         "what", "which", "how", "many", "much", "me", "show", "give", "list", "did", "do", "does", "we",
         "our", "us", "with", "at", "from", "per", "each", "this", "that", "it", "its", "as", "all", "any",
         "there", "has", "have", "had", "one", "row"}
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; identifiers split at ``_``/``.``; plural ``s`` folded."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        if tok in _STOP or (len(tok) < 2 and not tok.isdigit()):
            continue
        out.append(tok)
    return out


@dataclass
class Hit:
    """One retrieved document with its fused score and the rank each ranker gave it."""

    doc: IndexDoc
    score: float
    dense_rank: int | None
    lexical_rank: int | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.doc.id, "kind": self.doc.kind, "tables": list(self.doc.tables),
                "column": self.doc.column, "score": round(self.score, 6), "dense_rank": self.dense_rank,
                "lexical_rank": self.lexical_rank, "text": self.doc.text,
                **({"sql": self.doc.sql} if self.doc.sql else {})}


@dataclass
class SearchResult:
    question: str
    hits: list[Hit]
    tables: list[tuple[str, float]]  # ranked qualified tables with scores
    elapsed_ms: float

    def as_json(self, k: int) -> dict[str, Any]:
        return {"question": self.question, "elapsed_ms": round(self.elapsed_ms, 2),
                "items": [h.as_json() for h in self.hits[:k]],
                "tables": [{"table": t, "score": round(s, 6)} for t, s in self.tables[:k]]}


@dataclass
class BuildStats:
    built: bool
    documents: int
    seconds: float
    content_hash: str
    path: str


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class CatalogIndex:
    """The persisted Chroma collection plus an in-memory BM25 over the same documents."""

    def __init__(self, data_dir: Path, *, catalog: Catalog | None = None,
                 examples_path: Path | None = EXAMPLES_PATH, golden_dir: Path | None = GOLDEN_DIR,
                 semantic: bool = True) -> None:
        self.path = Path(data_dir) / "chroma"
        self.semantic = semantic
        self.catalog = catalog or load_catalog()
        self.examples_path = examples_path
        self.golden_dir = golden_dir
        self.embedding = MiniLMEmbedding()
        self._collection: Any = None

    # ------------------------------------------------------------------ contents
    @cached_property
    def documents(self) -> list[IndexDoc]:
        return all_documents(self.catalog, examples_path=self.examples_path, golden_dir=self.golden_dir,
                             semantic=self.semantic)

    @cached_property
    def by_id(self) -> dict[str, IndexDoc]:
        return {d.id: d for d in self.documents}

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.documents, self.embedding.name())

    @cached_property
    def _bm25(self) -> bm25s.BM25:
        model = bm25s.BM25()
        model.index([tokens(d.text) or ["_empty_"] for d in self.documents], show_progress=False)
        return model

    # ------------------------------------------------------------------ Chroma
    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.PersistentClient(path=str(self.path),
                                         settings=ChromaSettings(anonymized_telemetry=False))

    def ensure(self, *, force: bool = False) -> BuildStats:
        """Open the collection, (re)building it when missing, stale or ``force``d."""
        started = time.perf_counter()
        with _file_lock(self.path.parent / ".chroma.lock"):
            client = self._client()
            existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
            if COLLECTION in existing and not force:
                coll = client.get_collection(COLLECTION, embedding_function=self.embedding)
                if (coll.metadata or {}).get("content_hash") == self.content_hash and coll.count() == len(
                        self.documents):
                    self._collection = coll
                    return BuildStats(False, len(self.documents), time.perf_counter() - started,
                                      self.content_hash, str(self.path))
            if COLLECTION in existing:
                client.delete_collection(COLLECTION)
            coll = client.create_collection(
                COLLECTION, embedding_function=self.embedding,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"content_hash": self.content_hash, "model": self.embedding.name()})
            docs = self.documents
            for start in range(0, len(docs), 256):
                batch = docs[start:start + 256]
                coll.add(ids=[d.id for d in batch], documents=[d.text for d in batch],
                         metadatas=[d.metadata() for d in batch])
            seconds = time.perf_counter() - started
            coll.modify(metadata={**(coll.metadata or {}), "build_seconds": round(seconds, 3)})
            self._collection = coll
        return BuildStats(True, len(docs), seconds, self.content_hash, str(self.path))

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self.ensure()
        return self._collection

    # ------------------------------------------------------------------ search
    def dense(self, question: str, n: int, exclude_sources: Iterable[str] = ()) -> list[str]:
        from chromadb.errors import NotFoundError

        excluded = sorted(set(exclude_sources))
        where = {"source": {"$nin": excluded}} if excluded else None
        try:
            res = self.collection.query(query_texts=[question], n_results=min(n, len(self.documents)),
                                        where=where, include=["distances"])
        except NotFoundError:  # another process rebuilt the collection under us: reopen it once
            self._collection = None
            res = self.collection.query(query_texts=[question], n_results=min(n, len(self.documents)),
                                        where=where, include=["distances"])
        return [i for i in res["ids"][0] if i in self.by_id]

    def lexical(self, question: str, n: int, exclude_sources: Iterable[str] = ()) -> list[str]:
        q = tokens(question)
        if not q:
            return []
        scores = self._bm25.get_scores(q)
        excluded = set(exclude_sources)
        order = np.argsort(-scores, kind="stable")
        out: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            doc = self.documents[int(i)]
            if doc.source not in excluded:
                out.append(doc.id)
        return out

    def search(self, question: str, k: int = 8, *, exclude_sources: Iterable[str] = ()) -> SearchResult:
        """Fused ranking of documents and of the tables they point to."""
        started = time.perf_counter()
        excluded = tuple(exclude_sources)
        dense = self.dense(question, CANDIDATES, excluded)
        lexical = self.lexical(question, CANDIDATES, excluded)
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, doc_id in enumerate(ranking, start=1):
                fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
        d_rank = {d: i for i, d in enumerate(dense, start=1)}
        l_rank = {d: i for i, d in enumerate(lexical, start=1)}
        hits = [Hit(self.by_id[d], s, d_rank.get(d), l_rank.get(d))
                for d, s in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))]
        tables = self.rank_tables(hits)
        return SearchResult(question, hits, tables, (time.perf_counter() - started) * 1000)

    def rank_tables(self, hits: list[Hit]) -> list[tuple[str, float]]:
        """Tables scored by the documents that point at them, then by the keys those tables need.

        A table's score is its best document's weighted score plus a tenth of the rest, over the
        top ``TABLE_HITS`` documents (so many weak column matches do not beat one strong table
        match), of which at most ``EXAMPLE_VOTES`` examples (hundreds of order questions would
        otherwise outvote the schema for anything phrased like them). Then two kinds of neighbours
        are pulled in: the tables on a retrieved table's path to its shop and the shop table itself
        get ``_SCOPE_SHARE`` of its score (the default filters - completed, USD, no test shops - live
        there), and any other table a key column references gets ``_JOIN_DECAY`` (payments need the
        payment-channel names).
        """
        per: dict[str, list[float]] = {}
        examples = votes = 0
        for h in hits:
            if h.doc.kind == "example":
                examples += 1
                if examples > EXAMPLE_VOTES:
                    continue
            votes += 1
            if votes > TABLE_HITS:
                break
            w = _KIND_WEIGHT.get(h.doc.kind, 1.0) * h.score
            for t in h.doc.tables:
                per.setdefault(t, []).append(w)
        direct = {t: max(v) + 0.1 * (sum(v) - max(v)) for t, v in per.items()}
        score = dict(direct)

        def lift(target: str, value: float) -> None:
            if self.catalog.has_table(target) and value > score.get(target, 0.0):
                score[target] = value

        shop_tables = [t.qualified for t in self.catalog.iter_tables()
                       if t.shop_key is not None and t.shop_key in t.primary_key]
        for t, s in direct.items():
            path = self.catalog.shop_path(t)
            if path is not None:
                for _col, ref in path:
                    lift(ref.rsplit(".", 1)[0], _SCOPE_SHARE * s)
                for shop in shop_tables:
                    if shop != t:
                        lift(shop, _SCOPE_SHARE * s)
            for col in self.catalog.table(t).columns:
                for ref in col.references:
                    lift(ref.rsplit(".", 1)[0], _JOIN_DECAY * s)
        return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))


_indexes: dict[str, CatalogIndex] = {}


def get_index(data_dir: Path) -> CatalogIndex:
    """One index object per data dir and process (BM25 and the Chroma client are reused)."""
    key = str(Path(data_dir).resolve())
    if key not in _indexes:
        _indexes[key] = CatalogIndex(data_dir)
    return _indexes[key]
