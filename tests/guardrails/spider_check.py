"""False-block check on the Spider training corpus (8,563 human-written SELECTs over 144 SQLite databases).

For each statement: build a policy by introspecting its SQLite file, check it with ``read="sqlite"``,
``target="sqlite"``; it must be allowed, and the rewritten statement must return the same rows as the
original on SQLite (as multisets, or in order when the query orders its result; up to the row cap).

Run everything and print the pass rate and the bug list::

    .venv/bin/python -m tests.guardrails.spider_check            # all 8,563
    .venv/bin/python -m tests.guardrails.spider_check --sample 800 --json

``tests/guardrails/test_spider.py`` runs a deterministic sample of it.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlglot

from guardrails import ANALYST, check
from guardrails.policy import CatalogPolicy, policy_from_sqlalchemy

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "spider-train"
ROW_CAP = 5000


@dataclass
class Outcome:
    index: int
    db_id: str
    sql: str
    status: str  # pass | blocked | rewrite_error | rows_differ | upstream_error
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> Counter[str]:
        return Counter(o.status for o in self.outcomes)

    @property
    def judged(self) -> int:
        """Statements whose original runs (upstream errors are reported, not judged)."""
        return sum(1 for o in self.outcomes if o.status != "upstream_error")

    @property
    def pass_rate(self) -> float:
        return self.counts["pass"] / self.judged if self.judged else 1.0

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status not in {"pass", "upstream_error"}]


def load_gold(corpus: Path = CORPUS) -> list[dict[str, str]]:
    with (corpus / "gold.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@lru_cache(maxsize=256)
def policy_for(db_id: str, corpus: Path = CORPUS) -> CatalogPolicy:
    return policy_from_sqlalchemy(f"sqlite:///{corpus / 'database' / f'{db_id}.sqlite'}", name=f"spider:{db_id}")


@lru_cache(maxsize=8)
def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    return conn


def _run(conn: sqlite3.Connection, sql: str, budget_s: float = 20.0) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + budget_s
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.set_progress_handler(None, 0)


def _ordered(sql: str) -> bool:
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return False
    return tree.args.get("order") is not None


def same_rows(original: list[tuple[Any, ...]], rewritten: list[tuple[Any, ...]], ordered: bool,
              cap: int = ROW_CAP) -> str:
    """'' when the rewrite returns the same rows (up to the cap), else why not."""
    if len(original) > cap:
        if len(rewritten) != cap + 1:
            return f"original has {len(original)} rows; rewrite returned {len(rewritten)}, expected {cap + 1}"
        if ordered:
            return "" if rewritten == original[: cap + 1] else "first rows differ"
        missing = Counter(rewritten) - Counter(original)
        return "" if not missing else f"{sum(missing.values())} rows not in the original"
    if ordered and rewritten != original:
        if Counter(rewritten) == Counter(original):
            return "same rows, different order"
        return "rows differ"
    if Counter(rewritten) != Counter(original):
        return f"rows differ ({len(original)} vs {len(rewritten)})"
    return ""


def check_one(index: int, db_id: str, sql: str, corpus: Path = CORPUS) -> Outcome:
    path = str(corpus / "database" / f"{db_id}.sqlite")
    conn = _connect(path)
    verdict = check(sql, ANALYST, "sqlite", read="sqlite", policy=policy_for(db_id, corpus), row_cap=ROW_CAP)
    try:
        original = _run(conn, sql)
    except sqlite3.Error as err:
        guard = "allowed" if verdict.allowed else f"refused ({verdict.code}: {verdict.reason})"
        return Outcome(index, db_id, sql, "upstream_error", f"fails on its own database: {err}; the guard: {guard}")
    if not verdict.allowed:
        return Outcome(index, db_id, sql, "blocked", f"{verdict.code}: {verdict.reason}")
    assert verdict.sql is not None
    try:
        rewritten = _run(conn, verdict.sql)
    except sqlite3.Error as err:
        return Outcome(index, db_id, sql, "rewrite_error", f"{err} in: {verdict.sql}")
    why = same_rows(original, rewritten, _ordered(sql))
    if why:
        return Outcome(index, db_id, sql, "rows_differ", f"{why}; rewrite: {verdict.sql}")
    return Outcome(index, db_id, sql, "pass")


def sample_indices(total: int, n: int, seed: int = 20260214) -> list[int]:
    if n >= total:
        return list(range(total))
    return sorted(random.Random(seed).sample(range(total), n))


def run(indices: Iterable[int] | None = None, corpus: Path = CORPUS) -> Report:
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    gold = load_gold(corpus)
    chosen = list(indices) if indices is not None else list(range(len(gold)))
    report = Report()
    start = time.perf_counter()
    for i in chosen:
        row = gold[i]
        report.outcomes.append(check_one(i, row["db_id"], row["sql"], corpus))
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="check a deterministic sample of N statements")
    parser.add_argument("--json", action="store_true", help="print the summary and bug list as JSON")
    args = parser.parse_args(argv)
    total = len(load_gold())
    report = run(sample_indices(total, args.sample) if args.sample else None)
    upstream = [o for o in report.outcomes if o.status == "upstream_error"]
    fails = report.failures()
    summary = {"statements": len(report.outcomes), "judged": report.judged, "passed": report.counts["pass"],
               "pass_rate": round(report.pass_rate * 100, 3), "upstream_errors": len(upstream),
               "seconds": round(report.seconds, 1), "counts": dict(report.counts)}
    if args.json:
        print(json.dumps({**summary, "failures": [o.__dict__ for o in fails],
                          "upstream": [o.__dict__ for o in upstream]}, indent=1))
    else:
        print(f"Spider train: {summary['passed']}/{summary['judged']} passed ({summary['pass_rate']}%), "
              f"{len(upstream)} upstream errors reported, {summary['seconds']} s")
        for o in upstream:
            print(f"  upstream #{o.index} [{o.db_id}] {o.detail}\n      {o.sql}")
        for o in fails:
            print(f"  {o.status} #{o.index} [{o.db_id}] {o.detail[:300]}\n      {o.sql}")
    return 0 if not fails else 1


if __name__ == "__main__":
    raise SystemExit(main())
