"""Shared fixtures: one small dataset built per code version, loaded into DuckDB and MariaDB.

The small dataset lives under ``.cache/test-data`` keyed by scale and seed, guarded by a file
lock so parallel test processes build it once. The MariaDB copy is reloaded only when the
dataset's fingerprint changes.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.executor import Executor
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SMALL_SCALE = 0.01
SMALL_SEED = 7
MYSQL_URL = os.environ.get("LUCKY_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")


def _locked(path: Path) -> _Lock:
    return _Lock(path)


class _Lock:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "w")  # noqa: SIM115

    def __enter__(self) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


@pytest.fixture(scope="session")
def small_data() -> Path:
    """A dataset at scale 0.01 (every code, shop and top product present), built once."""
    from app.dataset.build import build_dataset

    out = ROOT / ".cache" / "test-data" / f"scale{SMALL_SCALE}-seed{SMALL_SEED}"
    with _locked(ROOT / ".cache" / "test-data.lock"):
        build_dataset(out, scale=SMALL_SCALE, seed=SMALL_SEED, bulk_scale=1.0, force=False, progress=False)
    return out


@pytest.fixture(scope="session")
def small_settings(small_data: Path) -> Settings:
    return Settings(data_dir=small_data, mysql_url=MYSQL_URL)


@pytest.fixture(scope="session")
def duck(small_settings: Settings) -> Iterator[Executor]:
    ex = Executor(small_settings.model_copy(update={"target": "duckdb"}))
    yield ex
    ex.dispose()


@pytest.fixture(scope="session")
def mysql_loaded(small_data: Path) -> str:
    """The small dataset loaded into the local MariaDB (fails loudly if MariaDB is down)."""
    from app.dataset.mysql_load import load_mysql

    with _locked(ROOT / ".cache" / "mysql-load.lock"):
        load_mysql(small_data, MYSQL_URL, progress=False, skip_if_current=True)
    return MYSQL_URL


@pytest.fixture(scope="session")
def maria(small_settings: Settings, mysql_loaded: str) -> Iterator[Executor]:
    ex = Executor(small_settings.model_copy(update={"target": "mysql"}))
    yield ex
    ex.dispose()


@pytest.fixture()
def mysql_state() -> Iterator[str]:
    """A throw-away state database on the local MariaDB, dropped afterwards (no other database is touched)."""
    from app.state.store import state_engine

    name = f"lucky_state_test_{secrets.token_hex(4)}"
    server = sa.create_engine(MYSQL_URL)
    with server.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    url = f"{MYSQL_URL.rstrip('/')}/{name}"
    try:
        yield url
    finally:
        state_engine(url).dispose()
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        server.dispose()
