"""`lucky bench-load`: the load test of POST /v1/ask behind `make load` (see app/bench/load.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, console, fail, print_json, print_table, settings_with


def register(app: typer.Typer) -> None:
    @app.command("bench-load")
    def bench_load(
        data: Path | None = DataOpt,
        workers: int = typer.Option(2, "--workers", help="uvicorn worker processes."),
        levels: str = typer.Option("4,16,64", "--levels", help="Concurrency levels (wrk connections)."),
        seconds: int = typer.Option(15, "--seconds", help="Duration of each level."),
        modes: str = typer.Option("cached,uncached", "--modes", help="cached and/or uncached."),
        redis_url: str | None = typer.Option(None, "--redis-url", help="Run the service with this Redis "
                                                                       "(shared cache, limits, conversations)."),
        out: Path | None = typer.Option(None, "--out", help="Also write the report as JSON here."),
        as_json: bool = JsonOpt,
    ) -> None:
        """Serve the dataset on loopback and load POST /v1/ask with wrk: req/s, p50/p99, 5xx."""
        from app.bench.load import run_load

        settings = settings_with(data)
        if not settings.duckdb_path.exists():
            fail(f"No dataset at {settings.data_dir}: build it with `lucky data build --out {settings.data_dir}`.")
        try:
            report = run_load(settings.data_dir, workers=workers, seconds=seconds, redis_url=redis_url,
                              levels=tuple(int(x) for x in levels.split(",") if x.strip()),
                              modes=tuple(m.strip() for m in modes.split(",") if m.strip()),
                              progress=(lambda m: None) if as_json else console.print)
        except RuntimeError as err:
            fail(str(err))
        if out is not None:
            out.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
        if as_json:
            print_json(report.as_json())
            return
        cols = ["mode", "connections", "rps", "answered_rps", "p50_ms", "p99_ms", "s5xx", "s4xx", "socket_errors",
                "cache_hits", "server_cpu_ms_per_request"]
        headers = ["mode", "conns", "req/s", "answered/s", "p50 ms", "p99 ms", "5xx", "4xx", "sock err", "hits",
                   "cpu ms/req"]
        print_table(headers, [[getattr(lv, c) for c in cols] for lv in report.levels],
                    title=f"POST /v1/ask, {report.workers} worker(s) on {report.cores} cores, "
                          f"{report.cached_questions} cached golden questions")
        for note in report.notes:
            console.print(f"note: {note}")
