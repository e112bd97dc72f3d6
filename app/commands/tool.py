"""`lucky tool`: list and run the departmental tools."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, console, fail, print_json, print_table, settings_with
from app.errors import LuckyError

app = typer.Typer(help="List and run the departmental tools (seed tools 1-24).", no_args_is_help=True)


@app.command("list")
def list_tools(as_json: bool = JsonOpt) -> None:
    """List every registered tool with its department and seed number."""
    from tools.registry import all_tools

    specs = all_tools()
    if as_json:
        print_json([{"name": s.name, "title": s.title, "department": s.department, "seed_tool": s.seed_tool,
                     "description": s.description, "input_schema": s.input_model.model_json_schema()}
                    for s in specs])
        return
    print_table(["#", "name", "department", "title"], [[s.seed_tool, s.name, s.department, s.title] for s in specs])


@app.command("run")
def run_tool(
    name: str = typer.Argument(..., help="Tool name (see `lucky tool list`)."),
    param: list[str] = typer.Option([], "--param", "-p", help="Input as key=value; repeat for more."),
    target: str = typer.Option(None, "--target", help="duckdb (default) or mysql."),
    data: Path | None = DataOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run one tool and print its headline figures, findings and tables."""
    from pydantic import ValidationError

    from app.executor import Executor
    from tools.base import ToolContext
    from tools.registry import ToolRegistryError, get

    settings = settings_with(data, target=target)
    params = {}
    for p in param:
        if "=" not in p:
            fail(f"--param expects key=value, got {p!r}")
        key, value = p.split("=", 1)
        params[key.strip()] = value.strip()
    try:
        spec = get(name)
        ctx = ToolContext(executor=Executor(settings), target=settings.target, today=settings.today)
        out = spec.run(ctx, params)
    except ToolRegistryError as err:
        fail(str(err.args[0]))
    except ValidationError as err:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()))
    except LuckyError as err:
        fail(err)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    if out.documents.get("markdown"):  # a written report (e.g. the executive briefing) prints as Markdown text
        console.print(out.documents["markdown"], markup=False, highlight=False, soft_wrap=True)
        return
    console.print(f"[bold]{out.title}[/bold]")
    if out.summary:
        console.print(out.summary)
    for key, value in out.headline.items():
        console.print(f"  {key}: {value}")
    for f in out.findings:
        console.print(f"  [{f.severity.value}] {f.title} {('— ' + f.where) if f.where else ''}")
    for t in out.tables:
        print_table(t.columns, t.rows[:20], title=t.name)
