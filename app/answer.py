"""The answer object every surface shows: status, rows, summary, SQL, filters, chart, timings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["answer", "clarify", "refuse", "error"]


class Answer(BaseModel):
    """One reply to one question. ``clarification`` / ``reason`` are set when it asks or refuses."""

    status: Status
    question: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    column_types: list[str] = Field(default_factory=list, description="number | money | text | date | ...")
    truncated: bool = False
    sql: str | None = Field(None, description="the statement that produced the rows, MySQL dialect")
    summary: str = ""
    filters: list[str] = Field(default_factory=list, description="default filters that were applied")
    understood: str = Field("", description="what the engine understood the question to mean")
    confidence: float = 0.0
    chart: dict[str, Any] | None = Field(None, description="Vega-Lite specification")
    chart_id: str | None = None
    clarification: str | None = None
    options: list[str] = Field(default_factory=list, description="choices offered with a clarification")
    reason: str | None = None
    engine: str = "offline"
    tool: str | None = None
    elapsed_ms: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    conversation_id: str | None = None
