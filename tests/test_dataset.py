"""The generator at a small scale: schema, codes, reference data, calibration, planted facts.

Full-scale calibration is too slow for every run (``lucky data report`` prints it; the README
carries its output). Here, figures that grow linearly with volume are checked against the
seed's value times the scale.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from app.dataset import reference as ref
from app.dataset.build import build_dataset
from app.dataset.report import calibration_report
from app.dataset.schema import TABLES, duckdb_type
from app.duckdb_files import compatible_config

ORD = "luckyus_sales_order.t_order"


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


@pytest.fixture(scope="module")
def con(small_data: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(small_data / "lucky.duckdb"), read_only=True, config=compatible_config())
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def manifest(small_data: Path) -> dict:
    return json.loads((small_data / "manifest.json").read_text())


def test_every_schema_table_and_column_with_its_type(con: duckdb.DuckDBPyConnection) -> None:
    got: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, dtype in con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_schema, table_name, ordinal_position").fetchall():
        got.setdefault(f"{schema}.{table}", []).append((column, dtype))
    assert set(got) == set(TABLES)
    for q, t in TABLES.items():
        assert got[q] == [(c.name, duckdb_type(c.type)) for c in t.columns], q


def test_not_null_columns_have_no_nulls(con: duckdb.DuckDBPyConnection) -> None:
    for q, t in TABLES.items():
        required = [c.name for c in t.columns if not c.nullable]
        cond = " OR ".join(f'"{c}" IS NULL' for c in required)
        assert one(con, f'SELECT COUNT(*) FROM "{t.database}"."{t.name}" WHERE {cond}') == 0, q


@pytest.mark.parametrize("column", sorted(ref.CODES))
def test_codes_present_and_documented(con: duckdb.DuckDBPyConnection, column: str) -> None:
    db, table, col = column.split(".")
    values = {r[0] for r in con.execute(f'SELECT DISTINCT "{col}" FROM "{db}"."{table}" WHERE "{col}" IS NOT NULL'
                                        ).fetchall()}
    documented = set(ref.CODES[column])
    assert values <= documented, f"undocumented codes in {column}: {values - documented}"
    missing = documented - values - ref.CODES_NOT_IN_SNAPSHOT.get(column, set())
    assert not missing, f"codes never used in {column}: {missing}"


def test_shops(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info") == ref.N_SHOP_ROWS
    rows = dict(con.execute("SELECT shop_name, address FROM luckyus_opshop.t_shop_info").fetchall())
    for s in ref.NYC_SHOPS:
        assert rows[s.name] == s.address
    cook = con.execute("SELECT DISTINCT time_zone, currency_code, test_flag FROM luckyus_opshop.t_shop_info "
                       "WHERE shop_name IN ?", [[s.name for s in ref.COOK_SHOPS]]).fetchall()
    assert cook == [("Pacific/Rarotonga", "NZD", 1)]
    assert one(con, "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info WHERE country_name IS NOT NULL OR "
                       "administrative_area_name IS NOT NULL OR locality_name IS NOT NULL") == 0
    assert one(con, f"SELECT COUNT(*) FROM {ORD} WHERE shop_name = '180 Varick'") == 0
    traded = {r[0] for r in con.execute(f"SELECT DISTINCT shop_name FROM {ORD} WHERE status = 90").fetchall()}
    assert {s.name for s in ref.NYC_SHOPS if s.opened} <= traded


def test_payment_channels(con: duckdb.DuckDBPyConnection) -> None:
    want = {c.channel_id: c.name for c in ref.PAY_CHANNELS}
    assert dict(con.execute("SELECT channel_id, channel_name FROM luckyus_sales_payment.t_pay_channel").fetchall()) \
        == want
    used = {r[0] for r in con.execute("SELECT DISTINCT channel_id FROM luckyus_sales_payment.t_trade "
                                      "WHERE status IN (1, 2, 3)").fetchall()}
    assert used == set(want)


def test_top15_products_present_in_rank_order(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT oi.spu_name, oi.one_category_name, COUNT(*) n FROM luckyus_sales_order.t_order_item oi "
        f"JOIN {ORD} o ON oi.order_id = o.id WHERE o.status = 90 GROUP BY 1, 2 ORDER BY n DESC LIMIT 15").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(p.name, p.category) for p in ref.top15()]
    menu = {r[0] for r in con.execute("SELECT name FROM luckyus_scm_commodity.t_commodity_base_info "
                                      "WHERE status = 4").fetchall()}
    assert len(menu) >= 80 and all(p.name in menu for p in ref.top15())
    assert one(con, "SELECT COUNT(*) FROM luckyus_scm_commodity.t_commodity_base_info") == 141
    dup = one(con, "SELECT COUNT(*) FROM (SELECT spu_code FROM luckyus_scm_commodity.t_commodity_base_info "
                      "GROUP BY 1 HAVING COUNT(DISTINCT status) = 2)")
    assert dup > 0


# Figures exact by construction stay exact; 5 % absorbs rounding of small counts at scale 0.01
# (a seed count of 1,887 becomes 19 orders) and whole-transaction rounding per payment channel.
LINEAR = ("completed USD orders", "completed USD revenue", "completed NZD", "t_order rows", ": orders",
          ": revenue", ": transactions", ": dollars", "payments total", "revenue January", "users in")


def test_linear_figures_match_scaled_targets(small_data: Path) -> None:
    figures = [f for f in calibration_report(small_data) if any(k in f.name for k in LINEAR)
               and "Test Channel" not in f.name and "Klarna" not in f.name]
    assert len(figures) > 60
    bad = [(f.name, f.target, f.measured) for f in figures
           if abs(f.measured - f.target) > 0.05 * abs(f.target) + 1e-9]
    assert not bad


def test_orders_inside_business_hours_and_after_opening(con: duckdb.DuckDBPyConnection) -> None:
    hours = {(s, d): (o, c, closed) for s, d, o, c, closed in con.execute(
        "SELECT shop_id, business_date, open_time, close_time, is_closed FROM luckyus_opshop.t_shop_opening_time"
    ).fetchall()}
    zones = dict(con.execute("SELECT id, time_zone FROM luckyus_opshop.t_shop_info").fetchall())
    rows = con.execute(f"SELECT shop_id, create_time FROM {ORD}").fetchall()
    assert rows
    for shop_id, created in rows:
        local = created.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zones[shop_id]))
        open_t, close_t, closed = hours[(shop_id, local.date())]
        assert not closed, (shop_id, local)
        assert open_t <= local.strftime("%H:%M") < close_t, (shop_id, local, open_t, close_t)
    opened = {s.name: s.opened for s in ref.NYC_SHOPS if s.opened}
    first = con.execute(f"SELECT shop_name, MIN(timezone('America/New_York', create_time::TIMESTAMPTZ))::DATE "
                        f"FROM {ORD} GROUP BY 1").fetchall()
    for name, day in first:
        if name in opened:
            assert day == opened[name], name


def test_yesterday_has_orders_for_every_open_store(con: duckdb.DuckDBPyConnection) -> None:
    got = {r[0] for r in con.execute(
        f"SELECT DISTINCT shop_name FROM {ORD} WHERE status = 90 AND "
        "timezone('America/New_York', create_time::TIMESTAMPTZ)::DATE = DATE '2026-02-13'").fetchall()}
    assert {s.name for s in ref.NYC_SHOPS if s.opened} <= got


def test_money_identity_and_tax(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, f"SELECT COUNT(*) FROM {ORD} WHERE payable_money <> total_money - discount_money + tax_money "
                       "+ delivery_fee") == 0
    assert one(con, f"SELECT COUNT(*) FROM {ORD} WHERE status = 90 AND pay_money <> payable_money"
                       ) == 0
    bad = one(con,
        f"SELECT COUNT(*) FROM {ORD} o JOIN (SELECT order_id, SUM(pay_money) items, "
        "SUM(CASE WHEN tax_mode = 1 THEN COALESCE(tax, 0) ELSE 0 END) tax FROM luckyus_sales_order.t_order_item "
        "GROUP BY 1) i ON i.order_id = o.id WHERE o.tax_money <> i.tax "
        "OR o.payable_money <> i.items + i.tax + o.delivery_fee")
    assert bad == 0
    wrong_rate = one(con, "SELECT COUNT(*) FROM luckyus_sales_order.t_order_item WHERE tax_mode = 1 "
                             "AND tax_rate IS NOT NULL AND tax_rate <> 0.08875")
    assert wrong_rate == 0


def test_coupon_deductions_are_the_redeemed_coupons(con: duckdb.DuckDBPyConnection) -> None:
    """t_order_amount.coupon_deduct, t_coupon_record and t_order.coupon_no tell the same story."""
    cp = "luckyus_sales_marketing.t_coupon_record"
    no_coupon, wrong_amount, wrong_no, other_user, n = one(con, f"""
        SELECT COUNT(*) FILTER (WHERE c.n IS DISTINCT FROM 1), COUNT(*) FILTER (WHERE c.amount <> a.coupon_deduct),
               COUNT(*) FILTER (WHERE o.coupon_no IS DISTINCT FROM c.coupon_no),
               COUNT(*) FILTER (WHERE o.user_no IS DISTINCT FROM c.user_no), COUNT(*)
        FROM luckyus_sales_order.t_order_amount a JOIN {ORD} o ON o.id = a.order_id
        LEFT JOIN (SELECT order_id, COUNT(*) n, MIN(discount_amount) amount, MIN(coupon_no) coupon_no,
                          MIN(user_no) user_no
                   FROM {cp} WHERE status = 2 GROUP BY 1) c ON c.order_id = a.order_id
        WHERE a.coupon_deduct > 0""")
    assert (no_coupon, wrong_amount, wrong_no, other_user) == (0, 0, 0, 0)
    assert n > 0.5 * one(con, "SELECT COUNT(*) FROM luckyus_sales_order.t_order_amount")
    stray = one(con, f"""SELECT COUNT(*) FROM {cp} c LEFT JOIN luckyus_sales_order.t_order_amount a
                         ON a.order_id = c.order_id
                         WHERE (c.order_id IS NOT NULL OR c.status = 2) AND COALESCE(a.coupon_deduct, 0) = 0""")
    assert stray == 0
    named = one(con, f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE c.order_id IS DISTINCT FROM o.id)
                         FROM {ORD} o LEFT JOIN {cp} c ON c.coupon_no = o.coupon_no WHERE o.coupon_no IS NOT NULL""")
    assert named == (n, 0)  # coupon_no is set on exactly the orders with a deduction, naming their coupon
    assert one(con, f"SELECT COUNT(*) FROM {ORD} o JOIN luckyus_sales_order.t_order_amount a ON a.order_id = o.id "
                    "WHERE o.discount_money <> a.coupon_deduct + a.promotion_deduct") == 0


