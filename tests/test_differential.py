"""The same aggregate queries give the same answers on DuckDB and on MariaDB loaded with the same rows.

These are the seed's appendix 7.1 queries plus the shapes the engine and tools emit (local-time
bucketing, weekday logic, cents-to-dollars, joins across databases). A mismatch here means the
dialect rendering (``app/sqldialect.py``) or the loader changed a value.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from app.executor import Executor

NY = "CONVERT_TZ(create_time, 'UTC', 'America/New_York')"

QUERIES: dict[str, str] = {
    # --- seed appendix 7.1
    "revenue_by_currency": """SELECT currency_code, COUNT(*) as cnt, ROUND(SUM(pay_money),2) as total,
        ROUND(AVG(pay_money),2) as aov FROM luckyus_sales_order.t_order WHERE status = 90 GROUP BY currency_code""",
    "store_ranking": """SELECT shop_name, COUNT(*) as order_count, ROUND(SUM(pay_money),2) as total_revenue,
        ROUND(AVG(pay_money),2) as aov FROM luckyus_sales_order.t_order WHERE status = 90
        GROUP BY shop_name ORDER BY order_count DESC, shop_name""",
    "top_products": """SELECT oi.spu_name, oi.one_category_name, COUNT(*) as order_count,
        ROUND(SUM(oi.pay_money),2) as total_revenue FROM luckyus_sales_order.t_order_item oi
        INNER JOIN luckyus_sales_order.t_order o ON oi.order_id = o.id WHERE o.status = 90
        GROUP BY oi.spu_name, oi.one_category_name ORDER BY order_count DESC, oi.spu_name LIMIT 25""",
    "daily_volume_feb": """SELECT DATE(create_time) as order_date, COUNT(*) as orders,
        ROUND(SUM(pay_money),2) as daily_revenue FROM luckyus_sales_order.t_order
        WHERE status = 90 AND create_time >= '2026-02-01' GROUP BY DATE(create_time) ORDER BY order_date""",
    "payment_channels": """SELECT channel_id, COUNT(*) as txn_count, ROUND(SUM(amount)/100,2) as total_usd
        FROM luckyus_sales_payment.t_trade WHERE status IN (1,2,3) GROUP BY channel_id
        ORDER BY total_usd DESC, channel_id""",
    "production_time_feb": """SELECT ROUND(AVG(TIMESTAMPDIFF(SECOND, accept_time, done_time)),1) as avg_secs,
        COUNT(*) as total_productions FROM luckyus_opproduction.t_production
        WHERE accept_time IS NOT NULL AND done_time IS NOT NULL AND done_time > accept_time
        AND create_time >= '2026-02-01'""",
    "channel_distribution": """SELECT channel, COUNT(*) AS orders FROM luckyus_sales_order.t_order
        GROUP BY channel ORDER BY channel""",
    # --- local time, weekdays, weeks
    "local_day_orders": f"""SELECT DATE({NY}) AS d, COUNT(*) AS orders FROM luckyus_sales_order.t_order
        WHERE status = 90 AND currency_code = 'USD' GROUP BY DATE({NY}) ORDER BY d""",
    "local_hour_profile": f"""SELECT HOUR({NY}) AS h, COUNT(*) AS orders FROM luckyus_sales_order.t_order
        WHERE status = 90 GROUP BY HOUR({NY}) ORDER BY h""",
    "weekday_vs_weekend": f"""SELECT CASE WHEN DAYOFWEEK({NY}) IN (1, 7) THEN 'weekend' ELSE 'weekday' END AS part,
        COUNT(*) AS orders, ROUND(SUM(pay_money), 2) AS revenue FROM luckyus_sales_order.t_order
        WHERE status = 90 AND currency_code = 'USD' GROUP BY 1 ORDER BY 1""",
    "dayofweek_counts": f"""SELECT DAYOFWEEK({NY}) AS dow, COUNT(*) AS n FROM luckyus_sales_order.t_order
        GROUP BY DAYOFWEEK({NY}) ORDER BY dow""",
    "mysql_week_mode0": f"""SELECT YEAR({NY}) AS y, WEEK({NY}) AS w, COUNT(*) AS n FROM luckyus_sales_order.t_order
        GROUP BY YEAR({NY}), WEEK({NY}) ORDER BY y, w""",
    "month_revenue": f"""SELECT DATE_FORMAT({NY}, '%Y-%m') AS month, ROUND(SUM(pay_money), 2) AS revenue
        FROM luckyus_sales_order.t_order WHERE status = 90 AND currency_code = 'USD'
        GROUP BY DATE_FORMAT({NY}, '%Y-%m') ORDER BY month""",
    "timestampdiff_minutes": """SELECT TIMESTAMPDIFF(MINUTE, accept_time, done_time) AS m, COUNT(*) AS n
        FROM luckyus_opproduction.t_production WHERE done_time > accept_time GROUP BY 1 ORDER BY 1 LIMIT 40""",
    "timestampdiff_days_users": """SELECT TIMESTAMPDIFF(DAY, register_time, '2026-02-14 00:00:00') DIV 30 AS age_bucket,
        COUNT(*) AS users FROM luckyus_sales_crm.t_user GROUP BY 1 ORDER BY 1""",
    "unix_timestamp_sum": """SELECT SUM(UNIX_TIMESTAMP(create_time) % 86400) AS s FROM luckyus_opshop.t_shop_info""",
    # --- joins across databases, cents, delivery
    "orders_vs_payments_by_shop": """SELECT o.shop_id, COUNT(*) AS orders, ROUND(SUM(o.pay_money), 2) AS order_usd,
        ROUND(SUM(t.amount) / 100, 2) AS paid_usd FROM luckyus_sales_order.t_order o
        JOIN luckyus_sales_payment.t_trade t ON t.order_id = o.id
        WHERE o.status = 90 AND t.status IN (1, 2, 3) GROUP BY o.shop_id ORDER BY o.shop_id""",
    "fee_rate_by_channel": """SELECT f.channel_id, SUM(f.total_fee) AS fees, SUM(f.amount) AS volume,
        ROUND(SUM(f.total_fee) / SUM(f.amount), 6) AS rate FROM luckyus_sales_payment.t_channel_fee f
        GROUP BY f.channel_id ORDER BY f.channel_id""",
    "delivery_vs_pickup": """SELECT order_type, COUNT(*) AS orders, ROUND(AVG(pay_money), 2) AS aov
        FROM luckyus_sales_order.t_order WHERE status = 90 AND currency_code = 'USD'
        GROUP BY order_type ORDER BY order_type""",
    "shop_names_join": """SELECT s.shop_name, s.time_zone, COUNT(o.id) AS orders FROM luckyus_opshop.t_shop_info s
        LEFT JOIN luckyus_sales_order.t_order o ON o.shop_id = s.id AND o.status = 90
        WHERE s.test_flag = 0 GROUP BY s.shop_name, s.time_zone ORDER BY orders DESC, s.shop_name LIMIT 15""",
    "devices_by_type": """SELECT machine_type, SUM(CASE WHEN online_status = 0 THEN 1 ELSE 0 END) AS offline,
        COUNT(*) AS devices FROM luckyus_iot_platform.t_device GROUP BY machine_type ORDER BY machine_type""",
    "category_share": """SELECT oi.one_category_name, ROUND(100 * SUM(oi.pay_money) /
        (SELECT SUM(pay_money) FROM luckyus_sales_order.t_order_item), 3) AS pct
        FROM luckyus_sales_order.t_order_item oi GROUP BY oi.one_category_name ORDER BY oi.one_category_name""",
    "window_rank": """SELECT shop_name, orders, RANK() OVER (ORDER BY orders DESC) AS rnk FROM (
        SELECT shop_name, COUNT(*) AS orders FROM luckyus_sales_order.t_order WHERE status = 90
        GROUP BY shop_name) x ORDER BY rnk, shop_name""",
    "tax_by_month": f"""SELECT DATE_FORMAT({NY.replace('create_time', 'o.create_time')}, '%Y-%m') AS month,
        ROUND(SUM(oi.tax), 2) AS tax FROM luckyus_sales_order.t_order_item oi
        JOIN luckyus_sales_order.t_order o ON o.id = oi.order_id WHERE o.status = 90 AND o.currency_code = 'USD'
        GROUP BY 1 ORDER BY 1""",
    "fi_tax_empty": "SELECT COUNT(*) AS n FROM luckyus_fi_tax.t_tax_invoice",
}


def normalise(value: Any) -> Any:
    """Compare numbers to 4 decimals and dates as ISO text, whatever type each driver returns."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal | float | int):
        return round(float(value), 4)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def test_there_are_at_least_twenty_queries() -> None:
    assert len(QUERIES) >= 20


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_duckdb_and_mariadb_agree(name: str, duck: Executor, maria: Executor) -> None:
    sql = QUERIES[name]
    a = duck.run(sql, principal=_system())
    b = maria.run(sql, principal=_system())
    rows_a = [[normalise(v) for v in r] for r in a.rows]
    rows_b = [[normalise(v) for v in r] for r in b.rows]
    assert len(rows_a) > 0
    if "ORDER BY" not in sql.upper():
        rows_a, rows_b = sorted(rows_a, key=repr), sorted(rows_b, key=repr)
    assert rows_a == rows_b


def _system():
    from guardrails.principal import SYSTEM

    return SYSTEM
