"""The tool contract: typed input, typed output, findings with evidence, SQL through the guardrails.

A departmental tool is a function of (context, validated input) returning a ``ToolOutput``. Its SQL
goes through ``ToolContext.query`` — the same guardrails and executor as every other statement —
as the ``system`` principal (read-only, unmasked aggregates) unless the caller's principal is
narrower, in which case the caller's scope and masking apply.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp

from app.executor import Executor, Result
from guardrails.principal import SYSTEM, Principal


class Severity(StrEnum):
    critical = "critical"
    warning = "warning"
    info = "info"


class Finding(BaseModel):
    """Something a person should know: what, where, how bad, and the rows that prove it."""

    severity: Severity
    kind: str = Field(description="stable code, e.g. 'payment_missing', 'device_offline'")
    title: str = Field(description="what was found, one sentence")
    where: str = Field("", description="store / day / device / channel the finding is about")
    evidence: list[dict[str, Any]] = Field(default_factory=list, description="rows that prove it")
    keys: dict[str, Any] = Field(default_factory=dict, description="ids to match against planted facts")


class TableOut(BaseModel):
    name: str
    columns: list[str]
    rows: list[list[Any]]


class ToolOutput(BaseModel):
    """What every tool returns; surfaces render it, tests compare findings with the manifest."""

    tool: str
    title: str
    summary: str = ""
    headline: dict[str, Any] = Field(default_factory=dict, description="the key figures")
    tables: list[TableOut] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    chart: dict[str, Any] | None = Field(None, description="Vega-Lite specification")
    documents: dict[str, Any] = Field(default_factory=dict,
                                      description="rendered forms of the output, e.g. markdown, slack_blocks")
    parameters: dict[str, Any] = Field(default_factory=dict)
    filters: list[str] = Field(default_factory=list)
    sql: list[str] = Field(default_factory=list, description="statements run, MySQL dialect")
    elapsed_ms: float = 0.0

    def findings_of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


class ToolInput(BaseModel):
    """Base for every tool's input model: flat fields, each described (Dify reads them)."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class ToolContext:
    """What a tool runs with: the executor, the target, who asks, and the reference date."""

    executor: Executor
    target: str = "duckdb"
    principal: Principal = SYSTEM
    today: dt.date = dt.date(2026, 2, 14)
    statements: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # per-run lookups (shop list, ...) shared by helpers

    @property
    def state_url(self) -> str:
        """The service's state database (tool state such as acknowledgements and snapshots lives there);
        ``cache["state_url"]`` overrides it, e.g. in tests."""
        return str(self.cache.get("state_url") or self.executor.settings.state_database_url)

    def query(self, sql: str | exp.Expr, row_cap: int | None = None) -> Result:
        """Run one statement through the guardrails and the executor; remember it for the output."""
        result = self.executor.run(sql, principal=self.principal, target=self.target, row_cap=row_cap)
        self.statements.append(sql if isinstance(sql, str) else sql.sql("mysql"))
        return result

    def records(self, sql: str | exp.Expr, row_cap: int | None = None) -> list[dict[str, Any]]:
        res = self.query(sql, row_cap)
        return [dict(zip(res.columns, row, strict=True)) for row in res.rows]


@dataclass(frozen=True)
class ToolSpec:
    """A registered tool: stable name, who it is for, its input model and its function."""

    name: str
    title: str
    description: str
    department: str
    seed_tool: int
    input_model: type[ToolInput]
    fn: Callable[[ToolContext, Any], ToolOutput]
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def run(self, ctx: ToolContext, params: dict[str, Any] | ToolInput | None = None) -> ToolOutput:
        args = params if isinstance(params, ToolInput) else self.input_model.model_validate(params or {})
        started = time.perf_counter()
        out = self.fn(ctx, args)
        out.parameters = args.model_dump(mode="json")
        out.sql = list(ctx.statements)
        out.elapsed_ms = (time.perf_counter() - started) * 1000
        return out


class ToolRegistryError(KeyError):
    pass


REGISTRY: dict[str, ToolSpec] = {}
