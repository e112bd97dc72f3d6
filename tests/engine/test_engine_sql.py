"""The engine's SQL, run on the small dataset, agrees with SQL written here by hand for the same question.

The hand-written statements use the SEMANTICS.md conventions in their plainest form (DATE(CONVERT_TZ(..))
on the local day instead of the engine's UTC ranges, ROUND over SUM, ...), so a mistake in the
builder's time ranges, joins or default filters shows up as a mismatch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from app.engine.offline.engine import OfflineEngine
from app.executor import Executor
from guardrails.principal import ADMIN, Principal

TODAY = dt.date(2026, 2, 14)
DEF = ("o.status = 90 AND o.currency_code = 'USD' "
       "AND o.shop_id NOT IN (SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")
LOCAL = "DATE(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York'))"


@pytest.fixture(scope="module")
def engine(duck: Executor) -> Iterator[OfflineEngine]:
    yield OfflineEngine(duck.settings, executor=duck)


def norm(v: Any) -> Any:
    if isinstance(v, Decimal | float):
        return round(float(v), 2)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def rows_of(duck: Executor, sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(norm(v) for v in r) for r in duck.run(sql, principal=ADMIN).rows), key=repr)


def ask_rows(engine: OfflineEngine, question: str, cols: list[str],
             principal: Principal = ADMIN) -> list[tuple[Any, ...]]:
    ans = engine.ask(question, principal=principal, today=TODAY)
    assert ans.status == "answer", (question, ans.status, ans.clarification, ans.reason)
    idx = [ans.columns.index(c) for c in cols]
    return sorted((tuple(norm(r[i]) for i in idx) for r in ans.rows), key=repr)


CASES = [
    ("How many orders did 8th & Broadway do yesterday?", ["orders"],
     f"SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE {DEF} AND o.shop_name = '8th & Broadway' "
     f"AND {LOCAL} = '2026-02-13'"),
    ("revenue by store last month", ["store", "revenue"],
     f"SELECT o.shop_name, ROUND(SUM(o.pay_money), 2) FROM luckyus_sales_order.t_order o WHERE {DEF} "
     f"AND {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31' GROUP BY o.shop_name"),
    ("What's our best selling drink this week?", ["product", "orders"],
     "SELECT oi.spu_name, COUNT(*) AS n FROM luckyus_sales_order.t_order_item oi JOIN luckyus_sales_order.t_order o "
     f"ON o.id = oi.order_id WHERE {DEF} AND oi.one_category_name <> 'Food' AND {LOCAL} >= '2026-02-09' "
     "GROUP BY oi.spu_name ORDER BY n DESC, oi.spu_name LIMIT 1"),
    ("daily revenue this week", ["day", "revenue"],
     f"SELECT {LOCAL}, ROUND(SUM(o.pay_money), 2) FROM luckyus_sales_order.t_order o WHERE {DEF} "
     f"AND {LOCAL} >= '2026-02-09' GROUP BY 1"),
    ("orders by hour yesterday", ["hour", "orders"],
     f"SELECT HOUR(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')), COUNT(*) FROM luckyus_sales_order.t_order o "
     f"WHERE {DEF} AND {LOCAL} = '2026-02-13' GROUP BY 1"),
    ("Compare revenue between weekdays and weekends this month", ["revenue"],
     f"SELECT ROUND(SUM(o.pay_money), 2) FROM luckyus_sales_order.t_order o WHERE {DEF} AND {LOCAL} >= '2026-02-01' "
     "GROUP BY DAYOFWEEK(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) IN (1, 7)"),
    ("Compare revenue this week vs last week", ["revenue"],
     f"SELECT ROUND(SUM(o.pay_money), 2) FROM luckyus_sales_order.t_order o WHERE {DEF} AND {LOCAL} >= '2026-02-02' "
     f"GROUP BY {LOCAL} >= '2026-02-09'"),
    ("What share of orders were delivery this month?", ["share_pct"],
     f"SELECT ROUND(100.0 * SUM(o.order_type = 2) / COUNT(*), 1) FROM luckyus_sales_order.t_order o WHERE {DEF} "
     f"AND {LOCAL} >= '2026-02-01'"),
    ("What were our average daily orders in January?", ["orders"],
     f"SELECT ROUND(COUNT(*) / COUNT(DISTINCT {LOCAL}), 2) FROM luckyus_sales_order.t_order o WHERE {DEF} "
     f"AND {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31'"),
    ("How many iced drinks did 102 Fulton sell on weekends in January?", ["items_sold"],
     "SELECT SUM(oi.quantity) FROM luckyus_sales_order.t_order_item oi JOIN luckyus_sales_order.t_order o "
     f"ON o.id = oi.order_id WHERE {DEF} AND o.shop_name = '102 Fulton' AND oi.spu_name LIKE 'Iced %' "
     f"AND DAYNAME(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) IN ('Saturday', 'Sunday') "
     f"AND {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31'"),
    ("Show me the top 10 users by order count", ["orders"],
     f"SELECT COUNT(*) AS n FROM luckyus_sales_order.t_order o WHERE {DEF} GROUP BY o.user_no "
     "ORDER BY n DESC, o.user_no LIMIT 10"),
    ("delivery vs pickup AOV last month", ["order_type", "aov"],
     "SELECT CASE WHEN o.order_type = 2 THEN 'Delivery' ELSE 'Pickup' END, ROUND(AVG(o.pay_money), 2) "
     f"FROM luckyus_sales_order.t_order o WHERE {DEF} AND {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31' "
     "AND o.order_type IN (1, 2) GROUP BY 1"),
    ("payment volume by payment method in January", ["payment_method", "payment_volume"],
     "SELECT pc.channel_name, ROUND(SUM(t.amount) / 100, 2) FROM luckyus_sales_payment.t_trade t "
     "JOIN luckyus_sales_payment.t_pay_channel pc ON pc.channel_id = t.channel_id WHERE t.status IN (1, 2, 3) "
     "AND t.currency_code = 'USD' AND t.shop_id NOT IN (SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1) "
     "AND DATE(CONVERT_TZ(t.create_time, 'UTC', 'America/New_York')) BETWEEN '2026-01-01' AND '2026-01-31' "
     "GROUP BY pc.channel_name"),
    ("average production time by store last week", ["store", "production_time"],
     "SELECT s.shop_name, ROUND(AVG(TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time)), 1) "
     "FROM luckyus_opproduction.t_production p JOIN luckyus_opshop.t_shop_info s ON s.id = p.shop_id "
     "WHERE s.test_flag = 0 AND p.done_time > p.accept_time "
     "AND TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time) <= 1800 "
     "AND DATE(CONVERT_TZ(p.create_time, 'UTC', 'America/New_York')) BETWEEN '2026-02-02' AND '2026-02-08' "
     "GROUP BY s.shop_name"),
    ("the best selling product in each store last month", ["store", "product", "orders"],
     "SELECT shop_name, spu_name, n FROM (SELECT o.shop_name, oi.spu_name, COUNT(*) AS n, ROW_NUMBER() OVER "
     "(PARTITION BY o.shop_name ORDER BY COUNT(*) DESC, oi.spu_name) AS r FROM luckyus_sales_order.t_order_item oi "
     f"JOIN luckyus_sales_order.t_order o ON o.id = oi.order_id WHERE {DEF} "
     f"AND {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31' GROUP BY o.shop_name, oi.spu_name) x WHERE r = 1"),
    ("How many orders over $5 and under $10 did we have last week?", ["orders"],
     f"SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE {DEF} AND o.pay_money > 5 AND o.pay_money < 10 "
     f"AND {LOCAL} BETWEEN '2026-02-02' AND '2026-02-08'"),
    ("revenue growth from December to January", ["growth_pct"],
     "SELECT ROUND(100 * (j - d) / d, 1) FROM (SELECT "
     f"SUM(CASE WHEN {LOCAL} BETWEEN '2026-01-01' AND '2026-01-31' THEN o.pay_money END) j, "
     f"SUM(CASE WHEN {LOCAL} BETWEEN '2025-12-01' AND '2025-12-31' THEN o.pay_money END) d "
     f"FROM luckyus_sales_order.t_order o WHERE {DEF}) x"),
]


@pytest.mark.parametrize(("question", "cols", "sql"), CASES, ids=[c[0][:40] for c in CASES])
def test_engine_matches_hand_written_sql(engine: OfflineEngine, duck: Executor, question: str, cols: list[str],
                                         sql: str) -> None:
    expected = rows_of(duck, sql)
    assert expected, "the hand-written query should return rows on the small dataset"
    assert ask_rows(engine, question, cols) == expected


def test_answers_carry_summary_filters_chart_and_sql(engine: OfflineEngine) -> None:
    ans = engine.ask("revenue by store last month", principal=ADMIN, today=TODAY)
    assert ans.sql and ans.sql.startswith("SELECT") and "CONVERT_TZ" not in ans.sql.split("WHERE")[1]
    assert ans.filters == ["completed orders", "USD only", "test shops excluded", "New York time"]
    assert ans.chart is not None and ans.chart["mark"] == "bar"
    assert ans.column_types[ans.columns.index("revenue")] == "money"
    assert "$" in ans.summary and "leads" in ans.summary
    assert ans.engine == "offline" and ans.elapsed_ms > 0


def test_a_second_ask_is_served_from_the_cache(engine: OfflineEngine) -> None:
    first = engine.ask("orders by channel last week", principal=ADMIN, today=TODAY)
    again = engine.ask("Orders by channel last week?", principal=ADMIN, today=TODAY)
    assert again.rows == first.rows and again.timings.get("cache_hit") == 1.0
