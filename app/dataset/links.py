"""Columns that tie the core's tables to the growth generator's, filled once both are built.

``t_order.coupon_no`` is the ``coupon_no`` of the ``t_coupon_record`` row redeemed on the order
(status 2, ``order_id`` = ``t_order.id``), NULL when none. The growth generator numbers its
coupons after drawing them, on its own thread while the core is still running, so the core
cannot know the number when it lays out ``t_order``; one join after both finish keeps the two
tables in agreement without making either generator wait for the other.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from app.errors import LuckyError

ORDERS = "luckyus_sales_order.t_order"
COUPONS = "luckyus_sales_marketing.t_coupon_record"


def link_coupon_numbers(tables: dict[str, pa.Table]) -> None:
    """Set ``t_order.coupon_no`` in ``tables`` from the used coupons (a no-op without the coupon table)."""
    orders, coupons = tables.get(ORDERS), tables.get(COUPONS)
    if orders is None or coupons is None:
        return
    used = coupons.filter(pc.is_valid(coupons.column("order_id")))
    used_ids = used.column("order_id").combine_chunks()
    if pc.count_distinct(used_ids).as_py() != len(used_ids):
        raise LuckyError("t_coupon_record: an order carries more than one used coupon")
    pos = pc.index_in(orders.column("id"), value_set=used_ids)  # NULL where the order used no coupon
    numbers = pc.take(used.column("coupon_no"), pos)
    i = orders.schema.get_field_index("coupon_no")
    tables[ORDERS] = orders.set_column(i, orders.schema.field(i), numbers.cast(orders.schema.field(i).type))
