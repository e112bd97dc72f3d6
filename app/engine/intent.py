"""The structured meaning of a question: what the offline parser produces and the SQL builder reads.

An ``Intent`` names semantic-model ids only (metrics, dimensions, segments), never SQL, so the
same intent can be explained to a person, carried into a follow-up question, or rebuilt as SQL
for another target.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

Grain = Literal["day", "week", "month", "quarter", "year", "custom"]


class Period(BaseModel):
    """A range of local business days, both ends inclusive."""

    start: dt.date | None = Field(None, description="None: from the beginning of the data")
    end: dt.date
    label: str
    grain: Grain = "custom"

    @property
    def days(self) -> int | None:
        return None if self.start is None else (self.end - self.start).days + 1

    def describe(self) -> str:
        if self.start is None:
            return f"{self.label} (up to {self.end:%b %-d, %Y})"
        if str(self.start.year) in self.label:
            return self.label
        if self.start == self.end:
            return f"{self.label} ({self.start:%a %b %-d, %Y})"
        return f"{self.label} ({self.start:%b %-d, %Y} to {self.end:%b %-d, %Y})"


class Condition(BaseModel):
    """One filter: a dimension's values, a named segment, or a local-hour window."""

    kind: Literal["dim", "segment", "hours", "amount"]
    dimension: str | None = None
    values: list[str | int] = Field(default_factory=list, description="keys compared with the dimension")
    labels: list[str] = Field(default_factory=list, description="what to call the values in prose")
    segment: str | None = None
    hours: tuple[int, int] | None = Field(None, description="local hours [from, to) ")
    amount: tuple[str, float] | None = Field(None, description="('>', 10.0): order amount threshold")
    negate: bool = False

    def describe(self) -> str:
        words = " or ".join(self.labels) if self.labels else ""
        if self.kind == "segment":
            words = self.labels[0] if self.labels else str(self.segment)
        elif self.kind == "hours" and self.hours and not self.labels:
            words = f"between {self.hours[0]}:00 and {self.hours[1]}:00"
        elif self.kind == "amount" and self.amount:
            words = f"orders {self.amount[0]} ${self.amount[1]:g}"
        return f"not {words}" if self.negate else words

    def key(self) -> tuple[object, ...]:
        return (self.kind, self.dimension, self.segment)


class Comparison(BaseModel):
    """Two or more periods, or two or more members (stores, weekday/weekend), side by side."""

    kind: Literal["periods", "members"]
    periods: list[Period] = Field(default_factory=list)
    members: list[Condition] = Field(default_factory=list)

    def labels(self) -> list[str]:
        if self.kind == "periods":
            return [p.label for p in self.periods]
        return [m.describe() for m in self.members]


class Intent(BaseModel):
    """What was understood. ``confidence`` below the router's threshold means: do not answer."""

    metrics: list[str] = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=list, description="dimension ids")
    conditions: list[Condition] = Field(default_factory=list)
    period: Period | None = None
    compare: Comparison | None = None
    order: Literal["desc", "asc"] | None = None
    limit: int | None = None
    top_per: str | None = Field(None, description="'the top product in each store': rank within this dimension")
    share: bool = Field(False, description="add each row's share of the total")
    share_of: Condition | None = Field(None, description="'what % of orders were delivery': the part")
    growth: bool = False
    per: str | None = Field(None, description="'average daily revenue': the dimension averaged over")
    include_outliers: bool = False
    lifted: list[str] = Field(default_factory=list, description="default filters the question lifted")
    source: str = "orders"
    confidence: float = 1.0
    explanation: str = ""
    notes: list[str] = Field(default_factory=list)

    def dims_and_conditions(self) -> set[str]:
        out = set(self.group_by)
        out.update(c.dimension for c in self.conditions if c.dimension)
        return out
