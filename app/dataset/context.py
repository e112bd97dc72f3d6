"""What the core generator hands to the growth and supply generators.

The core (shops, products, users, orders, items, payments, production, IoT, accounting) is
generated first; ``gen_growth`` (marketing, CDP, experiments) and ``gen_supply`` (stock,
replenishment, purchasing, goods master, formulas, sale remarks) read these arrays so their
rows agree with the orders. All times are UTC ``datetime64[s]``; local business dates are
``datetime64[D]`` in each shop's own time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

START_LOCAL = dt.date(2025, 6, 30)  # first business day (local time)
END_LOCAL = dt.date(2026, 2, 13)  # last business day (local time)
TODAY = dt.date(2026, 2, 14)  # the demo data's reference "today"


@dataclass
class Shops:
    """One entry per row of luckyus_opshop.t_shop_info (index i <-> id[i])."""

    id: npt.NDArray[np.int64]
    shop_no: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    time_zone: npt.NDArray[np.str_]
    currency: npt.NDArray[np.str_]
    open_date: npt.NDArray[np.datetime64]  # NaT when never opened
    test_flag: npt.NDArray[np.int8]
    is_nyc_store: npt.NDArray[np.bool_]  # the 10 open + 180 Varick of seed section 2.2


@dataclass
class Products:
    """One entry per sellable SPU (the menu), index j <-> spu_code[j]."""

    spu_code: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    category: npt.NDArray[np.str_]  # one_category_name
    price: npt.NDArray[np.float64]  # list (origin) price, USD
    is_food: npt.NDArray[np.bool_]
    is_iced: npt.NDArray[np.bool_]


@dataclass
class Users:
    user_no: npt.NDArray[np.str_]
    register_time: npt.NDArray[np.datetime64]
    register_channel: npt.NDArray[np.int8]  # same codes as t_order.channel


@dataclass
class Orders:
    """Every t_order row; ``user`` and ``shop`` are indexes into Users / Shops."""

    id: npt.NDArray[np.int64]
    user: npt.NDArray[np.int64]
    shop: npt.NDArray[np.int64]
    create_time: npt.NDArray[np.datetime64]
    local_date: npt.NDArray[np.datetime64]
    status: npt.NDArray[np.int16]
    channel: npt.NDArray[np.int16]
    order_type: npt.NDArray[np.int16]
    pay_money: npt.NDArray[np.float64]
    currency: npt.NDArray[np.str_]
    #: t_order_amount.coupon_deduct in dollars (0 where the order has no amount row); the growth generator
    #: redeems exactly one coupon of this amount on every order where it is > 0. None: draw coupons itself.
    coupon_deduct: npt.NDArray[np.float64] | None = None


@dataclass
class Items:
    """Every t_order_item row; ``order`` indexes Orders, ``product`` indexes Products."""

    order: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.int64]
    pay_money: npt.NDArray[np.float64]
    #: index into ``gen_orders.VARIANT_CODES`` (S-R, S-L, S-N, L-R, L-L, L-N; 0 for food, whose SKU is -STD):
    #: t_order_item.sku_code is ``spu_code-VARIANT_CODES[variant]``. None: every drink is the default L-R.
    variant: npt.NDArray[np.int64] | None = None


@dataclass
class GenContext:
    seed: int
    scale: float
    bulk_scale: float
    shops: Shops
    products: Products
    users: Users
    orders: Orders
    items: Items
    manifest: dict[str, Any] = field(default_factory=dict)  # planted facts, by kind

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, deterministic random stream per generator module."""
        key = int.from_bytes(stream.encode()[:16].ljust(16, b"\0"), "little")
        return np.random.default_rng([self.seed, key])
