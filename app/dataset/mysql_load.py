"""Load a built dataset into a MySQL/MariaDB server: the 18 databases, same rows, same types.

This is a build-time administrator step, not a user query, so it uses its own writable
connection instead of the read-only executor. Each table is exported from its Parquet file to
a tab-separated file by DuckDB and bulk-loaded with ``LOAD DATA LOCAL INFILE``; secondary indexes
are added after the load (faster than maintaining them row by row). Named time zones are loaded
into the server when ``CONVERT_TZ`` cannot resolve them, since every local-time question needs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pymysql
from rich.progress import Progress
from sqlalchemy.engine import make_url

from app.dataset.schema import DATABASES, TABLES, Table, ddl_mysql
from app.errors import ConnectionFailed, DataMissing

META_DB = "ask_lucky_meta"
ZONES = ("UTC", "America/New_York", "Pacific/Rarotonga")


def _connect(url: str, database: str | None = None) -> pymysql.connections.Connection:
    u = make_url(url)
    try:
        return pymysql.connect(
            host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
            password=u.password or "", database=database, local_infile=True, autocommit=True,
            charset="utf8mb4", client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS, connect_timeout=5,
        )
    except pymysql.err.OperationalError as err:
        raise ConnectionFailed(f"Could not connect to MySQL at {u.host}:{u.port or 3306}: {err.args[-1]}") from None


def _fingerprint(data_dir: Path) -> str:
    meta = data_dir / "dataset.json"
    if not meta.exists():
        raise DataMissing(f"{data_dir} is not a built dataset (no dataset.json). Run `lucky data build`.")
    return str(json.loads(meta.read_text())["fingerprint"])


def loaded_fingerprint(url: str) -> str | None:
    """The fingerprint of the dataset last loaded into this server, if any."""
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT fingerprint FROM {META_DB}.load_state LIMIT 1")
            row = cur.fetchone()
            return str(row[0]) if row else None
    except pymysql.err.MySQLError:
        return None
    finally:
        conn.close()


def ensure_time_zones(conn: pymysql.connections.Connection) -> None:
    """Load the named zones the data uses when the server's time zone tables lack them."""
    with conn.cursor() as cur:
        cur.execute("SELECT CONVERT_TZ('2026-01-01 12:00:00', 'UTC', 'America/New_York'), "
                    "CONVERT_TZ('2026-01-01 12:00:00', 'UTC', 'Pacific/Rarotonga')")
        row = cur.fetchone()
        if row and all(v is not None for v in row):
            return
        tool = shutil.which("mariadb-tzinfo-to-sql") or shutil.which("mysql_tzinfo_to_sql")
        if not tool:
            raise ConnectionFailed("The MySQL server has no time zone tables and mysql_tzinfo_to_sql is "
                                   "not installed; load them so CONVERT_TZ works.")
        for zone in ZONES:
            path = Path("/usr/share/zoneinfo") / zone
            sql = subprocess.run([tool, str(path), zone], check=True, capture_output=True, text=True).stdout
            cur.execute("USE mysql")
            cur.execute(sql)
            while cur.nextset():
                pass


def _export_tsv(con: duckdb.DuckDBPyConnection, parquet: Path, out: Path) -> int:
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{out}' "
        "(FORMAT csv, HEADER false, DELIMITER '\t', NULL 'NULL', QUOTE '\"', ESCAPE '\"', "
        "TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S', DATEFORMAT '%Y-%m-%d')"
    )
    row = con.execute(f"SELECT COUNT(*) FROM read_parquet('{parquet}')").fetchone()
    return int(row[0]) if row else 0


def _create(cur: Any, t: Table) -> None:
    no_index = Table(t.database, t.name, t.columns, t.primary_key, (), t.full_rows, t.bulk)
    cur.execute(f"DROP TABLE IF EXISTS `{t.database}`.`{t.name}`")
    cur.execute(ddl_mysql(no_index))


def _add_indexes(cur: Any, t: Table) -> None:
    if not t.indexes:
        return
    adds = ", ".join(f"ADD KEY `ix_{t.name}_{i}` ({', '.join(f'`{c}`' for c in idx)})"
                     for i, idx in enumerate(t.indexes))
    cur.execute(f"ALTER TABLE `{t.database}`.`{t.name}` {adds}")


def load_mysql(data_dir: Path, url: str, *, progress: bool = True, skip_if_current: bool = False) -> dict[str, Any]:
    """Create the databases and bulk-load every table; returns row count, seconds and rows/s."""
    data_dir = Path(data_dir)
    fingerprint = _fingerprint(data_dir)
    if skip_if_current and loaded_fingerprint(url) == fingerprint:
        return {"rows": 0, "seconds": 0.0, "rows_per_s": 0.0, "databases": len(DATABASES), "skipped": True}
    conn = _connect(url)
    started = time.perf_counter()
    total = 0
    duck = duckdb.connect()
    try:
        ensure_time_zones(conn)
        with conn.cursor() as cur, tempfile.TemporaryDirectory(prefix="lucky-load-") as tmp:
            cur.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {META_DB}")
            cur.execute(f"DROP TABLE IF EXISTS {META_DB}.load_state")
            for db in DATABASES:
                cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
                cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            with Progress(disable=not progress, transient=True) as bar:
                task = bar.add_task("loading MySQL", total=len(TABLES))
                for t in TABLES.values():
                    _create(cur, t)
                    parquet = data_dir / "tables" / t.database / f"{t.name}.parquet"
                    if parquet.exists():
                        tsv = Path(tmp) / f"{t.database}.{t.name}.tsv"
                        rows = _export_tsv(duck, parquet, tsv)
                        if rows:
                            cols = ", ".join(f"`{c.name}`" for c in t.columns)
                            cur.execute(
                                f"LOAD DATA LOCAL INFILE '{tsv}' INTO TABLE `{t.database}`.`{t.name}` "
                                "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' OPTIONALLY ENCLOSED BY '\"' "
                                f"ESCAPED BY '' LINES TERMINATED BY '\\n' ({cols})"
                            )
                        total += rows
                        tsv.unlink(missing_ok=True)
                    _add_indexes(cur, t)
                    bar.advance(task)
            cur.execute(f"CREATE TABLE {META_DB}.load_state (fingerprint VARCHAR(80) NOT NULL)")
            cur.execute(f"INSERT INTO {META_DB}.load_state VALUES (%s)", (fingerprint,))
    finally:
        duck.close()
        conn.close()
    seconds = time.perf_counter() - started
    return {"rows": total, "seconds": seconds, "rows_per_s": total / seconds if seconds else 0.0,
            "databases": len(DATABASES), "skipped": False}
