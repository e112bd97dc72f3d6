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
    try:
        mod = importlib.import_module(f"app.commands.{module}")
    except ModuleNotFoundError as err:
        if err.name != f"app.commands.{module}":
            raise
        continue
    app.add_typer(mod.app, name=name)

for module in _TOP:
    try:
        mod = importlib.import_module(f"app.commands.{module}")
    except ModuleNotFoundError as err:
        if err.name != f"app.commands.{module}":
            raise
        continue
    mod.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
