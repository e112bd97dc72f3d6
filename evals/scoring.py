"""Scoring one case: correct, wrong (confidently), missed, error — and why.

* ``expect: answer`` with gold ``sql``: correct when the engine answered and the gold result's
  columns all appear in the engine's result (``evals.compare``). Answering wrongly — including
  SQL the guardrails refuse or the database rejects when re-run — is **confidently wrong**.
* ``expect: answer`` with ``tool``: correct when the engine answered through that tool
  (names compare case-insensitively, ``-`` = ``_``); another tool or plain SQL is confidently wrong.
* ``expect: clarify`` / ``refuse``: correct when the engine clarifies / refuses. Answering is
  confidently wrong; refusing instead of clarifying (or the reverse) is only *missed*.
* An engine ``error`` (or an exception) is an *error*: not correct, not confidently wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.answer import Answer
from evals.compare import Table, compare
from evals.suite import Case

Outcome = Literal["correct", "wrong", "missed", "error", "skipped", "gold_error"]


@dataclass
class Judgement:
    outcome: Outcome
    why: str = ""
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def confidently_wrong(self) -> bool:
        return self.outcome == "wrong"


def tool_name(name: str | None) -> str:
    return (name or "").strip().lower().replace("-", "_").replace(" ", "_")


def judge_status(case: Case, answer: Answer) -> Judgement | None:
    """Everything decided by the answer's status and tool alone; None when rows must be compared."""
    status = answer.status
    if status == "error":
        return Judgement("error", f"engine error: {answer.reason or 'no reason given'}")
    if case.expect in {"clarify", "refuse"}:
        if status == case.expect:
            return Judgement("correct")
        if status == "answer":
            return Judgement("wrong", f"expected the engine to {case.expect}, but it answered")
        return Judgement("missed", f"expected {case.expect}, got {status}: {_said(answer)}")
    if status != "answer":
        return Judgement("missed", f"expected an answer, got {status}: {_said(answer)}")
    if case.tool:
        if tool_name(answer.tool) == tool_name(case.tool):
            return Judgement("correct")
        got = f"tool {answer.tool!r}" if answer.tool else "plain SQL"
        return Judgement("wrong", f"expected routing to tool {case.tool!r}, got {got}")
    return None


def judge_rows(case: Case, gold: Table, got: Table) -> Judgement:
    """Compare an answered case's result with the gold result."""
    m = compare(gold, got, order_matters=case.order_matters)
    if m.ok:
        return Judgement("correct", mapping=m.mapping)
    return Judgement("wrong", m.why)


def _said(answer: Answer) -> str:
    text = answer.clarification or answer.reason or answer.summary or ""
    return text[:200] if text else "(no message)"
