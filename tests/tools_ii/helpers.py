"""Helpers for the issue-9 tool tests: run a tool on an executor, read the manifest, compare engines."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from app.executor import Executor
from guardrails.principal import ADMIN, SYSTEM, Principal
from tools.base import ToolContext, ToolOutput
from tools.registry import get


def state_url(store: Path | str) -> str:
    """A SQLAlchemy URL for the tools' state: a path becomes a SQLite file, a URL is used as it is."""
    return store if isinstance(store, str) else f"sqlite:///{store}"


def context(ex: Executor, store: Path | str | None = None, principal: Principal = SYSTEM) -> ToolContext:
    """A tool context; ``store`` (a SQLite path or any state URL) keeps the tools' state out of ``./var``."""
    ctx = ToolContext(executor=ex, target=ex.settings.target, today=ex.settings.today, principal=principal)
    if store is not None:
        ctx.cache["state_url"] = state_url(store)
    return ctx


def run(ex: Executor, name: str, state: Path | str | None = None, principal: Principal = SYSTEM,
        **params: Any) -> ToolOutput:
    return get(name).run(context(ex, state, principal), params)


def manifest(data_dir: Path) -> dict[str, Any]:
    return json.loads((Path(data_dir) / "manifest.json").read_text())


def rows(out: ToolOutput, table: str) -> list[dict[str, Any]]:
    t = next(t for t in out.tables if t.name == table)
    return [dict(zip(t.columns, r, strict=True)) for r in t.rows]


def scalar(ex: Executor, sql: str) -> Any:
    """An independent figure: one value from hand-written SQL (MySQL dialect), read unmasked (admin)."""
    return ex.run(sql, principal=ADMIN).rows[0][0]


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4) + 0.0
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items() if k not in {"elapsed_ms"}}
    if isinstance(v, list | tuple):
        return [_norm(x) for x in v]
    return v


def comparable(out: ToolOutput) -> dict[str, Any]:
    """What must be identical across engines: headline, tables, findings (not SQL text or timings)."""
    d = out.model_dump(mode="json")
    return _norm({"headline": d["headline"], "tables": d["tables"], "documents": d["documents"],
                  "findings": [(f["kind"], f["severity"], f["title"], f["keys"]) for f in d["findings"]]})


def planted(manifest_: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The planted facts of one kind (manifest schema: ``{kind: {"description", "facts": [...]}}``)."""
    v = manifest_[kind]
    if isinstance(v, dict) and "facts" in v:
        return list(v["facts"])
    return list(v) if isinstance(v, list) else [v]
