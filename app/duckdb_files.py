"""Read-only DuckDB connections that can share a process with the executor's pool.

DuckDB refuses a second connection to a file in one process unless its configuration is identical,
so every reader (executor, drift check, calibration report, tests) opens files with this one config.
Its connections also define the local-time macros the guard's DuckDB SQL calls (``app.localtime``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

# external access off: no file or network readers even if a statement got past the guardrails
EXECUTOR_CONFIG: dict[str, Any] = {"enable_external_access": False, "threads": 2}


def compatible_config() -> dict[str, Any]:
    """The executor's config as duckdb_engine passes it (it adds its user agent)."""
    import duckdb_engine
    import sqlalchemy as sa

    agent = f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sa.__version__})"
    return {**EXECUTOR_CONFIG, "custom_user_agent": agent}


@contextmanager
def duckdb_read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``path`` that coexists with the executor's connections."""
    from app.localtime import install_macros

    con = duckdb.connect(str(path), read_only=True, config=compatible_config())
    try:
        install_macros(con)  # so guarded SQL (app.executor) runs here too
        yield con
    finally:
        con.close()
