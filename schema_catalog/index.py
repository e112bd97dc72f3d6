"""Hybrid retrieval over the catalog: Chroma (dense, local MiniLM) + BM25 (lexical), fused by RRF.

Dense vectors find "takings" for a revenue column; BM25 finds ``channel_id`` and "Apple Pay"
verbatim, which small embedding models blur. Reciprocal rank fusion needs no score calibration
between the two. The Chroma collection lives under ``<data_dir>/chroma`` (or on a Chroma server when
``LUCKY_CHROMA_URL`` is set) and is rebuilt only when the content hash (documents + model) changes;
BM25 is rebuilt in memory per process (milliseconds).

Admin-approved feedback examples (the ``feedback`` table of the state database, shared by every
replica) are not part of the content hash. An approval tells the indexes of its own process at once;
every index also asks the state database for the approved rows' version (count, last decision) at
most once every ``FEEDBACK_CHECK_S`` seconds, and when it changed re-reads them, rebuilds BM25 and
upserts just the new or changed example documents into Chroma - so an approval made on another
replica is retrievable within that delay, without re-embedding the catalog. Only documents read in
the current view are ever returned, so an example no longer approved stops being retrieved even
where its vector lingers in a shared collection. Without a reachable state database the index
works as before, with no feedback examples.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import re
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import bm25s
import numpy as np

from schema_catalog.documents import (
    EXAMPLES_PATH,
    FEEDBACK_SOURCE,
    GOLDEN_DIR,
    IndexDoc,
    all_documents,
    content_hash,
    example_docs,
)
from schema_catalog.embedding import MiniLMEmbedding
from schema_catalog.loader import load_catalog
from schema_catalog.models import Catalog

log = logging.getLogger(__name__)

COLLECTION = "ask_lucky_catalog"
RRF_K = 60  # the constant of Cormack et al.; damps the head of each ranking
CANDIDATES = 60  # how deep each ranker is read before fusion
_KIND_WEIGHT = {"table": 1.0, "column": 0.8, "codes": 0.8, "example": 0.7, "metric": 0.9, "dimension": 0.9,
                "segment": 0.9}
_JOIN_DECAY = 0.5  # a table a retrieved table's key column references inherits this share of its score
_SCOPE_SHARE = 0.9  # ... and a table on its path to the shop table (or the shop table) this share
TABLE_HITS = 20  # documents that vote for tables
EXAMPLE_VOTES = 5  # ... of which at most this many examples
FEEDBACK_CHECK_S = 5.0
"""How often, at most, an index asks the state database whether approved examples changed: the delay
before an approval made in another process or replica is retrieved (its own process: at once)."""
FEEDBACK_RETRY_S = 60.0
"""How long an index waits before trying again after the state database could not be read."""
_clock = time.monotonic  # what the checks are timed by (tests replace it)

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


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


class _From(enum.Enum):
    SETTINGS = "settings"


FROM_SETTINGS = _From.SETTINGS
"""Default of ``state_url`` and ``chroma_url``: taken from ``app.settings.get_settings()``, so an index
built without arguments (``get_index``) sees what the service is configured with."""


def chroma_client(url: str | None, path: Path) -> Any:
    """An ``HttpClient`` for a Chroma server at ``url`` (``http[s]://host[:port]``), else a ``PersistentClient``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if not url:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parts = urlsplit(url if "//" in url else f"http://{url}")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"The Chroma URL must look like http://host:8000, not {url!r}.")
    ssl = parts.scheme == "https"
    return chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if ssl else 8000), ssl=ssl,
                               settings=settings)


@dataclass
class _View:
    """The documents one search sees: the catalog's, plus the approved examples read at version ``signature``.

    Searches take one view and use it throughout, so BM25 positions and documents always agree
    even while another thread swaps in a newer view.
    """

    documents: list[IndexDoc]
    feedback: list[IndexDoc]
    signature: tuple[int, str | None] | None
    by_id: dict[str, IndexDoc] = field(init=False)
    vectors_in: Any = field(default=None, compare=False)  # the collection its feedback was upserted into

    def __post_init__(self) -> None:
        self.by_id = {d.id: d for d in self.documents}

    @cached_property
    def bm25(self) -> bm25s.BM25:
        model = bm25s.BM25()
        model.index([tokens(d.text) or ["_empty_"] for d in self.documents], show_progress=False)
        return model


_live: weakref.WeakSet[CatalogIndex] = weakref.WeakSet()


