"""People mark answers right or wrong; an admin decides which pairs become retrieval examples.

A confirmed answer (its SQL) or a correction (new SQL) is stored as *pending*. Only an admin's
approval turns it into an example the LLM engine retrieves (``approved_examples.yaml`` in the
``examples:`` format the catalog index reads), and only if the SQL is still a read-only statement
the guardrails accept. Saving every query that returned rows would teach the engine its own
mistakes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

import guardrails
from guardrails.principal import Principal

Verdict = Literal["right", "wrong"]
State = Literal["pending", "approved", "rejected", "noted"]


class FeedbackError(ValueError):
    """The feedback cannot be recorded or approved as asked (the message says why)."""


class Feedback(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    question: str
    sql: str | None = None
    verdict: Verdict
    corrected_sql: str | None = None
    user: str = "anonymous"
    state: State = "pending"
    created: str = Field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    decided_by: str | None = None

    @property
    def example_sql(self) -> str | None:
        return self.corrected_sql if self.verdict == "wrong" else self.sql


class FeedbackStore:
    """Feedback in a JSON-lines file, examples in a YAML file, both under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.path = self.dir / "feedback.jsonl"
        self.examples_path = self.dir / "approved_examples.yaml"
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.dir / ".feedback.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read(self) -> list[Feedback]:
        if not self.path.exists():
            return []
        return [Feedback.model_validate_json(line) for line in self.path.read_text().splitlines() if line.strip()]

    def _write(self, items: list[Feedback]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(i.model_dump_json() + "\n" for i in items))
        tmp.replace(self.path)

    def submit(self, *, question: str, verdict: Verdict, sql: str | None = None, corrected_sql: str | None = None,
               user: str = "anonymous") -> Feedback:
        """Record a judgement; it is a candidate example only if it carries SQL to learn from."""
        item = Feedback(question=question, sql=sql, verdict=verdict, corrected_sql=corrected_sql, user=user)
        if item.example_sql is None:
            item.state = "noted"  # "wrong" without a correction: useful to read, nothing to learn from
        with self._locked(), open(self.path, "a") as fh:
            fh.write(item.model_dump_json() + "\n")
        return item

    def pending(self) -> list[Feedback]:
        return [i for i in self._read() if i.state == "pending"]

    def decide(self, fid: str, principal: Principal, *, approve: bool) -> Feedback:
        if principal.role != "admin":
            raise FeedbackError("Only an admin can approve or reject examples.")
        with self._locked():
            items = self._read()
            item = next((i for i in items if i.id == fid), None)
            if item is None:
                raise FeedbackError(f"No feedback with id {fid!r}.")
            if item.state != "pending":
                raise FeedbackError(f"Feedback {fid} is already {item.state}.")
            if approve:
                verdict = guardrails.check(item.example_sql or "", principal)
                if not verdict.allowed:
                    raise FeedbackError(f"The SQL is not a statement the guardrails accept: {verdict.reason}")
            item.state = "approved" if approve else "rejected"
            item.decided_by = principal.name
            self._write(items)
            self._write_examples([i for i in items if i.state == "approved"])
        return item

    def _write_examples(self, approved: list[Feedback]) -> None:
        rows = [{"id": f"feedback-{i.id}", "question": i.question, "sql": i.example_sql} for i in approved]
        self.examples_path.write_text(yaml.safe_dump({"examples": rows}, sort_keys=False, allow_unicode=True))

    def examples(self) -> list[dict[str, str]]:
        if not self.examples_path.exists():
            return []
        data = yaml.safe_load(self.examples_path.read_text()) or {}
        return list(data.get("examples", []))

    def dump(self) -> str:
        return json.dumps([i.model_dump() for i in self._read()], indent=2)
