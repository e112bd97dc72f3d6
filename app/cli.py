"""`lucky`: the command line. Thin: parses arguments, calls the core, prints."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="lucky",
    help="Ask Lucky: questions about Luckin Coffee USA's data, answered safely.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each command group lives in its own module under app/commands/ and exposes `app` (a Typer)
# or `register(app)` for top-level commands.
_GROUPS = {"data": "data", "catalog": "catalog", "tool": "tool", "keys": "keys", "audit": "audit",
           "feedback": "feedback"}
_TOP = ["sql", "guard", "evalcmd", "ask", "serve", "slack", "bench", "bench_load"]

for name, module in _GROUPS.items():
    app.add_typer(importlib.import_module(f"app.commands.{module}").app, name=name)

for module in _TOP:
    importlib.import_module(f"app.commands.{module}").register(app)


def main() -> None:
    """Run the CLI; a state or target database that cannot be reached is one sentence, not a traceback."""
    import sqlalchemy as sa

    from app.errors import LuckyError

    try:
        app()
    except sa.exc.OperationalError as err:
        typer.secho(f"Error: a database could not be reached ({type(err.orig).__name__}: {err.orig}).",
                    err=True, fg="red")
        raise SystemExit(1) from None
    except LuckyError as err:
        typer.secho(f"Error: {err}", err=True, fg="red")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
