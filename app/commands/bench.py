"""`lucky bench`: timings that the README quotes (measured, not assumed)."""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

import sqlglot
import typer
import yaml

from app.commands.common import console, fail, print_json

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = ROOT / "evals" / "golden"
STAND_IN = ROOT / "tests" / "guardrails" / "corpus_luckin.sql"

bench_app = typer.Typer(help="Benchmarks quoted in the README.", no_args_is_help=True)


def golden_sql(directory: Path = GOLDEN_DIR) -> list[str]:
    """Every distinct gold statement of the golden suites (evals/golden/*.yaml)."""
    out: dict[str, None] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            if isinstance(case, dict) and case.get("sql"):
                out[str(case["sql"]).strip()] = None
    return list(out)


def sql_file(path: Path) -> list[str]:
    """Statements of a .sql file, separated by ';' at the end of a line (comments allowed)."""
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("--"))
    return [s.strip() for s in text.split(";\n") if s.strip().rstrip(";").strip()]


def load_corpus(corpus: Path | None) -> tuple[str, list[str]]:
    if corpus is not None:
        if corpus.is_dir():
            return str(corpus), golden_sql(corpus)
        if corpus.suffix in {".yaml", ".yml"}:
            return str(corpus), golden_sql_file(corpus)
        return str(corpus), sql_file(corpus)
    gold = golden_sql()
    if gold:
        return "evals/golden/*.yaml", gold
    return str(STAND_IN.relative_to(ROOT)), sql_file(STAND_IN)


def golden_sql_file(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(dict.fromkeys(str(c["sql"]).strip() for c in data.get("cases") or [] if c.get("sql")))


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    i = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[i]


@bench_app.command("guard")
def bench_guard(
    corpus: Path | None = typer.Option(None, "--corpus", help="A .sql file, a golden .yaml or a directory of them "
                                "(default: evals/golden, else tests/guardrails/corpus_luckin.sql)."),
    repeat: int = typer.Option(20, "--repeat", help="Timed runs per statement (after one warm-up)."),
    target: str = typer.Option("duckdb", "--target", help="duckdb or mysql."),
    clock: str = typer.Option("wall", "--clock", help="wall (perf_counter) or cpu (this thread's CPU time: "
                              "steadier on a busy machine)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """p50 / p99 of guardrails.check (parse, allow, rewrite, render) over a corpus of SQL."""
    import guardrails

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    if clock not in {"wall", "cpu"}:
        fail("--clock is wall or cpu", 2)
    now = time.perf_counter if clock == "wall" else time.thread_time
    name, statements = load_corpus(corpus)
    if not statements:
        fail(f"no statements in {name}")
    guardrails.default_policy()  # built once per process, as in the service; not part of a check
    from app.sqldialect import render

    times: list[float] = []
    render_times: list[float] = []  # the target-dialect rendering alone (app.sqldialect), for attribution
    refused = 0
    for sql in statements:
        refused += not guardrails.check(sql, target=target).allowed
        tree = sqlglot.parse_one(sql, read="mysql")
        for _ in range(repeat):
            start = now()
            guardrails.check(sql, target=target)
            times.append((now() - start) * 1000)
            start = now()
            render(tree, target, macros=True)  # as the guard renders for the executor
            render_times.append((now() - start) * 1000)
    times.sort()
    render_times.sort()
    figures = {"corpus": name, "statements": len(statements), "refused": refused, "runs": len(times),
               "target": target, "clock": clock, "p50_ms": round(_percentile(times, 0.50), 3),
               "p99_ms": round(_percentile(times, 0.99), 3), "mean_ms": round(statistics.fmean(times), 3),
               "max_ms": round(times[-1], 3), "render_p50_ms": round(_percentile(render_times, 0.50), 3)}
    if as_json:
        print_json(figures)
        return
    console.print(f"guardrails.check over {figures['statements']} statements from {name} "
                  f"({figures['runs']} timed runs, target {target}, {clock} clock; {refused} refused)")
    console.print(f"p50 {figures['p50_ms']:.3f} ms   p99 {figures['p99_ms']:.3f} ms   "
                  f"mean {figures['mean_ms']:.3f} ms   max {figures['max_ms']:.3f} ms")
    console.print(f"of which rendering for {target} (app.sqldialect.render) alone: "
                  f"p50 {figures['render_p50_ms']:.3f} ms")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
