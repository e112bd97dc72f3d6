"""Growth and supply generators: schema, determinism, scaling, planted facts, integrity.

Schema, determinism and scaling run on a synthetic GenContext (``tests/synthetic_context.py``).
The planted-fact and integrity tests run twice: on that synthetic build and on the ``small_data``
dataset the real core generator built (``src`` fixture). Each fact is recomputed from the rows
with DuckDB/SciPy the way a tool would and compared with the manifest, not read back from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from app.dataset.arrowtab import arrow_type, target_rows
from app.dataset.context import GenContext
from app.dataset.gen_growth import apply_churn, generate_growth
from app.dataset.gen_supply import generate_supply
from app.dataset.schema import TABLES
from tests.synthetic_context import make_context

GROWTH_DBS = {"luckyus_sales_marketing", "luckyus_isales_cdp", "luckyus_isalesdatamarketing"}
GROWTH_CRM = {"luckyus_sales_crm.t_user_profile", "luckyus_sales_crm.t_user_history"}
SUPPLY_DBS = {"luckyus_scm_shopstock", "luckyus_ireplenishment", "luckyus_scm_purchase", "luckyus_opshopsale",
              "luckyus_iunifiedreconcile"}
SUPPLY_COM = {"luckyus_scm_commodity.t_mdm_goods", "luckyus_scm_commodity.t_formula_spu"}
CHANGE = [f"luckyus_scm_shopstock.t_shop_goods_stock_change_{d}" for d in
          ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


@dataclass
class Built:
    ctx: GenContext
    tables: dict[str, pa.Table]

    @property
    def manifest(self) -> dict[str, Any]:
        return self.ctx.manifest


def build(scale: float, bulk: float, seed: int = 7, core_like: bool = False) -> Built:
    """Generate growth + supply. ``core_like``: the context looks like the core generator's own output: it
    planted its churn cohort (``_churn_cohort``), gives each order's coupon deduction and no item variants."""
    ctx = make_context(scale, seed=seed, bulk_scale=bulk, variants=not core_like)
    apply_churn(ctx)
    if core_like:
        cohort = np.asarray(ctx.users.register_time).astype("datetime64[M]") == np.datetime64("2025-09")
        ctx.manifest = {"_churn_cohort": np.flatnonzero(cohort)}
        rng = np.random.default_rng(seed)
        ctx.orders.coupon_deduct = np.where(
            rng.random(len(ctx.orders.id)) < 0.6, np.round(rng.uniform(0.5, 2.0, len(ctx.orders.id)), 2), 0.0)
    tables = generate_growth(ctx)
    tables.update(generate_supply(ctx))
    return Built(ctx, tables)


@pytest.fixture(scope="module")
def built() -> Built:
    return build(0.03, 0.2)


@dataclass
class Source:
    """Generated tables to query: the synthetic build, or the small dataset the real core generator built."""

    name: str
    con: duckdb.DuckDBPyConnection
    manifest: dict[str, Any]


def _synthetic_db(built: Built) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for i, (name, t) in enumerate(built.tables.items()):
        schema = name.split(".")[0]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.register(f"_t{i}", t)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM _t{i}")
    o, u = built.ctx.orders, built.ctx.users
    con.register("orders", pa.table({
        "id": o.id, "user_no": np.asarray(u.user_no)[o.user].astype(str), "status": o.status.astype(np.int16),
        "pay_money": o.pay_money, "create_time": o.create_time.astype("datetime64[s]"),
        "currency_code": np.asarray(o.currency).astype(str), "shop_id": built.ctx.shops.id[o.shop],
        "local_date": o.local_date.astype("datetime64[D]")}))
    con.register("users", pa.table({"user_no": np.asarray(u.user_no).astype(str),
                                    "register_time": u.register_time.astype("datetime64[s]")}))
    s = built.ctx.shops
    con.register("shops", pa.table({"shop_id": s.id, "open_date": s.open_date.astype("datetime64[D]"),
                                    "test_flag": s.test_flag}))
    it, pr = built.ctx.items, built.ctx.products
    spu = np.asarray(pr.spu_code)[it.product].astype(str)
    variant = getattr(it, "variant", np.full(len(it.order), 3))
    code = np.where(pr.is_food[it.product], "STD", np.array(["S-R", "S-L", "S-N", "L-R", "L-L", "L-N"])[variant])
    con.register("items", pa.table({"order_id": o.id[it.order], "spu_code": spu, "quantity": it.quantity,
                                    "sku_code": np.char.add(np.char.add(spu, "-"), code)}))
    return con


