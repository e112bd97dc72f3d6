"""Gold SQL is checked too: every statement passes the guardrails and gives the same result on
DuckDB and MariaDB (judged by the comparator the scorer uses) on the small dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import guardrails
from app.executor import Executor
from evals.compare import Table, compare, round_digits
from evals.suite import Case, load_suite
from guardrails.principal import SYSTEM, Principal

ROOT = Path(__file__).resolve().parents[2]
SUITES = sorted((ROOT / "evals" / "golden").glob("*.yaml"))


@dataclass(frozen=True)
class Gold:
    """One distinct gold statement with the principal it runs as."""

    case_id: str
    sql: str
    role: str
    shops: tuple[int | str, ...]
    order_matters: bool


def _golds() -> list[Gold]:
    seen: dict[tuple[str, str, tuple[int | str, ...]], Gold] = {}
    for path in SUITES:
        for c in load_suite(path).cases:
            if c.sql and (c.sql, c.role, c.shops) not in seen:
                seen[(c.sql, c.role, c.shops)] = Gold(f"{path.stem}:{c.id}", c.sql, c.role, c.shops,
                                                      c.order_matters)
    return list(seen.values())


GOLDS = _golds()


def _principal(g: Gold | Case, ids: dict[str, int] | None = None) -> Principal:
    shops = tuple(s if isinstance(s, int) else (ids[s] if ids else 1) for s in g.shops)
    return Principal(role=g.role, shops=shops, name="gold-check")


@pytest.fixture(scope="module")
def shop_ids(duck: Executor) -> dict[str, int]:
    res = duck.run("SELECT id, shop_name FROM luckyus_opshop.t_shop_info", principal=SYSTEM)
    return {str(name): int(i) for i, name in res.rows}


def test_there_is_gold_to_check() -> None:
    assert SUITES and len(GOLDS) >= 50


@pytest.mark.parametrize("gold", GOLDS, ids=[g.case_id for g in GOLDS])
@pytest.mark.parametrize("target", ["duckdb", "mysql"])
def test_gold_passes_the_guardrails(gold: Gold, target: str) -> None:
    verdict = guardrails.check(gold.sql, _principal(gold), target)
    assert verdict.allowed, f"{gold.case_id}: {verdict.reason}"


@pytest.mark.parametrize("gold", GOLDS, ids=[g.case_id for g in GOLDS])
def test_gold_same_on_duckdb_and_mariadb(gold: Gold, duck: Executor, maria: Executor,
                                          shop_ids: dict[str, int]) -> None:
    principal = _principal(gold, shop_ids)
    d = duck.run(gold.sql, principal=principal)
    m = maria.run(gold.sql, principal=principal)
    digits = round_digits(gold.sql, len(d.columns))
    assert not d.truncated and not m.truncated
    match = compare(Table(d.columns, d.rows, digits=digits), Table(m.columns, m.rows, digits=digits),
                    order_matters=gold.order_matters)
    assert match.ok, f"{gold.case_id}: {match.why}\nduckdb: {d.rows[:5]}\nmariadb: {m.rows[:5]}"
    back = compare(Table(m.columns, m.rows, digits=digits), Table(d.columns, d.rows, digits=digits),
                   order_matters=gold.order_matters)
    assert back.ok, f"{gold.case_id} (MariaDB as gold): {back.why}"
