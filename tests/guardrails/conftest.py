"""Fixtures for the guardrails tests: the policies, and a small synthetic Luckin warehouse in DuckDB.

The synthetic warehouse has every table of the schema contract with a few dozen deterministic rows
(shops 1-4, keys that join), so the rewrite can be compared with the original on real SQL execution
without waiting for the full dataset build; ``test_golden.py`` uses the shared ``duck`` fixture too.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest

from app.dataset.schema import Column, T, Table, ddl_duckdb
from app.executor import Executor
from app.settings import Settings
from guardrails.default_policy import default_policy, policy_from_schema
from guardrails.policy import CatalogPolicy

ROWS = 48
SHOP_NAMES = ["8th & Broadway", "102 Fulton", "221 Grand", "28th & 6th"]
START = dt.datetime(2026, 2, 1, 8, 0, 0)


def _value(table: Table, col: Column, i: int) -> Any:
    """Deterministic value for row ``i`` (1-based) of ``col``: keys join, shops cycle through 1-4."""
    name, base = col.name, col.type.split("(")[0].upper()
    if name == "id":
        return i
    if name == "shop_id":
        return (i % 4) + 1
    if name.endswith("_id") or name in {"channel_id", "template_id", "experiment_id", "label_id"}:
        return (i * 7) % ROWS + 1
    if name == "user_no":
        return f"U{(i % 12):06d}"
    if name in {"phone", "contact_phone"}:
        return f"+1-212-555-{1000 + i:04d}"
    if name in {"email", "contact_email"}:
        return f"user{i}@example.com"
    if name in {"nick_name", "contact_name"}:
        return f"Name{i}"
    if name == "shop_name":
        return SHOP_NAMES[i % 4]
    if name == "currency_code":
        return "USD" if i % 9 else "NZD"
    if name == "status":
        return 90 if i % 3 else 0
    if name == "test_flag":
        return 1 if i % 4 == 3 else 0
    if name in {"time_zone"}:
        return "America/New_York"
    if base in {"BIGINT", "INT"}:
        return (i * 13) % 97
    if base == "TINYINT":
        return i % 3 + 1
    if base == "DECIMAL":
        precision, scale = (int(x) for x in col.type.split("(")[1].rstrip(")").split(","))
        room = 10 ** (precision - scale)
        return decimal.Decimal(f"{((i * 137) % 5000 / 100) % room:.{scale}f}")
    if base == "DATETIME":
        return START + dt.timedelta(hours=5 * i, minutes=i)
    if base == "DATE":
        return (START + dt.timedelta(days=i % 14)).date()
    return f"{name}_{i % 6}"


def build_synthetic(path: Path, rows: int = ROWS) -> Path:
    con = duckdb.connect(str(path))
    try:
        for db in sorted({t.database for t in T}):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{db}"')
        for t in T:
            con.execute(ddl_duckdb(t))
            if t.database in {"luckyus_fi_tax", "luckyus_isalesmembermarketing"}:
                continue  # empty by design, as in the real dataset
            data = [[_value(t, c, i) for c in t.columns] for i in range(1, rows + 1)]
            marks = ", ".join("?" for _ in t.columns)
            con.executemany(f'INSERT INTO "{t.database}"."{t.name}" VALUES ({marks})', data)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guard-synth")
    build_synthetic(out / "lucky.duckdb")
    return out


@pytest.fixture(scope="session")
def synth_exec(synthetic_dir: Path) -> Iterator[Executor]:
    ex = Executor(Settings(data_dir=synthetic_dir, target="duckdb"))
    yield ex
    ex.dispose()


@pytest.fixture(scope="session")
def synth_con(synth_exec: Executor) -> Iterator[duckdb.DuckDBPyConnection]:
    """A raw connection to the same file (DuckDB refuses a second configuration for one file, so it
    comes from the executor's own engine)."""
    raw = synth_exec.engine("duckdb").raw_connection()
    yield cast(duckdb.DuckDBPyConnection, raw.driver_connection)  # duckdb_engine's wrapper, same API
    raw.close()


@pytest.fixture(scope="session")
def luckin() -> CatalogPolicy:
    """The policy ``check`` uses by default (the shipped catalog, or the schema contract's)."""
    return default_policy()


@pytest.fixture(scope="session")
def contract() -> CatalogPolicy:
    """The schema contract's policy with the guard's own PII map (independent of the catalog)."""
    return policy_from_schema()
