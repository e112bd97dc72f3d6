"""Cost of feedback in the state database: the version check every index makes, an approval, the search after.

``python -m app.bench.feedback_state [STATE_URL]`` (default: SQLite in a temporary directory; for MySQL give
an empty database you created). Builds a throw-away catalog index, so it takes a few seconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.engine.feedback import FeedbackStore
from guardrails.principal import ADMIN
from schema_catalog.index import CatalogIndex

SQL = "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main(url: str | None = None) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = url or f"sqlite:///{tmp / 'state.sqlite'}"
    store = FeedbackStore(url)
    for n in range(200):  # a realistic backlog: the version query must not read it all
        store.submit(question=f"backlog question {n}", verdict="right", sql=SQL)
    index = CatalogIndex(tmp / "data", state_url=url, chroma_url=None)
    started = time.perf_counter()
    stats = index.ensure()
    print(f"build: {stats.documents} documents in {_ms(started) / 1000:.1f} s")
    index.search("warm up", 8)
    approve, first_search, warm, checks = [], [], [], []
    for n in range(10):
        question = f"example question number {n} about store openings"
        item = store.submit(question=question, verdict="right", sql=SQL)
        started = time.perf_counter()
        store.decide(item.id, ADMIN, approve=True)
        approve.append(_ms(started))
        started = time.perf_counter()
        hits = index.search(question, 8).hits
        first_search.append(_ms(started))
        if hits[0].doc.id != f"example:feedback:feedback-{item.id}":
            raise SystemExit(f"the approved example was not retrieved first: {hits[0].doc.id}")
        started = time.perf_counter()
        index.search(question, 8)
        warm.append(_ms(started))
    for _ in range(200):
        started = time.perf_counter()
        store.version()
        checks.append(_ms(started))
    p50 = statistics.median
    print(f"version check (approved rows' COUNT, MAX(decided)): p50 {p50(checks):.2f} ms, max {max(checks):.2f} ms")
    print(f"approve (guardrails + UPDATE + re-read + upsert of 1 doc): p50 {p50(approve):.1f} ms")
    print(f"first search after an approval (BM25 rebuilt over {len(index.documents)} docs): "
          f"p50 {p50(first_search):.1f} ms")
    print(f"warm search: p50 {p50(warm):.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
