"""`lucky ask "question"`: answer a question with the engine and print it (or its JSON)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from app.answer import Answer
from app.commands.common import DataOpt, JsonOpt, console, print_json, print_table, settings_with
from app.summary import fmt
from guardrails.principal import Principal


def render(answer: Answer) -> None:
    """The answer for a person: summary, table (money formatted), filters, SQL."""
    if answer.status == "clarify":
        console.print(f"[yellow]?[/yellow] {answer.clarification}")
        for opt in answer.options:
            console.print(f"  - {opt}")
        return
    if answer.status in ("refuse", "error"):
        colour = "red" if answer.status == "error" else "yellow"
        console.print(f"[{colour}]{answer.status}:[/{colour}] {answer.reason}")
        return
    if answer.summary:
        console.print(answer.summary)
    if answer.columns:
        kinds = answer.column_types or ["text"] * len(answer.columns)
        rows = [[fmt(v, k) if v is not None and k != "text" else v for v, k in zip(r, kinds, strict=False)]
                for r in answer.rows[:50]]
        print_table(answer.columns, rows)
        if len(answer.rows) > 50:
            console.print(f"... {len(answer.rows) - 50} more rows (use --json for all)")
    if answer.filters:
        console.print(f"[dim]Filters: {', '.join(answer.filters)}[/dim]")
    if answer.understood:
        console.print(f"[dim]Understood: {answer.understood}[/dim]")
    if answer.sql:
        console.print(f"[dim]SQL: {answer.sql}[/dim]", soft_wrap=True)
    console.print(f"[dim]{answer.engine} engine, {answer.elapsed_ms:.1f} ms[/dim]")


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask_cmd(
        question: str = typer.Argument(..., help="A question in plain English."),
        conversation: str = typer.Option(None, "--conversation", "-c", help="Conversation id for follow-ups."),
        role: str = typer.Option("analyst", "--role", help="analyst | store_manager | admin"),
        shops: str = typer.Option("", "--shops", help="Comma-separated shop ids (store_manager)."),
        engine: str = typer.Option("offline", "--engine", help="offline | llm | auto"),
        target: str = typer.Option(None, "--target", help="duckdb (default) or mysql."),
        today: str = typer.Option(None, "--today", help="Reference date (YYYY-MM-DD) for relative dates."),
        png: Path | None = typer.Option(None, "--png", help="Also write the chart as a PNG here."),
        data: Path | None = DataOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Answer a question about the data: summary, table, chart and SQL."""
        from app.engine import get_engine

        settings = settings_with(data, target=target)
        shop_ids = tuple(int(s) for s in shops.split(",") if s.strip())
        principal = Principal(role=role, shops=shop_ids, name="cli")  # type: ignore[arg-type, unused-ignore]
        ref = dt.date.fromisoformat(today) if today else settings.today
        answer = get_engine(engine, settings).ask(question, conversation_id=conversation, principal=principal,
                                                  today=ref)
        if png is not None and answer.chart:
            from app.charts import render_png

            png.write_bytes(render_png(answer.chart))
        if as_json:
            print_json(answer.model_dump(mode="json"))
        else:
            render(answer)
        if answer.status == "error":
            raise typer.Exit(1)

    from app.commands import bench_ask

    bench_ask.register(app)
