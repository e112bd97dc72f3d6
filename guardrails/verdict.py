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
    target: str | None = Field(None, description="the dialect `sql` is written in")
    output_pii: list[str | None] = Field(
        default_factory=list,
        description="per output position: the PII class to mask, or None (handles duplicate names and *)")
    output_mask: list[str | None] = Field(
        default_factory=list, description="per output position: partial | redact | hash, or None")
    mask_modes: dict[str, str] = Field(default_factory=dict, description="output column -> partial | redact | hash")
    unmasked: dict[str, str] = Field(
        default_factory=dict, description="admin only: output column -> PII class shown raw (to be logged)")
    scoped_tables: list[str] = Field(default_factory=list, description="tables restricted to the shops")
    limited: bool = Field(False, description="the guard added or lowered the outer LIMIT")
    timeout_ms: int | None = Field(None, description="MAX_EXECUTION_TIME hint added for MySQL")
    policy: str | None = Field(None, description="which catalog policy the statement was checked against")

    @property
    def reason(self) -> str:
        return " ".join(r.message for r in self.rules if r.refused)

    @property
    def code(self) -> str | None:
        """The first refusing rule's code (None when allowed)."""
        return next((r.code for r in self.rules if r.refused), None)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.rules]