def test_manifest_has_every_planted_kind(manifest: dict) -> None:
    kinds = ["reconciliation_mismatch", "trade_without_fee", "fee_without_trade", "missing_tax", "zero_tax",
             "device_offline", "device_degraded", "production_outlier", "currency_mislabel", "anomalous_day",
             "refund_spike", "timezone_trap", "basket_pair"]
    for k in kinds:
        assert manifest[k]["facts"], k
    assert "churn_cohort" in manifest  # the growth generator restates it with its own statistics
    assert manifest["scale"] == 0.01 and manifest["seed"] == 7
    assert {f["cause"] for f in manifest["reconciliation_mismatch"]["facts"]} == {
        "missing_trade", "trade_amount_off", "income_bill_short", "income_bill_missing"}
    assert manifest["production_outlier"]["max_s"] == 9_839
    assert manifest["timezone_trap"]["facts"][0]["orders_on_next_utc_day"] >= 3


def test_planted_facts_are_in_the_data(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    """Only the planted shop-days disagree between orders, trades and income bills."""
    rows = con.execute(f"""
        WITH o AS (SELECT id, shop_id, pay_money,
                          timezone('America/New_York', create_time::TIMESTAMPTZ)::DATE d
                   FROM {ORD} WHERE status = 90 AND currency_code = 'USD' AND tenant = 'LKUS'),
             od AS (SELECT shop_id, d, SUM(pay_money) v FROM o GROUP BY 1, 2),
             td AS (SELECT o.shop_id, o.d, SUM(t.amount) / 100 v FROM o JOIN luckyus_sales_payment.t_trade t
                    ON t.order_id = o.id AND t.status IN (1, 2) GROUP BY 1, 2),
             bd AS (SELECT shop_id, business_date d, SUM(income_amount) v
                    FROM luckyus_ifiaccounting.t_acc_income_bill WHERE currency_code = 'USD' GROUP BY 1, 2)
        SELECT od.shop_id, od.d FROM od LEFT JOIN td USING (shop_id, d) LEFT JOIN bd USING (shop_id, d)
        WHERE od.v <> COALESCE(td.v, 0) OR od.v <> COALESCE(bd.v, 0)""").fetchall()
    planted = {(f["shop_id"], f["business_date"]) for f in manifest["reconciliation_mismatch"]["facts"]}
    assert {(s, d.isoformat()) for s, d in rows} == planted
    ids = [f["order_id"] for f in manifest["missing_tax"]["facts"]]
    assert one(con, "SELECT COUNT(*) FROM luckyus_sales_order.t_order_item WHERE order_id IN ? AND tax_mode = 1 "
                    "AND tax IS NULL", [ids]) >= len(ids)
    for f in manifest["device_offline"]["facts"]:
        after = one(con, "SELECT COUNT(*) FROM luckyus_iot_platform.t_cup_order_info WHERE device_no = ? "
                            "AND start_time > ?", [f["device_no"], f["offline_at"]])
        assert after == 0
        status = one(con, "SELECT online_status, last_online_time FROM luckyus_iot_platform.t_device "
                             "WHERE device_no = ?", [f["device_no"]])
        assert status[0] == 0 and status[1].strftime("%Y-%m-%d %H:%M:%S") == f["offline_at"]
    mislabel = [f["order_id"] for f in manifest["currency_mislabel"]["facts"]]
    assert one(con, f"SELECT COUNT(*) FROM {ORD} o JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id "
                       "WHERE o.id IN ? AND o.currency_code = 'USD' AND s.currency_code = 'NZD'",
                       [mislabel]) == len(mislabel)


def test_iot_fleet(con: duckdb.DuckDBPyConnection) -> None:
    n, types, offline = one(con, "SELECT COUNT(*), COUNT(DISTINCT machine_type), "
                                 "SUM((online_status = 0)::INT) FROM luckyus_iot_platform.t_device")
    assert (n, types) == (216, 14)
    assert abs(offline / n - 0.57) < 0.01


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        build_dataset(out, scale=0.002, seed=11, bulk_scale=0.1, force=True, progress=False)
    ma, mb = (json.loads((p / "dataset.json").read_text()) for p in (a, b))
    diff = [q for q in ma["tables"] if ma["tables"][q] != mb["tables"][q]]
    assert not diff
    assert ma["fingerprint"] == mb["fingerprint"]
    assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
    msg = build_dataset(a, scale=0.002, seed=11, bulk_scale=0.1, force=False, progress=False)
    assert "up to date" in msg
