"""Calibration report: every figure of DATASET.md measured on a built dataset.

This is an offline check of the generator, not a user query, so it opens the DuckDB file
directly (read-only) with plain SQL. Figures that grow with volume are compared with the
seed's value times the dataset's ``scale``; ratios, averages and fixed inventories (216
devices, 517 shops) are compared as they are. ``tolerance`` is relative (0.01 = 1 %); a
tolerance of 0 means the value must match exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel

from app.dataset import reference as ref
from app.dataset.schema import TABLES
from app.duckdb_files import compatible_config
from app.errors import DataMissing

# Reference tables whose size does not depend on the order volume.
FIXED_TABLES = {
    "luckyus_opshop.t_shop_info", "luckyus_opshop.t_shop_opening_time", "luckyus_sales_payment.t_pay_channel",
    "luckyus_scm_commodity.t_commodity_base_info", "luckyus_scm_commodity.t_formula_spu",
    "luckyus_scm_commodity.t_mdm_goods", "luckyus_iot_platform.t_device", "luckyus_iot_platform.t_coffee_formula",
    "luckyus_sales_marketing.t_coupon_template", "luckyus_scm_purchase.t_supplier",
    "luckyus_isalesdatamarketing.t_experiment", "luckyus_iunifiedreconcile.t_reconcile_rule",
    "luckyus_iunifiedreconcile.t_reconcile_config",
}
# Row counts the seed does not state (the schema's own estimates): checked loosely.
ESTIMATED_TABLES = {
    "luckyus_iot_platform.t_device_event", "luckyus_isalesdatamarketing.t_experiment",
    "luckyus_scm_purchase.t_purchase_order_item", "luckyus_scm_purchase.t_supplier",
    "luckyus_iunifiedreconcile.t_reconcile_rule", "luckyus_iunifiedreconcile.t_reconcile_config",
}
AT_LEAST_PREFIX = "luckyus_scm_shopstock.t_shop_goods_stock_change_"  # seed: "1M+ each"
ORDERS = "luckyus_sales_order.t_order"
EST_MIDNIGHT = "05:00:00"  # New York midnight in UTC during EST (November-March)


class Figure(BaseModel):
    name: str
    target: float
    measured: float
    tolerance: float  # relative; 0 = exact
    passed: bool
    note: str = ""


def _fig(name: str, target: float, measured: float | None, tol: float, note: str = "") -> Figure:
    m = float(measured) if measured is not None else float("nan")
    ok = abs(m - target) < 1e-9 if tol == 0 else abs(m - target) <= tol * abs(target) + 1e-12
    return Figure(name=name, target=round(target, 4), measured=round(m, 4), tolerance=tol, passed=ok, note=note)


def _range(name: str, lo: float, hi: float, measured: float, note: str = "") -> Figure:
    """A figure that must lie in [lo, hi] (within 1 % outside the bounds)."""
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return _fig(name, mid, measured, (half + 0.01 * hi) / mid, note or f"range {lo:,.2f} .. {hi:,.2f}")


class _Db:
    def __init__(self, path: Path) -> None:
        # the executor's configuration, so the report can run in a process that also serves queries
        self.con = duckdb.connect(str(path), read_only=True, config=compatible_config())

    def one(self, sql: str, *params: Any) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()


def calibration_report(data_dir: Path) -> list[Figure]:
    data_dir = Path(data_dir)
    meta_path = data_dir / "dataset.json"
    if not (data_dir / "lucky.duckdb").exists() or not meta_path.exists():
        raise DataMissing(f"no built dataset in {data_dir}; run `lucky data build --out {data_dir}` first")
    meta = json.loads(meta_path.read_text())
    s = float(meta["scale"])
    bulk = float(meta["bulk_scale"])
    db = _Db(data_dir / "lucky.duckdb")
    try:
        return (_orders(db, s) + _stores(db, s) + _products(db, s) + _payments(db, s) + _production(db, s)
                + _daily(db, s) + _users_iot(db, s) + _row_counts(db, s, bulk))
    finally:
        db.con.close()


def _orders(db: _Db, s: float) -> list[Figure]:
    f: list[Figure] = []
    cnt, rev = db.rows(f"SELECT COUNT(*), SUM(pay_money) FROM {ORDERS} WHERE status = 90 AND currency_code = 'USD'")[0]
    f.append(_fig("completed USD orders", ref.USD_TOTAL_ORDERS * s, cnt, 0.01))
    f.append(_fig("completed USD revenue ($)", ref.USD_TOTAL_REVENUE * s, float(rev or 0), 0.01))
    f.append(_fig("AOV USD ($)", 4.71, float(rev or 0) / max(cnt, 1), 0.01))
    newest = db.one(f"SELECT AVG(pay_money) FROM {ORDERS} WHERE status = 90 AND currency_code = 'USD' "
                    f"AND create_time >= TIMESTAMP '2026-01-31 {EST_MIDNIGHT}'")
    f.append(_fig("AOV USD, newest 2 weeks ($)", 5.03, float(newest or 0), 0.01, "local 2026-01-31 .. 02-13"))
    n_cnt, n_rev = db.rows(f"SELECT COUNT(*), SUM(pay_money) FROM {ORDERS} WHERE status = 90 "
                           "AND currency_code = 'NZD'")[0]
    f.append(_fig("completed NZD orders", round(ref.NZD_ORDERS * s), n_cnt, 0))
    f.append(_fig("completed NZD revenue (NZ$)", round(ref.NZD_REVENUE * s, 2), float(n_rev or 0), 0))
    total = db.one(f"SELECT COUNT(*) FROM {ORDERS}")
    f.append(_fig("t_order rows, all statuses", 516_000 * s, total, 0.01))
    mix = dict(db.rows(f"SELECT CASE WHEN channel IN (8, 9, 10) THEN 0 ELSE channel END, COUNT(*) FROM {ORDERS} "
                       "GROUP BY 1"))
    for ch, label, seed_k in ((2, "iOS", 410), (1, "Android", 72), (3, "delivery", 25), (0, "8/9/10", 9)):
        f.append(_fig(f"channel mix: {label} share", seed_k / 516, mix.get(ch, 0) / max(total, 1), 0.02,
                      "seed 7.1: 410K/72K/25K/~8K of 516K"))
    jan = db.one(f"SELECT SUM(pay_money) FROM {ORDERS} WHERE status = 90 AND currency_code = 'USD' "
                 "AND create_time >= TIMESTAMP '2026-01-01' AND create_time < TIMESTAMP '2026-02-01'")
    f.append(_fig("revenue January 2026 ($)", 363_000 * s, float(jan or 0), 0.01))
    deliv = db.one(f"SELECT AVG((order_type = 2)::INT) FROM {ORDERS}")
    f.append(_fig("delivery share of orders", 25 / 516, float(deliv), 0.02, "order_type 2; seed: ~5 %"))
    aovs = dict(db.rows(f"SELECT order_type, AVG(pay_money) FROM {ORDERS} WHERE status = 90 "
                        "AND currency_code = 'USD' GROUP BY 1"))
    f.append(_range("delivery AOV ($)", 18, 20, float(aovs.get(2, 0))))
    f.append(_range("pickup AOV ($)", 4, 5, float(aovs.get(1, 0))))
    return f


def _stores(db: _Db, s: float) -> list[Figure]:
    f: list[Figure] = []
    stats = {r[0]: r[1:] for r in db.rows(
        f"SELECT shop_name, COUNT(*), SUM(pay_money), AVG(pay_money) FROM {ORDERS} WHERE status = 90 GROUP BY 1")}
    first = dict(db.rows(
        f"SELECT o.shop_name, CAST(MIN(o.create_time) - INTERVAL 4 HOUR AS DATE) FROM {ORDERS} o GROUP BY 1"))
    for shop in ref.NYC_SHOPS:
        cnt, rev, aov = stats.get(shop.name, (0, 0, 0))
        if shop.opened is None:
            f.append(_fig(f"{shop.name}: orders (never opened)", 0, cnt, 0))
            continue
        f.append(_fig(f"{shop.name}: orders", round(shop.orders * s), cnt, 0.01))
        f.append(_fig(f"{shop.name}: revenue ($)", shop.revenue * s, float(rev), 0.01))
        f.append(_fig(f"{shop.name}: AOV ($)", round(shop.revenue / shop.orders, 2), float(aov), 0.01))
        opened = first.get(shop.name)
        days = (opened - shop.opened).days if isinstance(opened, dt.date) else 999
        f.append(_fig(f"{shop.name}: first order day vs opening", 0, days, 0, f"opened {shop.opened}"))
    return f


def _products(db: _Db, s: float) -> list[Figure]:
    rows = db.rows(
        "SELECT oi.spu_name, oi.one_category_name, COUNT(*), SUM(oi.pay_money) "
        "FROM luckyus_sales_order.t_order_item oi JOIN luckyus_sales_order.t_order o ON oi.order_id = o.id "
        "WHERE o.status = 90 GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 25")
    f: list[Figure] = []
    top = ref.top15()
    ranked = [r[0] for r in rows[:15]]
    same = sum(a == b.name for a, b in zip(ranked, top, strict=False))
    f.append(_fig("top 15 products: same ranking", 15, same, 0, "positions that match seed 2.3"))
    got = {r[0]: r for r in rows}
    for i, p in enumerate(top, 1):
        r = got.get(p.name, (p.name, "", 0, 0))
        f.append(_fig(f"#{i} {p.name}: orders", round(p.top_orders * s), r[2], 0.01,
                      "category ok" if r[1] == p.category else f"category {r[1]!r}"))
        f.append(_fig(f"#{i} {p.name}: revenue ($)", p.top_revenue * s, float(r[3]), 0.01))
    return f


def _payments(db: _Db, s: float) -> list[Figure]:
    got = {r[0]: r[1:] for r in db.rows(
        "SELECT channel_id, COUNT(*), SUM(amount) / 100 FROM luckyus_sales_payment.t_trade "
        "WHERE status IN (1, 2, 3) GROUP BY 1")}
    f: list[Figure] = []
    for c in ref.PAY_CHANNELS:
        n, amt = got.get(c.channel_id, (0, 0))
        tol = 0.01 if c.txns * s >= 100 else 0.25
        f.append(_fig(f"channel {c.channel_id} ({c.name}): transactions", max(1, round(c.txns * s)), n, tol))
        f.append(_fig(f"channel {c.channel_id} ({c.name}): dollars", c.dollars * s, float(amt), tol))
    total = sum(float(v[1]) for v in got.values())
    f.append(_fig("payments total ($, status 1/2/3)", sum(c.dollars for c in ref.PAY_CHANNELS) * s, total, 0.01,
                  "equals USD + NZD order revenue, as in the seed"))
    return f


def _production(db: _Db, s: float) -> list[Figure]:
    p = "luckyus_opproduction.t_production"
    avg, n = db.rows(
        f"SELECT ROUND(AVG(date_diff('second', accept_time, done_time)), 1), COUNT(*) FROM {p} "
        "WHERE accept_time IS NOT NULL AND done_time IS NOT NULL AND done_time > accept_time "
        "AND create_time >= TIMESTAMP '2026-02-01'")[0]
    launch = db.one(f"SELECT AVG(date_diff('second', accept_time, done_time)) FROM {p} WHERE done_time > accept_time "
                    "AND create_time < TIMESTAMP '2025-07-07 04:00:00'")
    mx = db.one(f"SELECT MAX(date_diff('second', accept_time, done_time)) FROM {p}")
    return [_fig("production time Feb 2026, avg (s)", 217.9, float(avg or 0), 0),
            _fig("productions Feb 2026", 36_696 * s, n, 0.01),
            _fig("production time launch week, avg (s)", 320, float(launch or 0), 0.01, "2025-06-30 .. 07-06"),
            _fig("production time max (s)", 9_839, float(mx or 0), 0)]


def _daily(db: _Db, s: float) -> list[Figure]:
    rows = db.rows(f"SELECT CAST(create_time AS DATE) d, COUNT(*) FROM {ORDERS} WHERE status = 90 "
                   "AND create_time >= TIMESTAMP '2026-02-01' AND create_time < TIMESTAMP '2026-02-14' GROUP BY 1")
    wk = [n for d, n in rows if d.weekday() < 5]
    we = [n for d, n in rows if d.weekday() >= 5]
    note = "seed 7.1 query (UTC dates)"
    return [_range("Feb 2026 weekday orders, lowest day", 3_000 * s, 3_700 * s, min(wk, default=0), note),
            _range("Feb 2026 weekday orders, highest day", 3_000 * s, 3_700 * s, max(wk, default=0), note),
            _range("Feb 2026 weekend orders, lowest day", 1_350 * s, 1_700 * s, min(we, default=0), note),
            _range("Feb 2026 weekend orders, highest day", 1_350 * s, 1_700 * s, max(we, default=0), note)]


def _users_iot(db: _Db, s: float) -> list[Figure]:
    iot = "luckyus_iot_platform.t_device"
    f = [_fig("users in sales_crm.t_user", 275_000 * s, db.one("SELECT COUNT(*) FROM luckyus_sales_crm.t_user"), 0.01),
         _fig("IoT devices", 216, db.one(f"SELECT COUNT(*) FROM {iot}"), 0),
         _fig("IoT machine types", 14, db.one(f"SELECT COUNT(DISTINCT machine_type) FROM {iot}"), 0),
         _fig("IoT offline share", 0.57, db.one(f"SELECT AVG((online_status = 0)::INT) FROM {iot}"), 0.01),
         _fig("IoT blenders offline share", 0.82,
              db.one(f"SELECT AVG((online_status = 0)::INT) FROM {iot} WHERE machine_type = 'Blender'"), 0.01),
         _fig("t_shop_info geo columns non-NULL", 0, db.one(
             "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info WHERE country_name IS NOT NULL "
             "OR administrative_area_name IS NOT NULL OR locality_name IS NOT NULL"), 0)]
    empty = 0
    for t in TABLES.values():
        if t.database in ("luckyus_fi_tax", "luckyus_isalesmembermarketing"):
            empty += db.one(f'SELECT COUNT(*) FROM "{t.database}"."{t.name}"')
    f.append(_fig("fi_tax + isalesmembermarketing rows", 0, empty, 0))
    return f


def _row_counts(db: _Db, s: float, bulk: float) -> list[Figure]:
    f: list[Figure] = []
    skip = {ORDERS, "luckyus_sales_crm.t_user", "luckyus_iot_platform.t_device"}
    for q, t in sorted(TABLES.items()):
        if t.full_rows == 0 or q in skip:
            continue
        target = t.full_rows * (1.0 if q in FIXED_TABLES else s) * (bulk if t.bulk else 1.0)
        n = db.one(f'SELECT COUNT(*) FROM "{t.database}"."{t.name}"')
        note = "bulk" if t.bulk else ""
        if q.startswith(AT_LEAST_PREFIX):
            fig = _fig(f"rows {q}", target, n, 0.01, "at least (seed: 1M+ each)" + (", bulk" if t.bulk else ""))
            f.append(fig.model_copy(update={"passed": n >= 0.99 * target}))
        elif q in ESTIMATED_TABLES:
            f.append(_fig(f"rows {q}", target, n, 0.1, "schema estimate, not a seed figure"))
        else:
            f.append(_fig(f"rows {q}", target, n, 0.01, note))
    return f


def render_report(rows: list[Figure]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Calibration report", show_lines=False)
    for col in ("figure", "target", "measured", "tol", "result", "note"):
        table.add_column(col, justify="right" if col in ("target", "measured", "tol") else "left")
    for r in rows:
        table.add_row(r.name, f"{r.target:,.4g}" if abs(r.target) < 1e4 else f"{r.target:,.0f}",
                      f"{r.measured:,.4g}" if abs(r.measured) < 1e4 else f"{r.measured:,.0f}",
                      "exact" if r.tolerance == 0 else f"{r.tolerance:.1%}",
                      "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]", r.note)
    console = Console(width=max(Console().width, 150))
    console.print(table)
    bad = sum(not r.passed for r in rows)
    console.print(f"{len(rows) - bad}/{len(rows)} figures pass" + (f", [red]{bad} FAIL[/red]" if bad else ""))
