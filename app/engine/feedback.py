"""People mark answers right or wrong; an admin decides which pairs become retrieval examples.

A confirmed answer (its SQL) or a correction (new SQL) is stored as *pending*. Only an admin's
approval turns it into an example the LLM engine retrieves, and only if the SQL is a read-only
statement the guardrails accept *for an analyst* that reads at least one catalog table: an example
is shown to the model whatever the asker's role, so one that filters on a phone number (allowed to
an admin) would put personal data in every prompt. Saving every query that returned rows would
teach the engine its own mistakes.

Where: the ``feedback`` table of the state database (``settings.state_database_url``), so every
replica sees the same items and decisions. An approval tells this process's catalog indexes to
upsert the new example at once; indexes elsewhere notice it when they next check the approved rows'
version (``schema_catalog.index.FEEDBACK_CHECK_S``).
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

import guardrails
from app.state.store import feedback as table
from app.state.store import state_engine
from guardrails.principal import Principal
from schema_catalog.documents import FEEDBACK_SOURCE, Example

if TYPE_CHECKING:
    from app.settings import Settings

Verdict = Literal["right", "wrong"]
State = Literal["pending", "approved", "rejected", "noted"]
STATES: tuple[State, ...] = ("pending", "approved", "rejected", "noted")
Version = tuple[int, str | None]
"""How many approved rows there are and when the last was decided: changes with every approval."""


class FeedbackError(ValueError):
    """The feedback cannot be recorded or approved as asked (the message says why)."""


class FeedbackForbidden(FeedbackError):
    """Someone other than an admin tried to decide."""


class FeedbackNotFound(FeedbackError):
    """No feedback has that id."""


class FeedbackConflict(FeedbackError):
    """The feedback was already decided."""


class FeedbackUnsafe(FeedbackError):
    """The SQL cannot become an example (the guardrails refuse it, or it reads no catalog table)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Feedback(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    question: str
    sql: str | None = None
    verdict: Verdict
    corrected_sql: str | None = None
    user: str = "anonymous"
    state: State = "pending"
    created: str = Field(default_factory=_now)
    decided_by: str | None = None
    decided: str | None = None

    @property
    def example_sql(self) -> str | None:
        return self.corrected_sql if self.verdict == "wrong" else self.sql


_COLUMNS = [table.c[name] for name in Feedback.model_fields]


def feedback_store(settings: Settings) -> FeedbackStore:
    return FeedbackStore(settings.state_database_url)


class FeedbackStore:
    """Feedback items in the state database at ``url`` (the table is created on first use)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _engine(self) -> sa.Engine:
        return state_engine(self.url)

    def _absent(self) -> bool:
        """A SQLite state file nobody has created yet: readers see no feedback rather than create it."""
        parsed = sa.engine.make_url(self.url)
        return (parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
                and not Path(str(parsed.database)).exists())

    def submit(self, *, question: str, verdict: Verdict, sql: str | None = None, corrected_sql: str | None = None,
               user: str = "anonymous") -> Feedback:
        """Record a judgement; it is a candidate example only if it carries SQL to learn from."""
        item = Feedback(question=question.strip(), sql=(sql or "").strip() or None, verdict=verdict,
                        corrected_sql=(corrected_sql or "").strip() or None, user=user)
        if item.example_sql is None:
            item.state = "noted"  # "wrong" without a correction: useful to read, nothing to learn from
        with self._engine().begin() as conn:
            conn.execute(table.insert().values(**item.model_dump()))
        return item

    def pending(self) -> list[Feedback]:
        return self.items("pending")

    def items(self, state: State | None = None) -> list[Feedback]:
        """Feedback in the order it arrived, optionally only in one state."""
        query = sa.select(*_COLUMNS).order_by(table.c.seq)
        if state is not None:
            query = query.where(table.c.state == state)
        with self._engine().connect() as conn:
            return [Feedback.model_validate(dict(row._mapping)) for row in conn.execute(query)]

    def get(self, fid: str) -> Feedback:
        with self._engine().connect() as conn:
            row = conn.execute(sa.select(*_COLUMNS).where(table.c.id == fid)).first()
        if row is None:
            raise FeedbackNotFound(f"There is no feedback with id {fid!r}.")
        return Feedback.model_validate(dict(row._mapping))

    def decide(self, fid: str, principal: Principal, *, approve: bool) -> Feedback:
        """Approve (the pair becomes a retrieval example) or reject a pending item; admins only.

        The update only matches a row that is still pending, so of two admins (or replicas) deciding
        the same item at once exactly one wins and the other gets ``FeedbackConflict``.
        """
        if principal.role != "admin":
            raise FeedbackForbidden("Only an admin can approve or reject examples; your key's role is "
                                    f"{principal.role}.")
        item = self.get(fid)
        if item.state != "pending":
            raise _conflict(item)
        if approve:
            check_example_sql(item.example_sql or "", principal.name)
        decision = {"state": "approved" if approve else "rejected", "decided_by": principal.name,
                    "decided": _now()}
        with self._engine().begin() as conn:
            changed = conn.execute(table.update().where(table.c.id == fid, table.c.state == "pending")
                                   .values(**decision)).rowcount
        if changed != 1:
            raise _conflict(self.get(fid))
        if approve:
            _tell_indexes(self.url)
        return item.model_copy(update=decision)

    def version(self) -> Version:
        """One cheap query whose answer changes with every approval: indexes poll it to notice other replicas'."""
        if self._absent():
            return 0, None
        query = sa.select(sa.func.count(), sa.func.max(table.c.decided)).where(table.c.state == "approved")
        with self._engine().connect() as conn:
            count, last = conn.execute(query).one()
        return int(count), last

    def examples(self) -> list[Example]:
        """The approved pairs as catalog examples (source ``feedback``), in the order they arrived."""
        if self._absent():
            return []
        query = (sa.select(table.c.id, table.c.question, table.c.sql, table.c.verdict, table.c.corrected_sql)
                 .where(table.c.state == "approved").order_by(table.c.seq))
        with self._engine().connect() as conn:
            rows = conn.execute(query).all()
        return [Example(id=f"feedback-{r.id}", question=r.question,
                        sql=str(r.corrected_sql if r.verdict == "wrong" else r.sql), source=FEEDBACK_SOURCE)
                for r in rows]


def _conflict(item: Feedback) -> FeedbackConflict:
    return FeedbackConflict(f"Feedback {item.id} is already {item.state}; only pending feedback can be "
                            "approved or rejected.")


def check_example_sql(sql: str, decider: str = "admin") -> None:
    """Raise ``FeedbackUnsafe`` unless ``sql`` may run for an analyst and reads a catalog table."""
    verdict = guardrails.check(sql, Principal(role="analyst", name=decider))
    if not verdict.allowed:
        raise FeedbackUnsafe("This SQL cannot become an example, because every user's prompt may show it and "
                             f"the guardrails refuse it for an analyst: {verdict.reason}")
    if not verdict.tables:
        raise FeedbackUnsafe("This SQL reads no table of the catalog, so it would teach the engine nothing.")


def _tell_indexes(url: str) -> None:
    """Have this process's catalog indexes upsert the new example now (no index loaded: nothing to tell)."""
    index = sys.modules.get("schema_catalog.index")
    if index is not None:
        index.feedback_changed(url)
