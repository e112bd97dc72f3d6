"""Shared helpers for the issue-8 tool tests: run a tool on an executor, read the manifest, compare outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.executor import Executor
from tools.base import ToolContext, ToolOutput
from tools.registry import get


def run(ex: Executor, name: str, **params: Any) -> ToolOutput:
    ctx = ToolContext(executor=ex, target=ex.settings.target, today=ex.settings.today)
    return get(name).run(ctx, params)


def manifest(data_dir: Path) -> dict[str, Any]:
    return json.loads((Path(data_dir) / "manifest.json").read_text())


def comparable(out: ToolOutput) -> dict[str, Any]:
    """What must be identical across engines: headline, tables and findings (not SQL text or timings)."""
    d = out.model_dump(mode="json")
    return {"headline": d["headline"], "tables": d["tables"],
            "findings": [(f["kind"], f["severity"], f["title"], f["keys"]) for f in d["findings"]]}


def rows(out: ToolOutput, table: str) -> list[dict[str, Any]]:
    t = next(t for t in out.tables if t.name == table)
    return [dict(zip(t.columns, r, strict=True)) for r in t.rows]


def sql(ex: Executor, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Independent check: DuckDB SQL written in the test, run on the engine's raw connection (no tool code,
    no guardrails; DuckDB refuses a second connection to the same file with another configuration)."""
    raw = ex.engine("duckdb").raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(query, params or [])
        return [tuple(r) for r in cur.fetchall()]
    finally:
        raw.close()
