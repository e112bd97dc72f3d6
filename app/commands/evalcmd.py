"""`lucky eval SUITE.yaml`: score an engine (in-process or a running service) against a golden suite.

Exit codes: 0 passed, 1 below --min-accuracy / above --max-wrong, 2 the suite or the engine could
not be used, 3 some gold SQL failed (the suite needs fixing; the figures are not trustworthy).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from app.commands.common import DataOpt, print_json, settings_with
from app.errors import LuckyError
from app.executor import Executor
from evals.engine_protocol import ENGINE_NAMES, AskEngine, EngineUnavailable, load_engine
from evals.http_engine import HttpEngine
from evals.report import (
    Baseline,
    Summary,
    baseline_failures,
    headline_rows,
    markdown,
    summarize,
    threshold_failures,
)
from evals.runner import CaseResult, Runner, RunOptions
from evals.suite import Case, Suite, SuiteError, load_suite
from guardrails.principal import SYSTEM

err = Console(stderr=True)
out = Console()


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_cmd(
        suite_path: Path = typer.Argument(..., help="A golden suite (YAML), e.g. evals/golden/development.yaml."),
        engine: str = typer.Option("offline", "--engine", help=f"In-process engine: {' | '.join(ENGINE_NAMES)}."),
        target: str = typer.Option(None, "--target", help="duckdb (default) or mysql: where gold and engine SQL run."),
        url: str = typer.Option(None, "--url", help="Evaluate a running service (POST URL/v1/ask) instead."),
        api_key: str = typer.Option(None, "--api-key", help="Bearer key for --url (default: $LUCKY_API_KEY)."),
        url_role: str = typer.Option("analyst", "--url-role",
                                     help="Role of the --url key; cases needing another role are skipped."),
        data: Path | None = DataOpt,
        today: str = typer.Option(None, "--today", help="Override the suite's reference date (YYYY-MM-DD)."),
        case: list[str] = typer.Option([], "--case", help="Only this case id (repeatable)."),
        tag: list[str] = typer.Option([], "--tag", help="Only cases with this tag (repeatable)."),
        as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
        report: Path | None = typer.Option(None, "--report", help="Also write the report as Markdown here."),
        min_accuracy: float = typer.Option(None, "--min-accuracy", help="Fail (exit 1) below this accuracy (0-1)."),
        max_wrong: int = typer.Option(None, "--max-wrong", help="Fail (exit 1) above this many confidently wrong."),
        baseline: Path | None = typer.Option(None, "--baseline",
                                             help="Fail (exit 1) on any drop below the figures in this JSON file."),
        save_baseline: Path | None = typer.Option(None, "--save-baseline",
                                                  help="Write this run's figures as the new baseline JSON."),
        warm_up: bool = typer.Option(True, "--warm-up/--no-warm-up",
                                     help="Ask the first question once, untimed, so start-up is not latency."),
    ) -> None:
        """Run a golden suite and report accuracy, confidently wrong answers and latency."""
        settings = settings_with(data, target=target)
        try:
            suite = load_suite(suite_path)
            cases = suite.select(case, tag)
        except SuiteError as e:
            _die(str(e), 2)
        ref = dt.date.fromisoformat(today) if today else (suite.today or settings.today)
        eng: AskEngine
        if url:
            eng = HttpEngine(url, api_key or os.environ.get("LUCKY_API_KEY"))
        else:
            try:
                eng = load_engine(engine, settings)
            except EngineUnavailable as e:
                _die(str(e), 2)
        executor = Executor(settings)
        try:  # gold SQL needs the data: fail once, clearly, rather than once per case
            executor.run("SELECT COUNT(*) FROM luckyus_opshop.t_shop_info", principal=SYSTEM,
                         target=settings.target)
        except LuckyError as e:
            _die(f"gold SQL cannot run on {settings.target}: {e.message}", 2)
        runner = Runner(eng, executor, RunOptions(target=settings.target, today=ref, url_mode=bool(url),
                                                  url_role=url_role, warm_up=warm_up))
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        try:
            results = _run_with_progress(runner, suite, cases)
        finally:
            executor.dispose()
        summary = summarize(results, suite=suite.suite, engine="http" if url else engine,
                            target=settings.target, today=ref, url=url, started=started)
        if report:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(markdown(summary), encoding="utf-8")
        if as_json:
            print_json(summary.as_json())
        else:
            _print_summary(summary)
        problems = threshold_failures(summary, min_accuracy, max_wrong)
        if baseline is not None:
            try:
                problems += baseline_failures(summary, Baseline.model_validate_json(baseline.read_text()))
            except (OSError, ValueError) as e:
                _die(f"cannot read baseline {baseline}: {e}", 2)
        if save_baseline is not None:
            save_baseline.parent.mkdir(parents=True, exist_ok=True)
            save_baseline.write_text(Baseline.of(summary).model_dump_json(indent=2) + "\n", encoding="utf-8")
        for p in problems:
            err.print(f"[red]FAIL[/red] {p}")
        if summary.gold_errors:
            err.print(f"[red]{summary.gold_errors} gold statement(s) failed: fix the suite.[/red]")
            raise typer.Exit(3)
        if problems:
            raise typer.Exit(1)


def _run_with_progress(runner: Runner, suite: Suite, cases: list[Case]) -> list[CaseResult]:
    if not err.is_terminal:
        return runner.run(suite, cases)
    cols = (TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn())
    with Progress(*cols, console=err, transient=True) as bar:
        task = bar.add_task("", total=len(cases))
        wrong = 0

        def tick(r: CaseResult) -> None:
            nonlocal wrong
            wrong += r.confidently_wrong
            bar.update(task, advance=1, description=f"{r.id}  (confidently wrong so far: {wrong})")

        return runner.run(suite, cases, progress=tick)


def _print_summary(s: Summary) -> None:
    table = RichTable(title=f"{s.suite}: engine {s.engine} on {s.url or s.target}", show_header=False)
    for k, v in headline_rows(s):
        table.add_row(k, v)
    out.print(table)
    if s.per_tag:
        tags = RichTable(title="per tag", show_header=True)
        tags.add_column("tag")
        tags.add_column("accuracy")
        for t, rate in s.per_tag.items():
            tags.add_row(t, rate.text())
        out.print(tags)
    bad = [r for r in s.cases if r.outcome != "correct"]
    for r in bad:
        flag = " [red]confidently wrong[/red]" if r.confidently_wrong else ""
        out.print(f"[bold]{r.id}[/bold] {r.outcome}{flag}: {r.why}")


def _die(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)
