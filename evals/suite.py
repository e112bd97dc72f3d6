"""Golden suites: the YAML format, its validation, and the order cases are asked in.

The format is fixed by the evals issue so suites written elsewhere run unchanged; one optional
extension, ``tool: NAME``, marks a question that must be routed to a departmental tool (it
replaces ``sql`` on an ``expect: answer`` case). Unknown keys are rejected, so a typo such as
``order_maters`` fails loudly instead of silently changing the score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Expect = Literal["answer", "clarify", "refuse"]


class SuiteError(Exception):
    """The suite file cannot be used as written (the message says where and why)."""


class Case(BaseModel):
    """One golden question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    expect: Expect
    sql: str | None = None
    tool: str | None = None
    order_matters: bool = False
    role: Literal["analyst", "store_manager", "admin"] = "analyst"
    shops: tuple[int | str, ...] = ()
    follow_up_of: str | None = None
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.expect == "answer" and bool(self.sql) == bool(self.tool):
            raise ValueError("an `expect: answer` case needs exactly one of `sql` (gold SQL) or `tool`")
        if self.expect != "answer" and (self.sql or self.tool):
            raise ValueError(f"an `expect: {self.expect}` case must not have `sql` or `tool`")
        if self.role == "store_manager" and not self.shops:
            raise ValueError("a store_manager case needs `shops` (ids or exact shop names)")
        if self.shops and self.role != "store_manager":
            raise ValueError("`shops` only applies to role store_manager")
        return self


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suite: str
    today: dt.date | None = None
    cases: list[Case]
    path: str | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _links(self) -> Suite:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        by_id = {c.id: c for c in self.cases}
        for case in self.cases:
            chain = [case.id]
            parent = case.follow_up_of
            while parent is not None:
                if parent not in by_id:
                    raise ValueError(f"case {chain[-1]!r} follows up unknown case {parent!r}")
                if parent in chain:
                    raise ValueError(f"follow-up cycle: {' -> '.join([*chain, parent])}")
                chain.append(parent)
                parent = by_id[parent].follow_up_of
        return self

    def by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}

    def ancestors(self, case: Case) -> list[Case]:
        """The cases this one follows up, oldest first."""
        ids = self.by_id()
        chain: list[Case] = []
        parent = case.follow_up_of
        while parent is not None:
            chain.append(ids[parent])
            parent = ids[parent].follow_up_of
        return list(reversed(chain))

    def select(self, ids: Iterable[str] = (), tags: Iterable[str] = ()) -> list[Case]:
        """The cases whose id is in ``ids`` or that carry one of ``tags`` (all when both empty)."""
        want_ids, want_tags = set(ids), set(tags)
        unknown = want_ids - set(self.by_id())
        if unknown:
            raise SuiteError(f"no such case id(s): {', '.join(sorted(unknown))}")
        if not want_ids and not want_tags:
            return list(self.cases)
        return [c for c in self.cases if c.id in want_ids or want_tags & set(c.tags)]


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"suite file not found: {p}") from None
    except yaml.YAMLError as err:
        raise SuiteError(f"{p}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise SuiteError(f"{p}: expected a mapping with `suite`, `cases` (and optional `today`)")
    try:
        suite = Suite.model_validate(raw)
    except ValidationError as err:
        raise SuiteError(f"{p}: {_explain(err, raw)}") from None
    suite.path = str(p)
    return suite


def _explain(err: ValidationError, raw: dict[str, object]) -> str:
    lines = []
    cases = raw.get("cases") if isinstance(raw.get("cases"), list) else []
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int) and cases:
            item = cases[loc[1]]  # type: ignore[index]
            if isinstance(item, dict) and "id" in item:
                where = f"case {item['id']!r}" + ("." + ".".join(str(x) for x in loc[2:]) if loc[2:] else "")
        lines.append(f"{where}: {e['msg']}")
    return "; ".join(lines)


def asking_order(suite: Suite, cases: list[Case]) -> list[Case]:
    """``cases`` reordered so each follow-up comes right after its parent's thread (depth first).

    File order is kept otherwise; a follow-up whose parent is not selected stays where it is (the
    runner replays the parent, unscored, in its conversation).
    """
    selected = {c.id for c in cases}
    children: dict[str, list[Case]] = {}
    roots: list[Case] = []
    for c in cases:
        if c.follow_up_of in selected:
            children.setdefault(str(c.follow_up_of), []).append(c)
        else:
            roots.append(c)
    out: list[Case] = []

    def visit(c: Case) -> None:
        out.append(c)
        for child in children.get(c.id, []):
            visit(child)

    for r in roots:
        visit(r)
    return out
