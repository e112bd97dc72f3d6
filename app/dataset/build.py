"""Build the dataset directory: Parquet per table, one DuckDB file, the manifest and a fingerprint.

Layout of ``out``::

    tables/<db>/<table>.parquet   every schema table, schema column order and types
    lucky.duckdb                  one schema per database, opened read-only by the service
    manifest.json                 planted facts (see ``gen_facts``) plus scale and seed
    dataset.json                  parameters, generator version, per-table rows + sha256, fingerprint

A build is skipped when ``dataset.json`` records the same parameters and generator version
(unless ``force``). The DuckDB file is written to a temporary name and renamed into place, so
a reader never sees a half-built database. Same seed and scale give the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from app.dataset.arrowutil import conform_table, empty_table
from app.dataset.gen_core import generate_core
from app.dataset.links import link_coupon_numbers
from app.dataset.schema import DATABASES, TABLES, ddl_duckdb
from app.errors import LuckyError

GENERATOR_RELEASE = "1.0"
NOT_GENERATOR = {"build.py", "report.py", "mysql_load.py", "__init__.py"}


def _generator_version() -> str:
    """Release plus a hash of the generator's source, so a code change invalidates built datasets."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name not in NOT_GENERATOR:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{GENERATOR_RELEASE}+{h.hexdigest()[:12]}"


GENERATOR_VERSION = _generator_version()
HELPERS = (("app.dataset.gen_growth", "generate_growth"), ("app.dataset.gen_supply", "generate_supply"))


def _params(scale: float, seed: int, bulk_scale: float) -> dict[str, Any]:
    return {"scale": scale, "seed": seed, "bulk_scale": bulk_scale, "generator_version": GENERATOR_VERSION}


def _current(out: Path, params: dict[str, Any]) -> dict[str, Any] | None:
    meta = out / "dataset.json"
    if not meta.exists() or not (out / "lucky.duckdb").exists():
        return None
    try:
        data: dict[str, Any] = json.loads(meta.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if all(data.get(k) == v for k, v in params.items()) else None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.str_):
        return str(obj)
    return obj


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda _msg: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description:<34}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task("starting", total=total)

        def step(msg: str) -> None:
            bar.update(task, description=msg, advance=1)

        yield step
        bar.update(task, description="done", completed=total)


def _helper_tables(ctx: Any) -> dict[str, pa.Table]:
    """Tables from the growth and supply generators, when those modules exist."""
    out: dict[str, pa.Table] = {}
    for module, func in HELPERS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
            continue
        out.update(getattr(mod, func)(ctx))
    return out


class _HelperThread:
    """Runs the growth and supply generators beside the rest of the core (NumPy releases the GIL)."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.tables: dict[str, pa.Table] = {}
        self.error: BaseException | None = None

    def start(self, ctx: Any) -> None:
        def run() -> None:
            try:
                self.tables = _helper_tables(ctx)
            except BaseException as err:  # re-raised in the building thread
                self.error = err

        self.thread = threading.Thread(target=run, name="growth-supply", daemon=True)
        self.thread.start()

    def result(self) -> dict[str, pa.Table]:
        if self.thread is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.tables


def build_dataset(out: Path, *, scale: float, seed: int, bulk_scale: float, force: bool, progress: bool) -> str:
    """Generate every table into ``out`` and return a one-line summary."""
    if scale <= 0 or bulk_scale <= 0:
        raise LuckyError("scale and bulk_scale must be positive")
    out = Path(out)
    params = _params(scale, seed, bulk_scale)
    if not force and (cur := _current(out, params)) is not None:
        return f"dataset in {out} is up to date (fingerprint {cur['fingerprint'][:12]}, scale {scale}, seed {seed})"
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / "dataset.json").unlink(missing_ok=True)  # a build that dies half-way must not look current
    n_tables = len(TABLES)
    with _progress(progress, 11 + n_tables // 8) as step:
        helpers = _HelperThread()
        tables, ctx, facts = generate_core(seed, scale, bulk_scale, step, on_context=helpers.start)
        step("growth and supply tables")
        tables.update({q: conform_table(q, tab) for q, tab in helpers.result().items() if q in TABLES})
        link_coupon_numbers(tables)  # t_order.coupon_no needs both the core's orders and the growth's coupons
        for q in TABLES:
            if q not in tables:
                tables[q] = empty_table(q)
        step("writing parquet and duckdb")
        info = _write(out, tables, step)
        for kind, fact in facts.items():  # the helpers' restatement of a kind (churn_cohort) wins
            ctx.manifest.setdefault(kind, fact)
        manifest = {"scale": scale, "seed": seed, "bulk_scale": bulk_scale, "generator_version": GENERATOR_VERSION,
                    **_jsonable(ctx.manifest)}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    fingerprint = hashlib.sha256(json.dumps({"params": params, "tables": info}, sort_keys=True).encode()).hexdigest()
    meta = {**params, "tables": info, "fingerprint": fingerprint,
            "rows": sum(v["rows"] for v in info.values())}
    (out / "dataset.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    secs = time.perf_counter() - t0
    return (f"built {len(info)} tables, {meta['rows']:,} rows in {secs:.1f} s into {out} "
            f"(scale {scale}, seed {seed}, bulk_scale {bulk_scale}, fingerprint {fingerprint[:12]})")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write(out: Path, tables: dict[str, pa.Table], step: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    tmp = out / f"lucky.duckdb.tmp-{os.getpid()}"
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("SET threads TO 2")
    info: dict[str, dict[str, Any]] = {}

    def parquet(q: str, tab: pa.Table) -> dict[str, Any]:
        t = TABLES[q]
        path = out / "tables" / t.database / f"{t.name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(tab, path, compression="zstd", compression_level=1, row_group_size=1 << 20)
        return {"rows": tab.num_rows, "sha256": _sha256(path)}

    # Parquet files are written on a second thread while DuckDB loads the same Arrow tables.
    with ThreadPoolExecutor(max_workers=1) as pool:
        futures = {}
        try:
            for db in DATABASES:
                con.execute(f'CREATE SCHEMA "{db}"')
            for i, (q, tab) in enumerate(sorted(tables.items())):
                t = TABLES[q]
                if tab.column_names != t.column_names:
                    raise LuckyError(f"{q}: columns {tab.column_names} differ from the schema")
                futures[q] = pool.submit(parquet, q, tab)
                con.execute(ddl_duckdb(t))
                con.register("_src", tab)
                con.execute(f'INSERT INTO "{t.database}"."{t.name}" SELECT * FROM _src')
                con.unregister("_src")
                if i % 8 == 7:
                    step(f"wrote {i + 1} tables")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        info = {q: f.result() for q, f in sorted(futures.items())}
    os.replace(tmp, out / "lucky.duckdb")
    return info
