"""`lucky data`: build the dataset, check its calibration, load it into MySQL."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.common import DataOpt, JsonOpt, console, fail, print_json, settings_with
from app.errors import LuckyError

app = typer.Typer(help="Build, check and load the Luckin USA dataset.", no_args_is_help=True)


@app.command("build")
def build(
    out: Path = typer.Option(None, "--out", help="Output directory (default: the settings' data dir)."),
    scale: float = typer.Option(None, "--scale", help="Row-count multiplier; 1.0 = the seed's volumes."),
    seed: int = typer.Option(None, "--seed", help="Random seed; same seed and scale give the same bytes."),
    bulk_scale: float = typer.Option(None, "--bulk-scale",
                                     help="Extra factor for the largest log/marketing tables (1.0 = full)."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if the dataset exists."),
) -> None:
    """Generate every table, the manifest of planted facts and the DuckDB file."""
    from app.dataset.build import build_dataset

    s = settings_with(out)
    target = out or s.data_dir
    try:
        summary = build_dataset(target, scale=scale if scale is not None else s.build_scale,
                                seed=seed if seed is not None else s.seed,
                                bulk_scale=bulk_scale if bulk_scale is not None else s.bulk_scale,
                                force=force, progress=True)
    except LuckyError as err:
        fail(err)
    console.print(summary)


@app.command("report")
def report(data: Path | None = DataOpt, as_json: bool = JsonOpt) -> None:
    """Print each calibrated figure: target, measured, PASS/FAIL (exit 1 on any FAIL)."""
    from app.dataset.report import calibration_report, render_report

    s = settings_with(data)
    try:
        rows = calibration_report(s.data_dir)
    except LuckyError as err:
        fail(err)
    if as_json:
        print_json([r.model_dump() for r in rows])
    else:
        render_report(rows)
    if any(not r.passed for r in rows):
        raise typer.Exit(1)


@app.command("load-mysql")
def load_mysql_cmd(
    data: Path | None = DataOpt,
    url: str = typer.Option(None, "--url", help="SQLAlchemy URL, e.g. mysql+pymysql://root@127.0.0.1:3306/"),
    as_json: bool = JsonOpt,
) -> None:
    """Create the 18 databases on a MySQL/MariaDB server and bulk-load the same rows."""
    from app.dataset.mysql_load import load_mysql

    s = settings_with(data)
    try:
        stats = load_mysql(s.data_dir, url or s.mysql_url.get_secret_value(), progress=not as_json)
    except LuckyError as err:
        fail(err)
    if as_json:
        print_json(stats)
    else:
        console.print(f"loaded {stats['rows']:,} rows in {stats['seconds']:.1f} s "
                      f"({stats['rows_per_s']:,.0f} rows/s) into {stats['databases']} databases")