class CatalogIndex:
    """The Chroma collection (embedded or on a server) plus an in-memory BM25 over the same documents."""

    def __init__(self, data_dir: Path, *, catalog: Catalog | None = None,
                 examples_path: Path | None = EXAMPLES_PATH, golden_dir: Path | None = GOLDEN_DIR,
                 semantic: bool = True, state_url: str | _From | None = FROM_SETTINGS,
                 chroma_url: str | _From | None = FROM_SETTINGS) -> None:
        if isinstance(state_url, _From) or isinstance(chroma_url, _From):
            from app.settings import get_settings

            settings = get_settings()
            if isinstance(state_url, _From):
                state_url = settings.state_database_url
            if isinstance(chroma_url, _From):
                chroma_url = settings.chroma_url
        self.path = Path(data_dir) / "chroma"
        self.chroma_url = chroma_url if isinstance(chroma_url, str) and chroma_url else None
        self.semantic = semantic
        self.catalog = catalog or load_catalog()
        self.examples_path = examples_path
        self.golden_dir = golden_dir
        self.state_url = state_url if isinstance(state_url, str) and state_url else None
        self.embedding = MiniLMEmbedding()
        self._collection: Any = None
        self._view: _View | None = None
        self._lock = threading.RLock()
        self._view_lock = threading.Lock()  # taken by one thread re-reading the examples, never during a build
        self._next_check = 0.0  # _clock() from which the approved examples' version is asked again
        self._failing = False
        self._upserted: dict[str, tuple[str, str]] = {}  # feedback doc id -> (text, sql) known to be in Chroma
        _live.add(self)

    @property
    def location(self) -> str:
        """Where the vectors live: the server's URL or the local directory."""
        return self.chroma_url or str(self.path)

    # ------------------------------------------------------------------ contents
    @cached_property
    def base_documents(self) -> list[IndexDoc]:
        """Catalog, curated and golden examples, semantic model: what the content hash covers."""
        return all_documents(self.catalog, examples_path=self.examples_path, golden_dir=self.golden_dir,
                             semantic=self.semantic)

    @property
    def documents(self) -> list[IndexDoc]:
        """Every retrievable document: the base ones, then the approved feedback examples."""
        return self.view().documents

    @property
    def by_id(self) -> dict[str, IndexDoc]:
        return self.view().by_id

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.base_documents, self.embedding.name())

    @property
    def _bm25(self) -> bm25s.BM25:
        return self.view().bm25

    def _due(self) -> bool:
        return self.state_url is not None and _clock() >= self._next_check

    def view(self, *, fresh: bool = False) -> _View:
        """The current documents; the approved examples' version is checked once every ``FEEDBACK_CHECK_S``.

        Only the first view (or a ``fresh`` one) waits for the state database; when a check is due,
        one thread does it while the others keep searching the current view.
        """
        current = self._view
        if current is not None and not fresh and not self._due():
            return current
        if not self._view_lock.acquire(blocking=current is None or fresh):
            assert current is not None
            return current
        try:
            current = self._view
            if current is None or fresh or self._due():
                current = self._view = self._refresh(current)
            return current
        finally:
            self._view_lock.release()

    def _refresh(self, previous: _View | None) -> _View:
        """Re-read the approved examples if their version changed; on any failure keep the last ones."""
        base = self.base_documents
        if self.state_url is None:
            return previous or _View(base, [], None)
        from app.engine.feedback import FeedbackStore

        store = FeedbackStore(self.state_url)
        self._next_check = _clock() + FEEDBACK_CHECK_S
        try:
            version = store.version()
            if previous is not None and previous.signature == version:
                self._failing = False
                return previous
            feedback = example_docs(store.examples(), self.catalog)
        except Exception as err:  # an unreachable state database must not take search down
            self._next_check = _clock() + FEEDBACK_RETRY_S
            if not self._failing:
                log.warning("approved feedback examples not read from the state database (retrying every %.0f s):"
                            " %s", FEEDBACK_RETRY_S, str(err).splitlines()[0] if str(err) else type(err).__name__)
            self._failing = True
            return previous or _View(base, [], None)
        self._failing = False
        taken = {d.id for d in base}
        unique: list[IndexDoc] = []
        for d in feedback:
            if d.id not in taken:
                taken.add(d.id)
                unique.append(d)
        return _View(base + unique, unique, version)

    def sync_feedback(self) -> int:
        """Re-read the approved examples now and upsert new or changed ones into an open collection.

        Called after an approval in this process; searches do it by themselves when the version
        changed. Returns how many documents were sent to Chroma (0 when nothing changed or the index
        is not open yet: opening it upserts them then).
        """
        view = self.view(fresh=True)
        return self._sync_vectors(view) if self._collection is not None else 0

    def _sync_vectors(self, view: _View) -> int:
        """Upsert the view's feedback documents this process has not yet sent to the open collection.

        Tracked per process on purpose: an embedded Chroma opened by two processes does not show one
        process the vectors the other added, so each serving process upserts what it reads itself.
        """
        coll = self._collection
        if coll is None or view.vectors_in is coll:
            return 0
        with self._lock:
            todo = [d for d in view.feedback if self._upserted.get(d.id) != (d.text, d.sql or "")]
            if todo:
                coll.upsert(ids=[d.id for d in todo], documents=[d.text for d in todo],
                            metadatas=[d.metadata() for d in todo])
                self._upserted.update({d.id: (d.text, d.sql or "") for d in todo})
            view.vectors_in = coll
            return len(todo)

    def _sync_vectors_or_log(self, view: _View) -> None:
        try:
            self._sync_vectors(view)
        except Exception:  # BM25 still finds the example; the next search retries the upsert
            log.warning("approved examples not yet in the vector index at %s", self.location, exc_info=True)

    # ------------------------------------------------------------------ Chroma
    def _client(self) -> Any:
        return chroma_client(self.chroma_url, self.path)

    def _stored_feedback(self, coll: Any) -> dict[str, tuple[str, str]]:
        got = coll.get(where={"source": FEEDBACK_SOURCE}, include=["documents", "metadatas"])
        docs = got.get("documents") or [""] * len(got["ids"])
        metas = got.get("metadatas") or [{}] * len(got["ids"])
        return {i: (str(d or ""), str((m or {}).get("sql", ""))) for i, d, m in zip(got["ids"], docs, metas,
                                                                                    strict=False)}

    def ensure(self, *, force: bool = False) -> BuildStats:
        """Open the collection, (re)building it when missing, stale or ``force``d; then add approved examples.

        A local index is guarded by a file lock; several replicas sharing a Chroma server should build
        it once (``lucky catalog index``) before they start, as each checks the content hash on open.
        """
        started = time.perf_counter()
        base = self.base_documents
        lock = _no_lock() if self.chroma_url else _file_lock(self.path.parent / ".chroma.lock")
        with lock, self._lock:
            client = self._client()
            existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
            if COLLECTION in existing and not force:
                coll = client.get_collection(COLLECTION, embedding_function=self.embedding)
                if (coll.metadata or {}).get("content_hash") == self.content_hash:
                    stored = self._stored_feedback(coll)
                    if coll.count() - len(stored) == len(base):
                        self._collection, self._upserted = coll, stored
                        self._sync_vectors_or_log(self.view())
                        return BuildStats(False, len(self.documents), time.perf_counter() - started,
                                          self.content_hash, self.location)
            if COLLECTION in existing:
                client.delete_collection(COLLECTION)
            coll = client.create_collection(
                COLLECTION, embedding_function=self.embedding,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"content_hash": self.content_hash, "model": self.embedding.name()})
            for start in range(0, len(base), 256):
                batch = base[start:start + 256]
                coll.add(ids=[d.id for d in batch], documents=[d.text for d in batch],
                         metadatas=[d.metadata() for d in batch])
            seconds = time.perf_counter() - started
            coll.modify(metadata={**(coll.metadata or {}), "build_seconds": round(seconds, 3)})
            self._collection, self._upserted = coll, {}
            self._sync_vectors_or_log(self.view())
        return BuildStats(True, len(self.documents), seconds, self.content_hash, self.location)

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self.ensure()
        return self._collection

    # ------------------------------------------------------------------ search
    def dense(self, question: str, n: int, exclude_sources: Iterable[str] = (), *,
              view: _View | None = None) -> list[str]:
        from chromadb.errors import NotFoundError

        view = view or self.view()
        excluded = sorted(set(exclude_sources))
        where = {"source": {"$nin": excluded}} if excluded else None
        coll = self.collection
        if view.feedback:
            self._sync_vectors_or_log(view)
        try:
            res = coll.query(query_texts=[question], n_results=min(n, len(view.documents)), where=where,
                             include=["distances"])
        except NotFoundError:  # another process rebuilt the collection under us: reopen it once
            self._collection = None
            res = self.collection.query(query_texts=[question], n_results=min(n, len(view.documents)),
                                        where=where, include=["distances"])
        # only documents of the current view: a rejected, removed or foreign example never comes back
        return [i for i in res["ids"][0] if i in view.by_id]

    def lexical(self, question: str, n: int, exclude_sources: Iterable[str] = (), *,
                view: _View | None = None) -> list[str]:
        view = view or self.view()
        q = tokens(question)
        if not q:
            return []
        scores = view.bm25.get_scores(q)
        excluded = set(exclude_sources)
        order = np.argsort(-scores, kind="stable")
        out: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            doc = view.documents[int(i)]
            if doc.source not in excluded:
                out.append(doc.id)
        return out

    def search(self, question: str, k: int = 8, *, exclude_sources: Iterable[str] = ()) -> SearchResult:
        """Fused ranking of documents and of the tables they point to."""
        started = time.perf_counter()
        view = self.view()
        excluded = tuple(exclude_sources)
        dense = self.dense(question, CANDIDATES, excluded, view=view)
        lexical = self.lexical(question, CANDIDATES, excluded, view=view)
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, doc_id in enumerate(ranking, start=1):
                fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
        d_rank = {d: i for i, d in enumerate(dense, start=1)}
        l_rank = {d: i for i, d in enumerate(lexical, start=1)}
        hits = [Hit(view.by_id[d], s, d_rank.get(d), l_rank.get(d))
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


def feedback_changed(state_url: str) -> int:
    """Tell every index of this process that reads ``state_url`` to re-read the approved examples now.

    The approval path calls this so the example is searchable on the very next request; indexes in
    other processes notice the change within ``FEEDBACK_CHECK_S``. Returns the documents upserted.
    """
    sent = 0
    for index in list(_live):
        if index.state_url == state_url:
            try:
                sent += index.sync_feedback()
            except Exception:  # the example stays approved; the next search retries the upsert
                log.warning("could not upsert approved examples into %s", index.location, exc_info=True)
    return sent
