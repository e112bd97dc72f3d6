"""`lucky bench-ask`: latency of `ask` end to end, against the bare database time of the same SQL.

A benchmark, not a test: it asks a fixed mix of question families (totals, breakdowns, top-N,
trends, comparisons, shares, production percentiles) several times each with the result cache
off, then times the engine's own SQL run directly on DuckDB. p50/p99 of both and their ratio say
how much the parser, the builder and the guardrails add on top of the database.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, console, print_json, settings_with

QUESTIONS = [
    "How many orders did 8th & Broadway do yesterday?",
    "What's our best selling drink this week?",
    "Show me the top 10 users by order count",
    "Compare revenue between weekdays and weekends this month",
    "revenue by store last month",
    "daily revenue this month",
    "AOV this week vs last week",
    "what percent of orders were delivery last month",
    "orders by hour yesterday",
    "median production time at 102 Fulton this month",
    "How many iced drinks did 102 Fulton sell on weekends in January?",
    "top 5 products by revenue in January",
    "revenue growth from December to January",
    "payment volume by payment method last month",
    "monthly revenue",
    "orders",
]


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def register(app: typer.Typer) -> None:
    @app.command("bench-ask")
    def bench_ask(
        repeat: int = typer.Option(5, "--repeat", help="Times each question is asked."),
        data: Path | None = DataOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Time `ask` (cache off) and the bare DuckDB time of the same SQL; print p50/p99 and the ratio."""
        from app.engine.cache import MemoryCache
        from app.engine.offline.engine import OfflineEngine
        from app.sqldialect import to_target
        from guardrails.principal import ANALYST

        settings = settings_with(data, target="duckdb")
        engine = OfflineEngine(settings)
        engine.ask("orders yesterday")  # warm up: names, lexicon, connection
        ask_ms: list[float] = []
        bare_ms: list[float] = []
        sqls: list[str] = []
        for q in QUESTIONS:
            for _ in range(repeat):
                engine.cache = MemoryCache(size=0)
                t = time.perf_counter()
                ans = engine.ask(q, principal=ANALYST)
                ask_ms.append((time.perf_counter() - t) * 1000)
            if ans.sql:
                sqls.append(ans.sql)
        # the same DuckDB database through the executor's own pooled connection (one process may not
        # open the file twice with different settings), the driver called directly: no guardrails
        raw = engine.executor.engine("duckdb").raw_connection()
        try:
            cur = raw.cursor()
            for sql in sqls:
                text = to_target(sql, "duckdb")
                cur.execute(text)
                cur.fetchall()
                for _ in range(repeat):
                    t = time.perf_counter()
                    cur.execute(text)
                    cur.fetchall()
                    bare_ms.append((time.perf_counter() - t) * 1000)
        finally:
            raw.close()
        ask_p50, bare_p50 = statistics.median(ask_ms), statistics.median(bare_ms)
        report: dict[str, object] = {
            "questions": len(QUESTIONS), "repeat": repeat, "data_dir": str(settings.data_dir),
            "ask_p50_ms": round(ask_p50, 2), "ask_p99_ms": round(_pct(ask_ms, 0.99), 2),
            "duckdb_p50_ms": round(bare_p50, 2), "duckdb_p99_ms": round(_pct(bare_ms, 0.99), 2),
            "ratio_p50": round(ask_p50 / max(bare_p50, 1e-6), 2),
        }
        if as_json:
            print_json(report)
        else:
            for k, v in report.items():
                console.print(f"{k:>16}: {v}")
