"""`lucky catalog`: describe a database, check the catalog against it, build and query the index."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, console, err_console, fail, print_json, settings_with
from app.errors import LuckyError

app = typer.Typer(help="The schema catalog: introspect, drift check, retrieval index, search, eval.",
                  no_args_is_help=True)

CatalogOpt = typer.Option(None, "--catalog", help="Catalog directory (default: the shipped catalog).")


@app.command("introspect")
def introspect_cmd(
    url: str = typer.Option(..., "--url", help="SQLAlchemy URL, e.g. sqlite:///f.sqlite, duckdb:///f.duckdb, "
                                               "mysql+pymysql://user@host:3306/db"),
    out: Path = typer.Option(..., "--out", help="Directory for the catalog files (one per schema)."),
    schema: list[str] = typer.Option(None, "--schema", help="Only these schemas (repeatable)."),
    as_json: bool = JsonOpt,
) -> None:
    """Write a first-draft catalog (types, keys, joins; descriptions TODO) for any database."""
    from schema_catalog.introspect import introspect

    try:
        files, warnings = introspect(url, out, schema or None)
    except (LuckyError, ValueError) as err:
        fail(str(err))
    except Exception as err:  # a driver error: say which database could not be read
        fail(f"could not introspect {url.split('@')[-1]}: {str(err).splitlines()[0]}")
    if as_json:
        print_json({"files": [str(f) for f in files], "warnings": warnings})
        return
    for w in warnings:
        err_console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"wrote {len(files)} catalog file(s) to {out}: " + ", ".join(f.name for f in files))


@app.command("check")
def check_cmd(
    target: str = typer.Option("duckdb", "--target", help="duckdb or mysql"),
    data: Path | None = DataOpt,
    catalog_dir: Path | None = CatalogOpt,
    codes: bool = typer.Option(True, "--codes/--no-codes", help="Also look for undocumented code values."),
    as_json: bool = JsonOpt,
) -> None:
    """Compare the live schema with the catalog; exit 1 on any drift."""
    from schema_catalog import load_catalog
    from schema_catalog.drift import check_drift

    if target not in {"duckdb", "mysql"}:
        fail(f"unknown target {target!r}: use duckdb or mysql")
    s = settings_with(data)
    try:
        report = check_drift(load_catalog(catalog_dir), target, s, codes=codes)
    except LuckyError as err:
        fail(err)
    except Exception as err:
        fail(f"could not read the {target} schema: {str(err).splitlines()[0]}")
    if as_json:
        print_json(report.as_json())
    else:
        for item in report.items:
            console.print(f"[red]drift[/red] {item.sentence()}", highlight=False)
        state = "[green]no drift[/green]" if report.ok else f"[red]{len(report.items)} drift item(s)[/red]"
        console.print(f"{target}: {state} ({report.tables_checked} tables, {report.columns_checked} columns, "
                      f"{report.code_columns_checked} code lists checked)")
    if not report.ok:
        raise typer.Exit(1)


@app.command("index")
def index_cmd(
    data: Path | None = DataOpt,
    force: bool = typer.Option(False, "--force", help="Rebuild even when the content hash is unchanged."),
    as_json: bool = JsonOpt,
) -> None:
    """Build the Chroma index under <data>/chroma (only when the catalog or examples changed)."""
    from schema_catalog.index import get_index

    stats = get_index(settings_with(data).data_dir).ensure(force=force)
    if as_json:
        print_json(stats.__dict__)
    else:
        verb = "built" if stats.built else "up to date"
        console.print(f"index {verb}: {stats.documents} documents in {stats.seconds:.2f} s at {stats.path}")


@app.command("search")
def search_cmd(
    question: str = typer.Argument(..., help="A question in plain English."),
    k: int = typer.Option(8, "--k", min=1, help="How many items and tables to return."),
    data: Path | None = DataOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Hybrid (dense + BM25) search of the catalog: ranked items and tables with scores."""
    from schema_catalog.index import get_index

    result = get_index(settings_with(data).data_dir).search(question, k)
    if as_json:
        print_json(result.as_json(k))
        return
    for i, h in enumerate(result.hits[:k], start=1):
        console.print(f"{i:>2}. {h.score:.4f} {h.doc.kind:<9} {h.doc.id}", highlight=False)
    console.print("tables: " + ", ".join(t for t, _ in result.tables[:k]), highlight=False)


@app.command("eval")
def eval_cmd(
    suite: list[Path] = typer.Option(None, "--suite", help="Golden suite(s) (default: evals/golden/*.yaml, "
                                                           "else schema_catalog/examples.yaml)."),
    k: int = typer.Option(8, "--k", min=1),
    data: Path | None = DataOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Retrieval quality: recall@k of the gold SQL's tables and MRR, plus build time and latency."""
    from schema_catalog.evaluate import evaluate, render

    try:
        report = evaluate(settings_with(data).data_dir, suites=suite or None, k=k)
    except (LuckyError, ValueError, FileNotFoundError) as err:
        fail(str(err))
    if as_json:
        print_json(report.as_json())
    else:
        render(report)
