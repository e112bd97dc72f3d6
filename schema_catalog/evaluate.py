"""Retrieval quality, measured: are the tables each gold SQL reads among the top-k retrieved?

A suite's own examples are excluded from the index while it is scored (leave-suite-out), or
every question would simply retrieve itself. recall@k is the share of a case's gold tables found
in the top k tables, averaged over cases; MRR uses the rank of the first gold table; "complete"
counts the cases whose gold tables are all in the top k (what an SQL writer needs).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schema_catalog.documents import (
    EXAMPLES_PATH,
    FEEDBACK_SOURCE,
    Example,
    golden_files,
    read_examples,
    sql_tables,
)
from schema_catalog.index import CatalogIndex, get_index


@dataclass
class CaseScore:
    id: str
    source: str
    question: str
    gold: list[str]
    retrieved: list[str]
    recall: float
    reciprocal_rank: float
    missing: list[str]


@dataclass
class EvalReport:
    k: int
    suites: list[str]
    cases: list[CaseScore] = field(default_factory=list)
    index_documents: int = 0
    index_build_s: float | None = None
    index_built_now: bool = False
    latencies_ms: list[float] = field(default_factory=list)
    first_query_ms: float = 0.0

    @property
    def recall(self) -> float:
        return statistics.fmean(c.recall for c in self.cases) if self.cases else 0.0

    @property
    def mrr(self) -> float:
        return statistics.fmean(c.reciprocal_rank for c in self.cases) if self.cases else 0.0

    @property
    def complete(self) -> float:
        return statistics.fmean(1.0 if not c.missing else 0.0 for c in self.cases) if self.cases else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95_ms(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_json(self) -> dict[str, Any]:
        return {
            "k": self.k, "suites": self.suites, "cases": len(self.cases),
            f"recall@{self.k}": round(self.recall, 4), "mrr": round(self.mrr, 4),
            f"complete@{self.k}": round(self.complete, 4),
            "index_documents": self.index_documents,
            "index_build_s": None if self.index_build_s is None else round(self.index_build_s, 2),
            "index_built_now": self.index_built_now,
            "search_p50_ms": round(self.p50_ms, 2), "search_p95_ms": round(self.p95_ms, 2),
            "first_query_ms": round(self.first_query_ms, 1),
            "misses": [{"id": c.id, "source": c.source, "question": c.question, "gold": c.gold,
                        "missing": c.missing, "retrieved": c.retrieved} for c in self.cases if c.missing],
        }


def default_suites() -> list[Path]:
    """The golden suites when they exist, else the catalog's own examples."""
    return golden_files() or [EXAMPLES_PATH]


def held_out_sources(index: CatalogIndex) -> list[str]:
    """Sources no evaluated question may be helped by: every golden suite (one suite's paraphrases of
    another's questions would inflate recall) and approved feedback (which may copy a golden case)."""
    return sorted({d.source for d in index.documents if d.source.startswith("golden")} | {FEEDBACK_SOURCE})


def score_case(index: CatalogIndex, ex: Example, k: int,
               excluded: list[str] | None = None) -> tuple[CaseScore, float]:
    gold = sql_tables(ex.sql, index.catalog)
    result = index.search(ex.question, k, exclude_sources=sorted({ex.source, *(excluded or [FEEDBACK_SOURCE])}))
    ranked = [t for t, _ in result.tables]
    top = ranked[:k]
    missing = [t for t in gold if t not in top]
    ranks = [ranked.index(t) + 1 for t in gold if t in ranked]
    rr = 1.0 / min(ranks) if ranks else 0.0
    recall = (len(gold) - len(missing)) / len(gold) if gold else 1.0
    return CaseScore(ex.id, ex.source, ex.question, gold, top, recall, rr, missing), result.elapsed_ms


def evaluate(data_dir: Path, *, suites: list[Path] | None = None, k: int = 8,
             index: CatalogIndex | None = None) -> EvalReport:
    paths = suites or default_suites()
    idx = index or get_index(data_dir)
    stats = idx.ensure()
    report = EvalReport(k=k, suites=[str(p) for p in paths], index_documents=stats.documents,
                        index_built_now=stats.built)
    meta = idx.collection.metadata or {}
    report.index_build_s = stats.seconds if stats.built else meta.get("build_seconds")
    started = time.perf_counter()
    idx.search("warm-up: orders yesterday", k)  # loads the ONNX session and BM25 once
    report.first_query_ms = (time.perf_counter() - started) * 1000
    excluded = held_out_sources(idx)
    for path in paths:
        for ex in read_examples(path):
            if not sql_tables(ex.sql, idx.catalog):
                continue
            case, ms = score_case(idx, ex, k, excluded)
            report.cases.append(case)
            report.latencies_ms.append(ms)
    return report


def render(report: EvalReport) -> None:
    from app.commands.common import console

    data = report.as_json()
    for miss in data["misses"]:
        console.print(f"[yellow]miss[/yellow] {miss['id']}: {miss['question']}\n"
                      f"     missing {', '.join(miss['missing'])}; top: {', '.join(miss['retrieved'])}",
                      highlight=False)
    console.print(f"suites: {', '.join(report.suites)}", highlight=False)
    console.print(f"cases {len(report.cases)}  recall@{report.k} {report.recall:.4f}  MRR {report.mrr:.4f}  "
                  f"complete@{report.k} {report.complete:.4f}")
    build = "n/a" if report.index_build_s is None else f"{report.index_build_s:.2f} s"
    console.print(f"index: {report.index_documents} documents, build {build}"
                  f"{' (built now)' if report.index_built_now else ''}; search p50 {report.p50_ms:.1f} ms, "
                  f"p95 {report.p95_ms:.1f} ms, first query {report.first_query_ms:.0f} ms")
