"""`lucky audit`: read and verify the tamper-evident audit trail."""

from __future__ import annotations

import typer

from app.commands.common import JsonOpt, console, print_json, print_table, settings_with

app = typer.Typer(help="Read and verify the audit trail.", no_args_is_help=True)


@app.command("tail")
def tail_cmd(n: int = typer.Option(20, "-n", help="How many of the newest records."), as_json: bool = JsonOpt) -> None:
    """Print the newest audit records; `unmasked` lists the columns an admin saw raw, with their PII class."""
    from app.state.audit import describe_unmasked, tail

    rows = tail(settings_with().state_database_url, n)
    if as_json:
        print_json(rows)
        return
    cols = ["id", "ts", "who", "surface", "kind", "status", "rows", "latency_ms", "engine", "question", "unmasked"]
    print_table(cols, [[describe_unmasked(r[c]) if c == "unmasked" else r[c] for c in cols] for r in rows])


@app.command("verify")
def verify_cmd() -> None:
    """Check the hash chain; exit 1 and name the first altered record if it is broken."""
    from app.state.audit import verify

    ok, checked, bad = verify(settings_with().state_database_url)
    if ok:
        console.print(f"audit trail intact: {checked} records")
        return
    console.print(f"[red]audit trail broken at record {bad}[/red] ({checked} records verified before it)")
    raise typer.Exit(1)
