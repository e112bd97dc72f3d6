"""Every issue-9 tool gives the same headline, tables and findings on DuckDB and on MariaDB."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tools_ii.conftest import Runner
from tests.tools_ii.helpers import comparable

CASES: list[tuple[str, dict[str, Any]]] = [
    ("customer360", {}),
    ("campaigns", {}),
    ("acquisition", {}),
    ("menu", {"top": 200}),
    ("recommend", {"product": "Iced Coconut Latte", "eval_users": 300}),
    ("staffing", {"store": "8th & Broadway", "uplift_pct": 20}),
    ("inventory", {"days": 240}),
    ("suppliers", {}),
    ("briefing", {"date": "2026-02-13"}),
    ("expansion", {"bootstrap": 50}),
    ("anomalies", {"since": "2025-07-01", "until": "2026-02-13", "min_severity": "info"}),
]


@pytest.mark.mysql
@pytest.mark.parametrize(("name", "params"), CASES, ids=[c[0] for c in CASES])
def test_same_results_on_duckdb_and_mariadb(name: str, params: dict[str, Any], duck_tool: Runner,
                                            maria_tool: Runner) -> None:
    d, m = comparable(duck_tool(name, **params)), comparable(maria_tool(name, **params))
    for part in ("headline", "findings", "tables", "documents"):
        assert d[part] == m[part], f"{name}: {part} differ"
