"""A tiny hand-made DuckDB (two stores, a handful of orders) and a scripted engine for runner tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from app.answer import Answer
from app.dataset.schema import ddl_duckdb, table
from app.executor import Executor
from app.settings import Settings
from guardrails.principal import Principal

SHOPS = [  # id, shop_name, test_flag
    (1, "8th & Broadway", 0),
    (2, "102 Fulton", 0),
    (3, "Cook Islands Test", 1),
]
ORDERS = [  # id, shop_id, status, currency, pay_money, create_time (UTC)
    (1, 1, 90, "USD", "4.50", "2026-02-13 14:00:00"),
    (2, 1, 90, "USD", "5.25", "2026-02-13 15:00:00"),
    (3, 2, 90, "USD", "3.10", "2026-02-13 16:00:00"),
    (4, 2, 0, "USD", "9.99", "2026-02-13 16:30:00"),  # cancelled
    (5, 3, 90, "USD", "7.00", "2026-02-13 17:00:00"),  # test shop, mislabelled USD
    (6, 1, 90, "USD", "6.00", "2026-02-14 03:00:00"),  # 22:00 on the 13th in New York
]


def _build(path: Path) -> None:
    con = duckdb.connect(str(path))
    for q in ("luckyus_opshop.t_shop_info", "luckyus_sales_order.t_order"):
        t = table(q)
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{t.database}"')
        con.execute(ddl_duckdb(t))
    for sid, name, flag in SHOPS:
        con.execute("INSERT INTO luckyus_opshop.t_shop_info (id, shop_no, shop_name, tenant, status, operation_mode,"
                    " time_zone, currency_code, internal, test_flag, create_time) VALUES"
                    " (?, ?, ?, 'LKUS', 1, 1, 'America/New_York', 'USD', 0, ?, '2025-06-01')",
                    [sid, f"S{sid}", name, flag])
    for oid, sid, status, cur, money, created in ORDERS:
        name = next(n for i, n, _ in SHOPS if i == sid)
        con.execute("INSERT INTO luckyus_sales_order.t_order (id, order_no, tenant, channel, order_type, user_no,"
                    " shop_id, shop_no, shop_name, status, total_money, discount_money, delivery_fee, tax_money,"
                    " payable_money, pay_money, currency_code, create_time) VALUES"
                    " (?, ?, 'LKUS', 2, 1, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?)",
                    [oid, f"O{oid}", f"U{oid}", sid, f"S{sid}", name, status, money, money, money, cur, created])
    con.close()


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    d = tmp_path_factory.mktemp("tinydata")
    _build(d / "lucky.duckdb")
    return Settings(data_dir=d, target="duckdb")


@pytest.fixture
def tiny(tiny_settings: Settings) -> Iterator[Executor]:
    ex = Executor(tiny_settings)
    yield ex
    ex.dispose()


@dataclass
class Call:
    question: str
    conversation_id: str | None
    principal: Principal
    today: dt.date


@dataclass
class ScriptedEngine:
    """Answers from a script: question -> Answer, or a function of the call."""

    script: dict[str, Answer | Callable[[Call], Answer]]
    calls: list[Call] = field(default_factory=list)

    def ask(self, question: str, *, conversation_id: str | None, principal: Principal,
            today: dt.date) -> Answer:
        call = Call(question, conversation_id, principal, today)
        self.calls.append(call)
        reply = self.script[question]
        return reply(call) if callable(reply) else reply.model_copy()
