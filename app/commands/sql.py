"""`lucky sql`: run one read-only statement through the guardrails and the executor."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, fail, print_json, print_table, settings_with
from app.errors import LuckyError
from app.executor import Executor
from guardrails.principal import Principal


def register(app: typer.Typer) -> None:
    @app.command("sql")
    def sql_cmd(
        statement: str = typer.Argument(..., help="A SELECT in MySQL dialect."),
        target: str = typer.Option(None, "--target", help="duckdb (default) or mysql."),
        role: str = typer.Option("analyst", "--role", help="analyst | store_manager | admin"),
        shops: str = typer.Option("", "--shops", help="Comma-separated shop ids for store_manager."),
        data: Path | None = DataOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Run a read-only SQL statement and print the rows."""
        settings = settings_with(data, target=target)
        shop_ids = tuple(int(s) for s in shops.split(",") if s.strip())
        principal = Principal(role=role, shops=shop_ids, name="cli")
        try:
            result = Executor(settings).run(statement, principal=principal)
        except LuckyError as err:
            fail(err)
        if as_json:
            print_json(result.as_json())
        else:
            print_table(result.columns, result.rows)
            note = " (truncated)" if result.truncated else ""
            typer.echo(f"{len(result.rows)} rows{note} in {result.elapsed_ms:.1f} ms")
