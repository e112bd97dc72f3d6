"""Options and helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from app.errors import LuckyError
from app.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)

DataOpt = typer.Option(None, "--data", help="Dataset directory (default: settings / LUCKY_DATA_DIR).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")


def settings_with(data: Path | None = None, **overrides: Any) -> Settings:
    """The settings, with a command's --data and other overrides applied."""
    base = get_settings()
    changes = {k: v for k, v in overrides.items() if v is not None}
    if data is not None:
        changes["data_dir"] = data
    return base.model_copy(update=changes) if changes else base


def fail(err: LuckyError | str, code: int = 1) -> NoReturn:
    msg = err.message if isinstance(err, LuckyError) else err
    err_console.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(code)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str, ensure_ascii=False) + "\n")


def print_table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(str(c))
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    console.print(table)
