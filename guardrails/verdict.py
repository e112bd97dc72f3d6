"""The Verdict: what the guardrails decided about one statement, and why."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RuleHit(BaseModel):
    """One rule that fired: a stable code and a sentence a non-engineer understands."""

    code: str
    message: str
    refused: bool = True


class Verdict(BaseModel):
    allowed: bool
    sql: str | None = Field(None, description="the rewritten statement in the target dialect")
    rules: list[RuleHit] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    masked: dict[str, str] = Field(default_factory=dict, description="output column -> PII class to mask")
    limit: int | None = None

    @property
    def reason(self) -> str:
        return " ".join(r.message for r in self.rules if r.refused)
