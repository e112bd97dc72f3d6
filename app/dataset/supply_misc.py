"""Small configuration tables: store sale remarks and the reconciliation rules.

``t_shop_sale_remark.remark_type`` 1 = badge (New, Best seller), 2 = sold-out notice,
3 = allergen notice, 4 = promotion text, 5 = pickup note; ``is_visible`` 1 = shown in the app.
The reconciliation rules describe the order / payment / accounting three-way match with a
tolerance of 1 cent (payments are in cents, orders and accounting in dollars).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import build_table, take, target_rows
from app.dataset.context import GenContext

_REMARKS = {1: ["New", "Best seller", "Staff pick", "Seasonal", "Only at this store"],
            2: ["Sold out today", "Back tomorrow morning", "Limited quantity"],
            3: ["Contains milk", "Contains tree nuts", "Contains gluten", "Contains egg", "Contains soy"],
            4: ["2nd cup 50% off", "$1 off before 10am", "Free size up this week", "Combo with croissant"],
            5: ["Pick up at the side counter", "Made to order, allow 5 minutes", "Ask for less ice"]}
_RULES_DISPLAY = ["always", "morning_only", "weekday_only", "app_only", "in_store_only", "until_sold_out"]


def sale_remarks(ctx: GenContext) -> pa.Table:
    rng = ctx.rng("supply.remarks")
    n = target_rows(ctx, "luckyus_opshopsale.t_shop_sale_remark")
    shops = np.asarray(ctx.shops.id)
    w = np.where(np.asarray(ctx.shops.is_nyc_store, dtype=bool), 20.0, 1.0)
    shop = rng.choice(len(shops), n, p=w / w.sum())
    spu = rng.integers(0, len(ctx.products.spu_code), n)
    rtype = rng.choice(np.arange(1, 6), n, p=[0.35, 0.1, 0.3, 0.15, 0.1])
    texts = [t for k in sorted(_REMARKS) for t in _REMARKS[k]]
    base = np.cumsum([0] + [len(_REMARKS[k]) for k in sorted(_REMARKS)])
    sizes = np.array([len(_REMARKS[k]) for k in sorted(_REMARKS)])
    text_idx = base[rtype - 1] + (rng.random(n) * sizes[rtype - 1]).astype(np.int64)
    t = np.datetime64("2025-06-01T12:00:00") + rng.integers(0, 255 * 86400, n).astype("timedelta64[s]")
    return build_table("luckyus_opshopsale.t_shop_sale_remark", {
        "id": np.arange(1, n + 1), "shop_id": shops[shop], "spu_code": take(ctx.products.spu_code, spu),
        "remark_type": rtype.astype(np.int8), "remark": take(np.array(texts), text_idx),
        "display_rule": take(np.array(_RULES_DISPLAY), rng.integers(0, len(_RULES_DISPLAY), n)),
        "sort_no": rng.integers(1, 100, n), "is_visible": (rng.random(n) < 0.8).astype(np.int8),
        "create_time": t, "update_time": t + rng.integers(0, 30 * 86400, n).astype("timedelta64[s]")})


_RULES = [
    ("ORDER_TRADE_AMOUNT", "Order paid amount vs payment trade", "luckyus_sales_order.t_order.pay_money",
     "luckyus_sales_payment.t_trade.amount / 100", "order_id", 1, 1),
    ("ORDER_AMOUNT_DETAIL", "Order vs order amount breakdown", "luckyus_sales_order.t_order.pay_money",
     "luckyus_sales_order.t_order_amount.pay_money", "order_id", 1, 1),
    ("ORDER_ITEM_SUM", "Order total vs sum of items", "luckyus_sales_order.t_order.total_money",
     "SUM(luckyus_sales_order.t_order_item.pay_money)", "order_id", 1, 1),
    ("ORDER_TAX", "Order tax vs amount tax", "luckyus_sales_order.t_order.tax_money",
     "luckyus_sales_order.t_order_amount.tax_amount", "order_id", 1, 1),
    ("TRADE_CHANNEL_FEE", "Trade fee vs channel fee", "luckyus_sales_payment.t_trade.fee",
     "luckyus_sales_payment.t_channel_fee.total_fee", "trade_id", 1, 1),
    ("ORDER_INCOME_DAILY", "Orders vs income bill per store-day", "SUM(luckyus_sales_order.t_order.pay_money)",
     "SUM(luckyus_ifiaccounting.t_acc_income_bill.income_amount)", "shop_id,business_date", 1, 1),
    ("TRADE_INCOME_HOURLY", "Trades vs income bill per store-day-hour-channel",
     "SUM(luckyus_sales_payment.t_trade.amount) / 100", "luckyus_ifiaccounting.t_acc_income_bill.income_amount",
     "shop_id,business_date,bill_hour,channel_id", 1, 1),
    ("INCOME_VOUCHER", "Income bill vs voucher entries", "luckyus_ifiaccounting.t_acc_income_bill.income_amount",
     "SUM(luckyus_ifiaccounting.t_pre_voucher_entry_assist.credit_amount)", "bill_no", 1, 1),
    ("REFUND_TRADE", "Cancelled orders vs refunded trades", "luckyus_sales_order.t_order.pay_money",
     "luckyus_sales_payment.t_trade.refund_amount / 100", "order_id", 1, 1),
    ("ORDER_PRODUCTION", "Completed orders vs productions", "COUNT(luckyus_sales_order.t_order.id)",
     "COUNT(luckyus_opproduction.t_production.order_id)", "order_id", 0, 1),
    ("PO_SETTLEMENT", "Purchase order vs supplier settlements", "luckyus_scm_purchase.t_purchase_order.total_amount",
     "SUM(luckyus_scm_purchase.t_supplier_settlement.amount)", "po_no", 1, 1),
    ("COST_BILL_SETTLEMENT", "Cost bills vs supplier settlements", "luckyus_ifiaccounting.t_acc_cost_bill.amount",
     "luckyus_scm_purchase.t_supplier_settlement.amount", "supplier_id,month", 1, 0),
]
_CONFIG = [
    ("three_way.sources", "order,payment,accounting"), ("three_way.tolerance_cents", "1"),
    ("business_date.basis", "shop_local_time"),
    ("business_date.timezone_source", "luckyus_opshop.t_shop_info.time_zone"),
    ("currency.include", "USD"), ("shops.exclude_test", "true"), ("order.status_completed", "90"),
    ("trade.status_success", "1,2,3"), ("amount.unit.payment", "cents"), ("amount.unit.order", "dollars"),
    ("amount.unit.accounting", "dollars"), ("schedule.cron", "0 7 * * *"), ("schedule.timezone", "America/New_York"),
    ("lookback.days", "3"), ("alert.channel", "#finance-recon"), ("alert.threshold_cents", "100"),
    ("retry.max", "3"), ("output.table", "t_reconcile_result"), ("owner", "finance-ops"), ("version", "2.4"),
]


def reconcile(ctx: GenContext) -> dict[str, pa.Table]:
    del ctx
    t0, t1 = np.datetime64("2025-06-20T14:00:00"), np.datetime64("2026-01-10T14:00:00")
    rules = build_table("luckyus_iunifiedreconcile.t_reconcile_rule", {
        "id": np.arange(1, len(_RULES) + 1), "rule_code": [r[0] for r in _RULES], "rule_name": [r[1] for r in _RULES],
        "source_a": [r[2] for r in _RULES], "source_b": [r[3] for r in _RULES], "match_key": [r[4] for r in _RULES],
        "tolerance_cents": [r[5] for r in _RULES], "enabled": np.array([r[6] for r in _RULES], dtype=np.int8),
        "create_time": t0, "update_time": t1})
    config = build_table("luckyus_iunifiedreconcile.t_reconcile_config", {
        "id": np.arange(1, len(_CONFIG) + 1), "config_key": [c[0] for c in _CONFIG],
        "config_value": [c[1] for c in _CONFIG], "create_time": t0, "update_time": t1})
    return {"luckyus_iunifiedreconcile.t_reconcile_rule": rules, "luckyus_iunifiedreconcile.t_reconcile_config": config}
