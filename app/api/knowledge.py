"""Catalog search for the knowledge endpoint, available even while the semantic index is missing.

Building the Chroma index takes half a minute or more (every catalog document is embedded), longer
than Dify waits for a knowledge call, and a broken index must not take the endpoint down with it.
So the index is opened - or built, if missing - in a background thread; until it is ready (or if it
fails) search falls back to the keyword (BM25) ranking over the same documents, and says so.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("lucky.knowledge")

WAIT_S = 2.0
"""How long a request waits for the index to open before answering from keywords."""

_builders: dict[str, threading.Thread] = {}
_failures: dict[str, str] = {}
_lock = threading.Lock()


@dataclass
class Found:
    doc: Any
    score: float


def _open(index: Any, key: str) -> None:
    try:
        index.ensure()
        _failures.pop(key, None)
    except Exception as err:  # reported by status(); the next request tries again
        _failures[key] = f"{type(err).__name__}: {err}"
        log.exception("the catalog index could not be opened or built")


def _ready(index: Any) -> bool:
    # CatalogIndex keeps the opened collection here; opening it never happens on the request thread.
    return getattr(index, "_collection", None) is not None


def semantic_ready(data_dir: Path, wait_s: float = WAIT_S) -> bool:
    """True once the index is open in this process; starts opening (or building) it if nobody is."""
    from schema_catalog.index import get_index

    index = get_index(data_dir)
    if _ready(index):
        return True
    key = str(Path(data_dir).resolve())
    with _lock:
        thread = _builders.get(key)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_open, args=(index, key), name="catalog-index", daemon=True)
            _builders[key] = thread
            thread.start()
    thread.join(wait_s)
    return _ready(index)


def status(data_dir: Path) -> dict[str, Any]:
    """For /readyz: is the index on disk, open in this process, being built, or failing?"""
    from schema_catalog.index import get_index

    key = str(Path(data_dir).resolve())
    present = get_index(data_dir).chroma_url is not None or (Path(data_dir) / "chroma").exists()
    thread = _builders.get(key)
    out: dict[str, Any] = {"ok": True, "present": present, "open": _ready(get_index(data_dir)),
                           "building": bool(thread and thread.is_alive())}
    if key in _failures:
        out["error"] = f"the semantic index failed: {_failures[key]}; catalog search uses keywords only"
    elif not present:
        out["note"] = ("retrieval index not built: catalog search uses keywords until it is (built in the "
                       "background on first use, or run `lucky catalog index`)")
    return out


def search(data_dir: Path, query: str, k: int) -> tuple[list[Found], str]:
    """The top ``k`` documents and how they were found ("hybrid" or "keywords")."""
    from schema_catalog.index import get_index

    index = get_index(data_dir)
    if semantic_ready(data_dir):
        try:
            return [Found(h.doc, h.score) for h in index.search(query, k=k).hits[:k]], "hybrid"
        except Exception:
            log.exception("semantic catalog search failed; answering from keywords")
    ids = index.lexical(query, k)
    # reciprocal-rank scores, as the hybrid ranking gives, so score thresholds mean the same
    return [Found(index.by_id[i], 1.0 / (60 + rank)) for rank, i in enumerate(ids, start=1)], "keywords"
