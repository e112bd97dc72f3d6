"""Supply-chain tables: goods and recipes, store stock, forecasts, procurement, store config.

``generate_supply(ctx)`` returns ``{"db.table": pa.Table}`` for luckyus_scm_commodity
(t_mdm_goods, t_formula_spu), luckyus_scm_shopstock (t_shop_goods_stock and the seven
t_shop_goods_stock_change_<weekday> tables, one per weekday of ``biz_date``),
luckyus_ireplenishment (wh_goods_daily_demand_pred, t_order_predict_alg_v2), luckyus_scm_purchase
(t_supplier, t_purchase_order, t_purchase_order_item, t_ship_order, t_supplier_settlement),
luckyus_opshopsale.t_shop_sale_remark and luckyus_iunifiedreconcile (t_reconcile_rule,
t_reconcile_config). Stock and forecasts cover only open stores (opened, not test) from their
opening day; consumption follows the items sold (``supply_stock``), forecasts follow
consumption and orders (``supply_forecast``). Goods, formulas, suppliers and the reconcile
config keep their seed size at any scale; the rest scale with ``scale`` (and ``bulk_scale``
for the bulk tables), never below what the planted facts need. The stock-change tables together
hold about 7 x 1M x scale x bulk_scale rows when sales produce that many (weekday tables more
than weekend ones, as sales do).

Manifest kinds added to ``ctx.manifest``, in the project's shape ``{"description": str, "facts":
[ {...} ]}`` (ids are ``t_shop_info.id``, ``goods_code``, ``ship_no``/``po_no``; dates are local
business dates; figures are recomputed from the generated rows):

* ``stockout``: shop, goods, ``stockout_dates`` (end-of-day ``stock_qty`` = 0) after missed
  deliveries, ``late_ship_no`` when a late shipment caused it; ``other_zero_stock_days`` counts
  any other zero-stock store-goods-days.
* ``overstock``: shop, goods, the over-delivery ``receipt_date``/``receipt_qty``,
  ``days_above_max`` (stock_qty > max_stock_qty), ``peak_stock_qty``.
* ``consumption_anomaly``: shop, goods, ``biz_date``, ``implied_qty`` (what sales imply via the
  formulas) and ``recorded_qty`` (consumption in the change tables).
* ``forecast_error``: shop, goods, ``pred_date``, the champion's lead-1 ``predicted_qty`` vs
  ``actual_qty``; ``champion_model`` names the model to evaluate.
* ``late_supplier`` (on-time figures), ``overdue_delivery`` (not arrived, past expected date as
  of 2026-02-14), ``supplier_price_increase``.
* ``formula_basis``: which formula rows turn items into consumption.
"""

from __future__ import annotations

import pyarrow as pa

from app.dataset.context import GenContext
from app.dataset.supply_forecast import demand_forecast, order_forecast
from app.dataset.supply_goods import build_goods
from app.dataset.supply_misc import reconcile, sale_remarks
from app.dataset.supply_purchase import purchasing
from app.dataset.supply_stock import calendar, change_tables, plan, sales, simulate, snapshots, stock_facts


def generate_supply(ctx: GenContext) -> dict[str, pa.Table]:
    """Every supply table, and the supply planted facts in ``ctx.manifest``."""
    cal = calendar(ctx)
    goods, goods_t, formula_t = build_goods(ctx)
    sold = sales(ctx, cal)
    p = plan(cal, goods)
    st, lines = simulate(ctx, cal, goods, sold, p)
    out: dict[str, pa.Table] = {"luckyus_scm_commodity.t_mdm_goods": goods_t,
                                "luckyus_scm_commodity.t_formula_spu": formula_t}
    purchase, late_refs, purchase_facts = purchasing(ctx, cal, goods, st, p)
    out.update(change_tables(ctx, cal, goods, st, sold, lines, late_refs))
    out["luckyus_scm_shopstock.t_shop_goods_stock"] = snapshots(ctx, cal, goods, st, p)
    pred, forecast_facts = demand_forecast(ctx, cal, goods, st, p)
    out["luckyus_ireplenishment.wh_goods_daily_demand_pred"] = pred
    out["luckyus_ireplenishment.t_order_predict_alg_v2"] = order_forecast(ctx, cal, sold)
    out.update(purchase)
    out["luckyus_opshopsale.t_shop_sale_remark"] = sale_remarks(ctx)
    out.update(reconcile(ctx))
    ctx.manifest.update(stock_facts(cal, goods, st, p, late_refs))
    ctx.manifest.update(forecast_facts)
    ctx.manifest.update(purchase_facts)
    exact = ctx.items.variant is not None
    sku = "t_order_item.sku_code" if exact else "spu_code || '-L-R' (food: spu_code || '-STD')"
    ctx.manifest["formula_basis"] = {
        "description": f"Goods used by one sold item = t_order_item.quantity x t_formula_spu.quantity of the "
                       f"formula whose sku_code = {sku}; completed orders at open stores, business date local.",
        "facts": [{"sku": sku, "tracked_goods": len(st.tracked)}]}
    return out
