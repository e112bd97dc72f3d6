"""Fixtures of the issue-9 tool tests: tool outputs computed once per engine and parameter set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.executor import Executor
from tests.tools_ii.helpers import run
from tools.base import ToolOutput

Runner = Callable[..., ToolOutput]


def _cached(ex: Executor, store: Path) -> Runner:
    memo: dict[tuple[str, tuple[tuple[str, Any], ...]], ToolOutput] = {}

    def call(name: str, **params: Any) -> ToolOutput:
        key = (name, tuple(sorted(params.items())))
        if key not in memo:
            memo[key] = run(ex, name, state=store, **params)
        return memo[key]

    return call


@pytest.fixture(scope="session")
def duck_tool(duck: Executor, tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """Run a tool on DuckDB (results memoised for the session; anomaly state in a temp file)."""
    return _cached(duck, tmp_path_factory.mktemp("duck-state") / "anomalies.sqlite")


@pytest.fixture(scope="session")
def maria_tool(maria: Executor, tmp_path_factory: pytest.TempPathFactory) -> Runner:
    return _cached(maria, tmp_path_factory.mktemp("maria-state") / "anomalies.sqlite")


@pytest.fixture(scope="session")
def facts(small_data: Path) -> dict[str, Any]:
    from tests.tools_ii.helpers import manifest

    return manifest(small_data)