def _core_db(data: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{data / 'lucky.duckdb'}' AS lucky (READ_ONLY)")
    con.execute("USE lucky")
    con.execute("""CREATE TEMP VIEW orders AS
                   SELECT o.id, o.user_no, o.status, CAST(o.pay_money AS DOUBLE) AS pay_money, o.create_time,
                          o.currency_code, o.shop_id,
                          CAST(timezone(s.time_zone, CAST(o.create_time AS TIMESTAMPTZ)) AS DATE) AS local_date
                   FROM luckyus_sales_order.t_order o JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id""")
    con.execute("CREATE TEMP VIEW users AS SELECT user_no, register_time FROM luckyus_sales_crm.t_user")
    con.execute("""CREATE TEMP VIEW shops AS SELECT id AS shop_id, CAST(set_up_time AS DATE) AS open_date, test_flag
                   FROM luckyus_opshop.t_shop_info""")
    con.execute("""CREATE TEMP VIEW items AS SELECT order_id, spu_code, quantity, sku_code
                   FROM luckyus_sales_order.t_order_item""")
    return con


@pytest.fixture(scope="module", params=["synthetic", "core"])
def src(request: pytest.FixtureRequest) -> Iterator[Source]:
    """Every data test runs on the synthetic build and on the ``small_data`` fixture the real core built."""
    if request.param == "synthetic":
        built: Built = request.getfixturevalue("built")
        source = Source("synthetic", _synthetic_db(built), built.manifest)
    else:
        data: Path = request.getfixturevalue("small_data")
        source = Source("core", _core_db(data), json.loads((data / "manifest.json").read_text()))
    yield source
    source.con.close()


def q(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


# ---------------------------------------------------------------- schema, determinism, scale

def test_every_table_matches_the_schema(built: Built) -> None:
    mine = {k for k, t in TABLES.items() if t.database in GROWTH_DBS | SUPPLY_DBS} | GROWTH_CRM | SUPPLY_COM
    assert set(built.tables) == mine
    for name, table in built.tables.items():
        spec = TABLES[name]
        assert table.column_names == spec.column_names, name
        for col in spec.columns:
            field = table.schema.field(col.name)
            assert field.type == arrow_type(col.type), f"{name}.{col.name}: {field.type} != {col.type}"
            if not col.nullable:
                assert table.column(col.name).null_count == 0, f"{name}.{col.name} has NULLs"
        assert table.num_rows > 0, name
        if spec.primary_key:
            ids = table.column(spec.primary_key).to_numpy()
            assert len(np.unique(ids)) == len(ids), f"{name}: duplicate {spec.primary_key}"


@pytest.fixture(scope="module")
def core_like() -> Built:
    return build(0.01, 0.05, core_like=True)


def test_same_seed_same_tables_other_seed_differs(core_like: Built) -> None:
    a, b, c = core_like, build(0.01, 0.05, core_like=True), build(0.01, 0.05, seed=8, core_like=True)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    public = [{k: v for k, v in m.manifest.items() if not k.startswith("_")} for m in (a, b)]
    assert public[0] == public[1]
    assert not a.tables["luckyus_sales_marketing.t_coupon_record"].equals(
        c.tables["luckyus_sales_marketing.t_coupon_record"])


EXACT = ["luckyus_sales_marketing.t_coupon_record", "luckyus_sales_marketing.t_coupon_record_expired",
         "luckyus_sales_marketing.t_user_group_label", "luckyus_sales_marketing.t_market_activity_partake",
         "luckyus_isales_cdp.t_realtime_user_group_log", "luckyus_isales_cdp.t_user_state",
         "luckyus_isalesdatamarketing.t_user_hit_experiment_record",
         "luckyus_isalesdatamarketing.t_user_traffic_distribution", "luckyus_sales_crm.t_user_profile",
         "luckyus_sales_crm.t_user_history", "luckyus_ireplenishment.wh_goods_daily_demand_pred",
         "luckyus_ireplenishment.t_order_predict_alg_v2", "luckyus_opshopsale.t_shop_sale_remark",
         "luckyus_scm_purchase.t_purchase_order", "luckyus_scm_purchase.t_ship_order"]
FLOORS = {"luckyus_scm_purchase.t_purchase_order": 60, "luckyus_scm_purchase.t_ship_order": 140}
MASTER = {"luckyus_sales_marketing.t_coupon_template": 1262, "luckyus_isalesdatamarketing.t_experiment": 40,
          "luckyus_scm_commodity.t_mdm_goods": 1448, "luckyus_scm_commodity.t_formula_spu": 32_000,
          "luckyus_scm_purchase.t_supplier": 24}


def test_row_counts_follow_scale_and_bulk_scale(built: Built) -> None:
    for name in EXACT:
        assert built.tables[name].num_rows == target_rows(built.ctx, name, FLOORS.get(name, 0)), name
    for name, n in MASTER.items():
        assert built.tables[name].num_rows == n, name
    small = build(0.01, 0.05)  # same context shape as ``built``, a third of the scale, a quarter of the bulk
    live, exp = "luckyus_sales_marketing.t_coupon_record", "luckyus_sales_marketing.t_coupon_record_expired"
    # 3x the scale -> 3x the live coupons; the bulk archive also follows bulk_scale (0.2 vs 0.05)
    assert built.tables[live].num_rows == pytest.approx(3 * small.tables[live].num_rows, rel=0.01)
    assert built.tables[exp].num_rows == pytest.approx(12 * small.tables[exp].num_rows, rel=0.01)
    for name in CHANGE:  # each weekday table near its budget (a stock-out drops the postings it stopped)
        assert built.tables[name].num_rows == pytest.approx(target_rows(built.ctx, name), rel=0.01), name
    snapshots = "luckyus_scm_shopstock.t_shop_goods_stock"
    assert built.tables[snapshots].num_rows == target_rows(built.ctx, snapshots)


# ---------------------------------------------------------------- growth planted facts

def test_churn_cohort_order_frequency_collapses(built: Built) -> None:
    fact = built.manifest["churn_cohort"]["facts"][0]
    assert fact["applied"]
    o, u = built.ctx.orders, built.ctx.users
    done = o.status == 90
    month = u.register_time.astype("datetime64[M]")[o.user[done]]
    t = o.create_time[done]
    cohort = month == np.datetime64(fact["register_month"])
    older = month < np.datetime64(fact["register_month"])
    cut = np.datetime64(fact["collapse_from"])
    before = (t >= np.datetime64("2025-10-01")) & (t < cut)
    after = t >= cut
    ratio = [after[m].sum() / before[m].sum() for m in (cohort, older)]
    assert ratio[0] < 0.35 * ratio[1]  # the cohort's orders collapse, earlier cohorts keep ordering
    assert fact["cohort"]["ratio_after_before"] < 0.3 < fact["earlier_cohorts"]["ratio_after_before"]
    assert len(fact["user_nos_sample"]) > 0


def test_redeemed_coupons_sit_on_the_same_users_real_orders(src: Source) -> None:
    db = src.con
    bad = q(db, """SELECT COUNT(*) FROM luckyus_sales_marketing.t_coupon_record c
                   LEFT JOIN orders o ON o.id = c.order_id
                   WHERE c.order_id IS NOT NULL AND (o.id IS NULL OR o.user_no <> c.user_no
                         OR o.create_time <> c.use_time OR o.status NOT IN (90, 0) OR o.pay_money <= 0
                         OR c.receive_time > c.use_time OR c.use_time > c.expire_time)""")[0][0]
    used = q(db, "SELECT COUNT(*), COUNT(order_id) FROM luckyus_sales_marketing.t_coupon_record WHERE status = 2")[0]
    assert bad == 0 and used[0] == used[1] > 0
    late = q(db, """SELECT COUNT(*) FROM luckyus_sales_marketing.t_coupon_record_expired
                    WHERE expire_time >= TIMESTAMP '2026-02-14 05:00:00' OR status <> 3""")[0][0]
    assert late == 0
    dup = q(db, """SELECT COUNT(*) FROM (SELECT order_id FROM luckyus_sales_marketing.t_coupon_record
                   WHERE order_id IS NOT NULL GROUP BY 1 HAVING COUNT(*) > 1)""")[0][0]
    assert dup == 0
    partake = q(db, """SELECT COUNT(*) FROM luckyus_sales_marketing.t_market_activity_partake p
                       LEFT JOIN orders o ON o.id = p.order_id
                       WHERE p.order_id IS NOT NULL AND (o.id IS NULL OR o.user_no <> p.user_no)""")[0][0]
    assert partake == 0


ROI_SQL = """
WITH dist AS (
  SELECT template_id, COUNT(*) AS n FROM (
    SELECT template_id FROM luckyus_sales_marketing.t_coupon_record
    UNION ALL SELECT template_id FROM luckyus_sales_marketing.t_coupon_record_expired) GROUP BY 1),
red AS (
  SELECT c.template_id, COUNT(*) AS n,
         SUM(CASE WHEN o.status = 90 AND o.currency_code = 'USD' AND s.test_flag = 0 THEN o.pay_money ELSE 0 END)
           AS revenue
  FROM luckyus_sales_marketing.t_coupon_record c JOIN orders o ON o.id = c.order_id
  JOIN shops s ON s.shop_id = o.shop_id GROUP BY 1)
SELECT t.template_id, COALESCE(d.n, 0), COALESCE(r.n, 0), COALESCE(r.revenue, 0),
       CAST(t.marketing_cost AS DOUBLE)
FROM luckyus_sales_marketing.t_coupon_template t
LEFT JOIN dist d USING (template_id) LEFT JOIN red r USING (template_id)
"""


def test_one_template_wins_and_one_loses_money(src: Source) -> None:
    db = src.con
    rows = np.array(q(db, ROI_SQL), dtype=float)
    tid, dist, red, rev, cost = rows.T
    roi, net = rev / cost, rev - cost
    win, lose = (src.manifest[k]["facts"][0] for k in ("coupon_template_winner", "coupon_template_loser"))
    w, ls = np.flatnonzero(tid == win["template_id"])[0], np.flatnonzero(tid == lose["template_id"])[0]
    assert roi[w] == roi.max() and roi[w] > 10
    assert red[w] / dist[w] > 0.3 > 0.01 > red[ls] / dist[ls]
    assert roi[ls] < 1 and net[ls] == net.min()
    assert win["redeemed"] == red[w] and lose["distributed"] == dist[ls]
    others = (red > 0) & (tid != win["template_id"]) & (tid != lose["template_id"])
    assert roi[others].min() >= 1.19 and roi[others].max() <= 6.01


CONV_SQL = """
WITH first_hit AS (
  SELECT user_no, MIN(group_name) AS grp, MIN(hit_time) AS t
  FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record WHERE experiment_id = {eid} GROUP BY 1)
SELECT grp, COUNT(*), SUM(CASE WHEN EXISTS (
    SELECT 1 FROM orders o WHERE o.user_no = f.user_no AND o.status = 90
      AND o.create_time > f.t AND o.create_time <= f.t + INTERVAL 7 DAY) THEN 1 ELSE 0 END)
FROM first_hit f GROUP BY 1 ORDER BY 1
"""


@pytest.mark.parametrize("kind", ["ab_experiment_effect", "ab_experiment_null"])
def test_ab_experiments_read_out_as_planted(src: Source, kind: str) -> None:
    db, fact = src.con, src.manifest[kind]["facts"][0]
    (ga, na, ca), (gb, nb, cb) = q(db, CONV_SQL.format(eid=fact["experiment_id"]))
    assert (ga, gb) == ("A", "B")
    one_arm = q(db, """SELECT COUNT(*) FROM (
                         SELECT user_no FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record
                         WHERE experiment_id = ? GROUP BY 1 HAVING COUNT(DISTINCT group_name) > 1)""",
                [fact["experiment_id"]])
    assert one_arm[0][0] == 0
    _, p = stats.chi2_contingency([[ca, na - ca], [cb, nb - cb]], correction=False)[:2]
    assert (na, ca, nb, cb) == (fact["A"]["users"], fact["A"]["converted"], fact["B"]["users"], fact["B"]["converted"])
    if kind == "ab_experiment_effect":
        assert cb / nb > ca / na and p < 0.01
    else:
        assert p > 0.2


def test_cdp_lifecycle_matches_orders(src: Source) -> None:
    db = src.con
    rows = q(db, """
      WITH last AS (SELECT user_no, MAX(create_time) AS t FROM orders WHERE status = 90 GROUP BY 1),
      expect AS (
        SELECT u.user_no, CASE
          WHEN l.t IS NULL AND u.register_time > TIMESTAMP '2026-02-14 05:00:00' - INTERVAL 30 DAY THEN 'new_no_order'
          WHEN l.t IS NULL THEN 'never_ordered'
          WHEN l.t >= TIMESTAMP '2026-02-14 05:00:00' - INTERVAL 30 DAY THEN 'active'
          WHEN l.t >= TIMESTAMP '2026-02-14 05:00:00' - INTERVAL 60 DAY THEN 'at_risk'
          WHEN l.t >= TIMESTAMP '2026-02-14 05:00:00' - INTERVAL 90 DAY THEN 'dormant'
          ELSE 'churned' END AS stage
        FROM users u LEFT JOIN last l USING (user_no))
      SELECT COUNT(*), SUM(CASE WHEN s.state_value = e.stage THEN 1 ELSE 0 END)
      FROM luckyus_isales_cdp.t_user_state s JOIN expect e USING (user_no) WHERE s.state_key = 'lifecycle_stage'""")
    total, same = rows[0]
    assert total == q(db, "SELECT COUNT(*) FROM users")[0][0] and same >= total - 5  # boundary seconds aside
    last_enter = q(db, """
      WITH ev AS (SELECT user_no, group_id,
                         ROW_NUMBER() OVER (PARTITION BY user_no ORDER BY create_time DESC, id DESC) rn
                  FROM luckyus_isales_cdp.t_realtime_user_group_log WHERE action = 1 AND group_id < 200)
      SELECT COUNT(*), SUM(CASE WHEN s.state_value = CASE e.group_id WHEN 101 THEN 'new_no_order'
             WHEN 102 THEN 'active' WHEN 104 THEN 'at_risk' WHEN 105 THEN 'dormant' WHEN 106 THEN 'never_ordered'
             ELSE 'churned' END THEN 1 ELSE 0 END)
      FROM ev e JOIN luckyus_isales_cdp.t_user_state s ON s.user_no = e.user_no AND s.state_key = 'lifecycle_stage'
      WHERE rn = 1""")[0]
    assert last_enter[0] > 0 and last_enter[1] >= 0.99 * last_enter[0]


# ---------------------------------------------------------------- supply planted facts

def _stock_rows(db: duckdb.DuckDBPyConnection) -> str:
    return " UNION ALL ".join(f"SELECT * FROM {t}" for t in CHANGE)


def test_stock_change_rows_chain_and_end_at_the_snapshot(src: Source) -> None:
    db = src.con
    union = _stock_rows(db)
    bad = db.execute(f"""SELECT COUNT(*) FROM ({union}) WHERE before_qty + change_qty <> after_qty OR after_qty < 0
                         OR (change_type = 1 AND change_qty >= 0)
                         OR (change_type = 2 AND change_qty <= 0)""").fetchone()
    assert bad is not None and bad[0] == 0
    gaps = db.execute(f"""
      WITH r AS (SELECT shop_id, goods_code, before_qty, after_qty, LAG(after_qty) OVER (
                   PARTITION BY shop_id, goods_code ORDER BY create_time, id) AS prev FROM ({union}))
      SELECT COUNT(*), SUM(CASE WHEN prev IS NOT NULL AND prev <> before_qty THEN 1 ELSE 0 END) FROM r""").fetchone()
    assert gaps is not None and gaps[0] > 0 and gaps[1] == 0
    mismatch = db.execute(f"""
      WITH last AS (SELECT shop_id, goods_code, biz_date,
                           arg_max(after_qty, CAST(epoch(create_time) AS BIGINT) * 100000000 + id) AS qty
                    FROM ({union})
                    GROUP BY 1, 2, 3)
      SELECT COUNT(*), SUM(CASE WHEN s.stock_qty <> l.qty THEN 1 ELSE 0 END)
      FROM luckyus_scm_shopstock.t_shop_goods_stock s
      JOIN last l ON l.shop_id = s.shop_id AND l.goods_code = s.goods_code AND l.biz_date = s.stock_date""").fetchone()
    assert mismatch is not None and mismatch[0] > 100 and mismatch[1] == 0
    weekday = db.execute("""SELECT COUNT(*) FROM luckyus_scm_shopstock.t_shop_goods_stock_change_mon
                            WHERE dayofweek(biz_date) <> 1""").fetchone()
    assert weekday is not None and weekday[0] == 0


def test_stockouts_and_overstock_are_visible(src: Source) -> None:
    db = src.con
    for f in src.manifest["stockout"]["facts"]:
        assert f["stockout_dates"], f
        rows = db.execute("""SELECT stock_date, CAST(stock_qty AS DOUBLE) FROM luckyus_scm_shopstock.t_shop_goods_stock
                             WHERE shop_id = ? AND goods_code = ? AND stock_date IN (SELECT UNNEST(?::DATE[]))""",
                          [f["shop_id"], f["goods_code"], f["stockout_dates"]]).fetchall()
        assert len(rows) == len(f["stockout_dates"]) and all(r[1] == 0 for r in rows)
    for f in src.manifest["overstock"]["facts"]:
        above = db.execute("""SELECT COUNT(*) FROM luckyus_scm_shopstock.t_shop_goods_stock
                              WHERE shop_id = ? AND goods_code = ? AND stock_date >= ? AND stock_qty > max_stock_qty""",
                           [f["shop_id"], f["goods_code"], f["receipt_date"]]).fetchone()
        assert above is not None and above[0] >= 10
    # the planted over-deliveries are what a stock > max_stock_qty screen finds, not noise
    pairs = [(f["shop_id"], f["goods_code"]) for f in src.manifest["overstock"]["facts"]]
    over = db.execute("""SELECT shop_id, goods_code, COUNT(*) FROM luckyus_scm_shopstock.t_shop_goods_stock
                         WHERE stock_qty > max_stock_qty GROUP BY 1, 2""").fetchall()
    planted = sum(n for s_, g, n in over if (s_, g) in pairs)
    assert planted >= 0.8 * sum(n for _, _, n in over)


def test_consumption_anomaly_far_above_what_sales_imply(src: Source) -> None:
    db = src.con
    union = _stock_rows(db)
    for f in src.manifest["consumption_anomaly"]["facts"]:
        recorded = db.execute(f"""SELECT -SUM(CAST(change_qty AS DOUBLE)) FROM ({union})
                                  WHERE change_type = 1 AND shop_id = ? AND goods_code = ? AND biz_date = ?""",
                              [f["shop_id"], f["goods_code"], f["biz_date"]]).fetchone()
        assert recorded is not None and recorded[0] == pytest.approx(f["recorded_qty"])
        assert recorded[0] >= 3 * max(f["implied_qty"], 1e-9)
        implied_sales = _implied(src, f["shop_id"], f["goods_code"], f["biz_date"])
        assert implied_sales == pytest.approx(f["implied_qty"], rel=1e-6, abs=1e-6)


def _implied(src: Source, shop_id: int, goods: str, day: str) -> float:
    """What the day's completed sales imply, from items x formula, by the rule the manifest states."""
    exact = src.manifest["formula_basis"]["facts"][0]["sku"] == "t_order_item.sku_code"
    basis = "i.sku_code" if exact else \
        "CASE WHEN i.sku_code LIKE '%-STD' THEN i.sku_code ELSE i.spu_code || '-L-R' END"
    row = src.con.execute(f"""
      SELECT COALESCE(SUM(i.quantity * CAST(fs.quantity AS DOUBLE)), 0) FROM items i
      JOIN orders o ON o.id = i.order_id
      JOIN luckyus_scm_commodity.t_formula_spu fs ON fs.sku_code = {basis}
      WHERE fs.goods_code = ? AND o.status = 90 AND o.shop_id = ? AND o.local_date = ?""",
                          [goods, shop_id, day]).fetchone()
    return float(row[0]) if row else 0.0


def test_late_supplier_and_overdue_deliveries(src: Source) -> None:
    db = src.con
    rows = dict(db.execute("""SELECT supplier_id = 4,
                                     AVG(CASE WHEN arrival_date > expected_arrival_date THEN 1.0 ELSE 0 END)
                              FROM luckyus_scm_purchase.t_ship_order WHERE arrival_date IS NOT NULL GROUP BY 1""")
                .fetchall())
    assert rows[True] > 0.6 and rows[False] < 0.15
    assert src.manifest["late_supplier"]["facts"][0]["supplier_id"] == 4
    overdue = {r[0] for r in db.execute("""SELECT ship_no FROM luckyus_scm_purchase.t_ship_order
                                           WHERE arrival_date IS NULL AND expected_arrival_date < DATE '2026-02-14'""")
               .fetchall()}
    facts = src.manifest["overdue_delivery"]["facts"]
    assert overdue == {f["ship_no"] for f in facts}
    assert sum(f["supplier_id"] == 4 for f in facts) >= 3
    linked = [f for f in src.manifest["stockout"]["facts"] if f["late_ship_no"]]
    assert len(linked) >= 1
    for f in linked:
        ref = db.execute(f"""SELECT shop_id, goods_code FROM ({_stock_rows(db)})
                             WHERE ref_no = ? AND change_type = 2""", [f["late_ship_no"]]).fetchall()
        late = db.execute("""SELECT arrival_date > expected_arrival_date, supplier_id
                             FROM luckyus_scm_purchase.t_ship_order WHERE ship_no = ?""",
                          [f["late_ship_no"]]).fetchone()
        assert ref == [(f["shop_id"], f["goods_code"])] and late == (True, 4)


def test_forecast_errors_and_accuracy(src: Source) -> None:
    db = src.con
    union = _stock_rows(db)
    champion = src.manifest["forecast_error"]["champion_model"]
    for f in src.manifest["forecast_error"]["facts"]:
        pred = db.execute("""SELECT CAST(pred_qty AS DOUBLE) FROM luckyus_ireplenishment.wh_goods_daily_demand_pred
                             WHERE shop_id = ? AND goods_code = ? AND pred_date = ? AND lead_days = 1
                               AND model_version = ?""", [f["shop_id"], f["goods_code"], f["pred_date"], champion]
                          ).fetchone()
        actual = db.execute(f"""SELECT -SUM(CAST(change_qty AS DOUBLE)) FROM ({union}) WHERE change_type = 1
                                AND shop_id = ? AND goods_code = ? AND biz_date = ?""",
                            [f["shop_id"], f["goods_code"], f["pred_date"]]).fetchone()
        assert pred is not None and actual is not None and actual[0]
        ratio = pred[0] / actual[0]
        assert ratio > 2 or ratio < 0.5, f
    mape = db.execute(f"""
      WITH a AS (SELECT shop_id, goods_code, biz_date, -SUM(change_qty) AS qty FROM ({union}) WHERE change_type = 1
                 GROUP BY 1, 2, 3)
      SELECT p.lead_days, AVG(ABS(p.pred_qty - a.qty) / a.qty)
      FROM luckyus_ireplenishment.wh_goods_daily_demand_pred p JOIN a ON a.shop_id = p.shop_id
        AND a.goods_code = p.goods_code AND a.biz_date = p.pred_date
      WHERE a.qty > 0 AND p.model_version = ? GROUP BY 1 ORDER BY 1""", [champion]).fetchall()
    assert len(mape) == 7 and 0.03 < mape[0][1] < 0.4 and mape[-1][1] > mape[0][1]


def test_forecasts_only_for_open_stores_from_opening(src: Source) -> None:
    db = src.con
    for table, col in (("luckyus_ireplenishment.wh_goods_daily_demand_pred", "pred_date"),
                       ("luckyus_ireplenishment.t_order_predict_alg_v2", "pred_date"),
                       ("luckyus_scm_shopstock.t_shop_goods_stock", "stock_date")):
        bad = db.execute(f"""SELECT COUNT(*) FROM {table} t LEFT JOIN shops s USING (shop_id)
                             WHERE s.open_date IS NULL OR s.test_flag <> 0 OR t.{col} < s.open_date""").fetchone()
        assert bad is not None and bad[0] == 0, table
    # the latest run per store/date/hour, summed over stores per day, is close to the orders placed
    daily = db.execute("""
      WITH latest AS (SELECT shop_id, pred_date, pred_hour, arg_max(pred_order_cnt, create_time) AS cnt
                      FROM luckyus_ireplenishment.t_order_predict_alg_v2 GROUP BY 1, 2, 3),
      by_day AS (SELECT pred_date, SUM(cnt) AS cnt, COUNT(DISTINCT shop_id) AS shops FROM latest GROUP BY 1),
      pred AS (SELECT * FROM by_day WHERE shops = (SELECT MAX(shops) FROM by_day)),  -- whole days only
      act AS (SELECT local_date, COUNT(*) AS n FROM orders
              WHERE shop_id IN (SELECT DISTINCT shop_id FROM latest) GROUP BY 1)
      SELECT COUNT(*) FILTER (WHERE a.n >= 20), AVG(ABS(p.cnt - a.n) / a.n) FILTER (WHERE a.n >= 20),
             COUNT(*) FILTER (WHERE p.pred_date > DATE '2026-02-13')
      FROM pred p LEFT JOIN act a ON a.local_date = p.pred_date""").fetchone()
    assert daily is not None and daily[0] > 0 and daily[1] < 0.15 and daily[2] == 7  # and a 7-day outlook


def test_referential_integrity(src: Source) -> None:
    db = src.con
    checks = [
        ("luckyus_scm_commodity.t_formula_spu", "goods_code", "luckyus_scm_commodity.t_mdm_goods", "goods_code"),
        ("luckyus_scm_purchase.t_purchase_order_item", "po_no", "luckyus_scm_purchase.t_purchase_order", "po_no"),
        ("luckyus_scm_purchase.t_ship_order", "po_no", "luckyus_scm_purchase.t_purchase_order", "po_no"),
        ("luckyus_scm_purchase.t_supplier_settlement", "po_no", "luckyus_scm_purchase.t_purchase_order", "po_no"),
        ("luckyus_scm_purchase.t_purchase_order", "supplier_id", "luckyus_scm_purchase.t_supplier", "supplier_id"),
        ("luckyus_ireplenishment.wh_goods_daily_demand_pred", "goods_code", "luckyus_scm_commodity.t_mdm_goods",
         "goods_code"),
        ("luckyus_sales_marketing.t_coupon_record", "template_id", "luckyus_sales_marketing.t_coupon_template",
         "template_id"),
        ("luckyus_isalesdatamarketing.t_user_hit_experiment_record", "experiment_id",
         "luckyus_isalesdatamarketing.t_experiment", "experiment_id"),
        ("luckyus_sales_crm.t_user_profile", "user_no", "users", "user_no"),
        ("luckyus_isales_cdp.t_user_state", "user_no", "users", "user_no"),
    ]
    for child, ccol, parent, pcol in checks:
        n = db.execute(f"""SELECT COUNT(*) FROM {child} c WHERE c.{ccol} IS NOT NULL
                           AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{pcol} = c.{ccol})""").fetchone()
        assert n is not None and n[0] == 0, (child, ccol)
    no_formula = q(db, """SELECT COUNT(DISTINCT i.spu_code) FROM items i WHERE NOT EXISTS (
                            SELECT 1 FROM luckyus_scm_commodity.t_formula_spu f WHERE f.spu_code = i.spu_code)""")
    assert no_formula[0][0] == 0
    hits_outside = db.execute("""
      SELECT COUNT(*) FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record h
      JOIN luckyus_isalesdatamarketing.t_experiment e USING (experiment_id)
      LEFT JOIN luckyus_isalesdatamarketing.t_user_traffic_distribution d
        ON d.experiment_id = h.experiment_id AND d.user_no = h.user_no
      WHERE d.user_no IS NULL OR d.group_name <> h.group_name OR h.hit_time < e.start_time
        OR h.hit_time > COALESCE(e.end_time, TIMESTAMP '2026-02-14 05:00:00')""").fetchone()
    assert hits_outside is not None and hits_outside[0] == 0
    before_reg = db.execute("""SELECT COUNT(*) FROM luckyus_sales_marketing.t_coupon_record c
                               JOIN users u USING (user_no)
                               WHERE c.receive_time < u.register_time""").fetchone()
    assert before_reg is not None and before_reg[0] == 0


def test_core_planted_cohort_and_coupon_deductions_are_used(core_like: Built) -> None:
    fact = core_like.manifest["churn_cohort"]["facts"][0]
    assert fact["applied"] and fact["register_month"] == "2025-09" and fact["collapse_from"] == "2025-11-01"
    assert fact["cohort"]["ratio_after_before"] < 0.5 * fact["earlier_cohorts"]["ratio_after_before"]
    o = core_like.ctx.orders
    rec = core_like.tables["luckyus_sales_marketing.t_coupon_record"]
    used = rec.filter(pa.compute.is_valid(rec.column("order_id")))
    ids = used.column("order_id").to_numpy()
    pos = np.searchsorted(o.id, ids)
    assert o.coupon_deduct is not None
    deduct = o.coupon_deduct[pos]
    # every order with a coupon deduction (any status or currency) carries exactly one redeemed coupon of that
    # amount, and no other order carries one
    assert len(ids) == (o.coupon_deduct > 0).sum() and len(np.unique(ids)) == len(ids)
    assert np.all(o.id[pos] == ids) and np.all(deduct > 0)
    assert np.allclose(used.column("discount_amount").to_numpy().astype(float), deduct)
    assert core_like.manifest["formula_basis"]["facts"][0]["sku"].startswith("spu_code || '-L-R'")


def test_core_churn_cohort_restated_and_visible_in_orders(small_data: Path) -> None:
    fact = json.loads((small_data / "manifest.json").read_text())["churn_cohort"]["facts"][0]
    assert fact["applied"] and fact["shop_name"] == "8th & Broadway"
    assert fact["cohort"]["ratio_after_before"] < 0.3 * fact["earlier_cohorts"]["ratio_after_before"]
    con = _core_db(small_data)
    row = con.execute("""
      SELECT COUNT(*) FILTER (WHERE o.create_time < CAST(? AS TIMESTAMP) + INTERVAL 5 HOUR
                                AND o.create_time >= CAST(? AS TIMESTAMP) + INTERVAL 5 HOUR - INTERVAL 61 DAY),
             COUNT(*) FILTER (WHERE o.create_time >= CAST(? AS TIMESTAMP) + INTERVAL 5 HOUR)
      FROM luckyus_sales_order.t_order o JOIN luckyus_sales_crm.t_user u USING (user_no)
      WHERE o.status = 90 AND u.register_shop_id = ? AND CAST(u.register_time AS DATE) BETWEEN ? AND ?""",
                                [fact["collapse_from"]] * 3 + [fact["shop_id"], fact["register_from"],
                                                                fact["register_to"]]).fetchone()
    con.close()
    assert row is not None
    before, after = row
    assert before > 20 and after / 104 < 0.3 * before / 61  # orders per day collapse after the date


def test_core_items_consume_their_own_sku_formula(small_data: Path) -> None:
    """The core's items carry their variant, so stock consumption follows each item's own SKU formula (a 12 oz
    drink uses a 12 oz cup), not the default L-R one: recorded use matches items x formula by sku_code."""
    manifest = json.loads((small_data / "manifest.json").read_text())
    assert manifest["formula_basis"]["facts"][0]["sku"] == "t_order_item.sku_code"
    con = _core_db(small_data)
    missing = q(con, """SELECT COUNT(*) FROM luckyus_sales_order.t_order_item i WHERE NOT EXISTS (
                          SELECT 1 FROM luckyus_scm_commodity.t_formula_spu f WHERE f.sku_code = i.sku_code)""")
    assert missing[0][0] == 0
    rows, own, default = q(con, f"""
      WITH rec AS (SELECT shop_id, goods_code, biz_date AS local_date, -SUM(CAST(change_qty AS DOUBLE)) AS qty
                   FROM ({_stock_rows(con)}) WHERE change_type = 1 GROUP BY ALL),
      sold AS (SELECT o.shop_id, o.local_date, i.quantity, i.sku_code,
                      CASE WHEN i.sku_code LIKE '%-STD' THEN i.sku_code ELSE i.spu_code || '-L-R' END AS lr_sku
               FROM items i JOIN orders o ON o.id = i.order_id WHERE o.status = 90),
      own AS (SELECT shop_id, goods_code, local_date, SUM(sold.quantity * CAST(f.quantity AS DOUBLE)) AS qty
              FROM sold JOIN luckyus_scm_commodity.t_formula_spu f ON f.sku_code = sold.sku_code GROUP BY ALL),
      lr AS (SELECT shop_id, goods_code, local_date, SUM(sold.quantity * CAST(f.quantity AS DOUBLE)) AS qty
             FROM sold JOIN luckyus_scm_commodity.t_formula_spu f ON f.sku_code = sold.lr_sku GROUP BY ALL)
      SELECT COUNT(*), AVG((ABS(rec.qty - COALESCE(own.qty, 0)) < 1e-6)::INT),
             AVG((ABS(rec.qty - COALESCE(lr.qty, 0)) < 1e-6)::INT)
      FROM rec LEFT JOIN own USING (shop_id, goods_code, local_date)
      LEFT JOIN lr USING (shop_id, goods_code, local_date)
      WHERE rec.goods_code IN (SELECT goods_code FROM luckyus_scm_commodity.t_formula_spu)""")[0]
    con.close()
    # planted anomalies and stock-outs (use capped at zero stock) are the only store-days that differ
    assert rows > 1_000 and own > 0.98 and default < 0.8
