"""`lucky guard`: check SQL with the guardrails and print the Verdict (exit 0 allowed, 3 refused)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import typer

from app.commands.common import console, fail, print_json
from guardrails.policy import CatalogPolicy
from guardrails.principal import Principal
from guardrails.verdict import Verdict

REFUSED_EXIT = 3


def load_policy(catalog: Path | None, url: str | None) -> CatalogPolicy | None:
    """The policy for --catalog DIR (catalog YAML) or --url (live introspection); None = the default."""
    if catalog is not None:
        from guardrails.policy import policy_from_catalog
        from schema_catalog import load_catalog

        return policy_from_catalog(load_catalog(catalog), name=f"catalog:{catalog}")
    if url is not None:
        from guardrails.policy import policy_from_sqlalchemy

        return policy_from_sqlalchemy(url)
    return None


def _statements(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """One statement per line, or JSONL objects with a ``sql`` field (other fields are echoed back)."""
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("{"):
                obj = json.loads(line)
                yield str(obj.get("sql", "")), {k: v for k, v in obj.items() if k != "sql"}
            else:
                yield line, {}


def verdict_json(verdict: Verdict, extra: dict[str, object] | None = None) -> dict[str, object]:
    out: dict[str, object] = {**(extra or {}), "allowed": verdict.allowed, "code": verdict.code}
    out.update(verdict.model_dump())
    return out


def _print_text(verdict: Verdict) -> None:
    mark = "[green]ALLOWED[/green]" if verdict.allowed else f"[red]REFUSED[/red] ({verdict.code})"
    console.print(mark)
    for r in verdict.rules:
        console.print(f"  {'x' if r.refused else '-'} [bold]{r.code}[/bold]: {r.message}", highlight=False)
    if verdict.sql:
        console.print(verdict.sql, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    @app.command("guard")
    def guard_cmd(
        statement: str | None = typer.Argument(None, help="One SQL statement (omit with --batch)."),
        role: str = typer.Option("analyst", "--role", help="analyst | store_manager | admin | system"),
        shops: str = typer.Option("", "--shops", help="Comma-separated shop ids (store_manager)."),
        target: str = typer.Option("duckdb", "--target", help="Dialect of the rewritten SQL: duckdb, mysql, ..."),
        read: str = typer.Option("mysql", "--read", help="Dialect of the input: mysql, sqlite, duckdb, postgres."),
        catalog: Path | None = typer.Option(None, "--catalog", help="Check against this catalog directory."),
        url: str | None = typer.Option(None, "--url", help="Check against a live database (SQLAlchemy URL)."),
        row_cap: int = typer.Option(5000, "--row-cap", help="Most rows a statement may return."),
        batch: Path | None = typer.Option(None, "--batch", help="File: one statement per line, or JSONL with `sql`."),
        as_json: bool = typer.Option(False, "--json", help="Print the Verdict as JSON (one line each)."),
    ) -> None:
        """Check SQL the way every statement is checked before it runs; print the Verdict."""
        import guardrails

        logging.getLogger("sqlglot").setLevel(logging.ERROR)  # refused input makes the parser chatty
        try:
            principal = Principal(role=role, shops=tuple(int(s) for s in shops.split(",") if s.strip()),
                                  name="cli")
        except ValueError as err:
            fail(f"bad --role or --shops: {err}", 2)
        try:
            policy = load_policy(catalog, url)
        except Exception as err:  # a missing or invalid catalog, an unreachable database
            fail(f"could not load the catalog: {err}", 2)
        if (statement is None) == (batch is None):
            fail("give one SQL statement or --batch FILE", 2)

        def run(sql: str) -> Verdict:
            # printed SQL must run anywhere, not only on the executor's connections with local-time macros
            return guardrails.check(sql, principal, target, row_cap=row_cap, read=read, policy=policy,
                                    duckdb_macros=False)

        if batch is None:
            assert statement is not None
            verdict = run(statement)
            if as_json:
                print_json(verdict_json(verdict))
            else:
                _print_text(verdict)
            raise typer.Exit(0 if verdict.allowed else REFUSED_EXIT)
        refused = total = 0
        for sql, extra in _statements(batch):
            verdict = run(sql)
            total += 1
            refused += not verdict.allowed
            if as_json:
                print_json(verdict_json(verdict, extra))
            else:
                flag = "ok     " if verdict.allowed else f"REFUSED {verdict.code}:"
                typer.echo(f"{flag} {sql[:100]}")
        if not as_json:
            typer.echo(f"{total - refused} allowed, {refused} refused of {total}")
        raise typer.Exit(REFUSED_EXIT if refused else 0)
