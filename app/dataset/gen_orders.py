"""Orders and their items: who bought what, where, when, for how much (calibrated).

Pipeline: daily volumes (``gen_volume``) -> local times -> UTC -> status, channel, order type ->
items (top-15 counts exact, the planted product pair) -> prices. Prices are raked: the
discount depth per shop, per top-15 product and along time is solved so that every shop's
revenue, every top-15 product's revenue, the newest weeks' AOV and January revenue hit the
seed's figures; a final pass moves single cents on tax-neutral items so shop totals are exact.

Money identity (cents, every order):
    total_money    = SUM(item quantity * origin_price)          list value of the goods
    discount_money = total_money - SUM(item pay_money)          promotions + coupons
    tax_money      = SUM(item tax) for tax_mode 1 items         US sales tax, added on top
    pay_money      = total_money - discount_money + tax_money + delivery_fee
The discount splits per item into a promotion, ``qty * (origin_price - sale_price)``, and a coupon,
``qty * sale_price - pay_money``; their order sums are t_order_amount.promotion_deduct and
.coupon_deduct, and the coupon part is the discount_amount of the one coupon the growth generator
redeems on the order (t_coupon_record.order_id, named by t_order.coupon_no).
Cook Islands (NZD) items are VAT-inclusive (tax_mode 2): their VAT is in ``tax`` and in
t_order_amount.vat_amount but is not added to pay_money. Unpaid cancelled/pending orders keep
``payable_money`` and have ``pay_money`` = 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.dataset.gen_menu import Menu
from app.dataset.gen_shops import D0, D1, N_DAYS, ZONES, ShopFrame
from app.dataset.gen_volume import Volume, plan_volume, sample_local_seconds, scaled_targets
from app.dataset.timeutil import DAY, day_number, local_to_utc

IntArr = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]
FloatArr = npt.NDArray[np.float64]

KIND_COMPLETED, KIND_UNPAID, KIND_REFUNDED, KIND_PENDING = 0, 1, 2, 3
CHANNEL_SHARE = {2: 410 / 516, 1: 72 / 516, 3: 25 / 516, 8: 4.2 / 516, 9: 2.8 / 516, 10: 2.0 / 516}  # seed 7.1 counts
DELIVERY_SHOP_WEIGHT = {"54th & 8th": 1.6, "221 Grand": 1.3, "102 Fulton": 0.7, "100 Maiden Ln": 0.7,
                        "33rd & 10th": 1.2}
COMPLETED_ITEMS = 561_000  # t_order_item rows on completed orders at scale 1 (t_order_item 602K in all)
ALL_ITEMS = 602_000
AOV_NEWEST = 503.0  # cents, completed USD orders of the last 14 local days
AOV_NEWEST_DAYS = 14
DELIVERY_AOV = 1_860.0  # cents, completed USD delivery orders (seed: $18-20)
JAN_REVENUE = 363_000.0
JAN_START = day_number(dt.date(2026, 1, 1)) * DAY
FEB_START = day_number(dt.date(2026, 2, 1)) * DAY
TAU_KNOT = day_number(dt.date(2026, 1, 15))
US_RATE_E5 = 8_875  # 0.08875 as DECIMAL(6,5) unscaled
CK_RATE_E5 = 15_000
REFUND_SPIKE_SHOP = "102 Fulton"
REFUND_SPIKE_DAY = dt.date(2025, 12, 5)
PAIR = ("Almond Croissant", "Iced Hojicha Latte")
LATE_SHOP = "8th & Broadway"  # open until 22:00: its evening orders carry the next UTC date
VARIANTS = ["12oz, Regular Sugar", "12oz, Less Sugar", "12oz, No Sugar", "16oz, Regular Sugar",
            "16oz, Less Sugar", "16oz, No Sugar"]
VARIANT_CODES = ["S-R", "S-L", "S-N", "L-R", "L-L", "L-N"]
VARIANT_P = np.array([0.12, 0.10, 0.05, 0.38, 0.25, 0.10])


@dataclass
class OrderFrame:
    shop: IntArr  # index into ShopFrame
    row: IntArr  # index into Volume.shops (trading shop row)
    day: IntArr  # local business day number
    local_sec: IntArr
    create: IntArr  # UTC epoch seconds
    kind: IntArr
    status: IntArr
    channel: IntArr
    order_type: IntArr
    nzd: BoolArr  # currency_code NZD
    cook: BoolArr  # placed at a Cook Islands test shop
    mislabel: BoolArr  # Cook Islands order labelled USD (planted)
    item_start: IntArr
    n_items: IntArr
    fee: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    total: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    promo: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    coupon: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    tax: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    vat: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    payable: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    pay: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))  # pay_money (0 when unpaid)
    user: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    id: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.shop)

    @property
    def completed(self) -> BoolArr:
        return self.kind == KIND_COMPLETED

    @property
    def paid(self) -> BoolArr:
        return (self.kind == KIND_COMPLETED) | (self.kind == KIND_REFUNDED)


@dataclass
class ItemFrame:
    order: IntArr
    product: IntArr
    variant: IntArr
    qty: IntArr
    origin_unit: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    sale_unit: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    pay: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    tax: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    tax_mode: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    tax_rate: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))  # unscaled 1e-5
    tax_null: BoolArr = field(default_factory=lambda: np.zeros(0, bool))  # planted: tax and rate NULL

    def __len__(self) -> int:
        return len(self.order)


# ----------------------------------------------------------------------------- helpers

def gumbel_top(rng: np.random.Generator, weights: FloatArr, k: int) -> IntArr:
    """Indexes of ``k`` draws without replacement, probability proportional to ``weights``."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(np.maximum(weights, 1e-300)) - np.log(-np.log(rng.random(len(weights))))
    keys[weights <= 0] = -np.inf
    return np.sort(np.argpartition(-keys, k - 1)[:k]).astype(np.int64)


def nearest(candidates: IntArr, times: IntArr, target: int, n: int) -> IntArr:
    """The ``n`` candidates whose time is closest at/after ``target`` (then before it)."""
    if len(candidates) == 0:
        return candidates
    t = times[candidates]
    key = np.where(t >= target, t - target, (target - t) + 10**9)
    return np.sort(candidates[np.argsort(key, kind="stable")[:n]])


def us_tax(pay: IntArr) -> IntArr:
    """NY+NYC sales tax on a cents amount, rounded half up."""
    return (pay * US_RATE_E5 + 50_000) // 100_000


def ck_vat(pay: IntArr) -> IntArr:
    """Cook Islands VAT included in a cents amount: pay * 15/115, rounded half up."""
    return (pay * 30 + 115) // 230


# ----------------------------------------------------------------------------- skeleton

def _skeleton(shops: ShopFrame, vol: Volume, scale: float, rng: np.random.Generator,
              manifest: dict[str, Any]) -> OrderFrame:
    n_tr = len(vol.shops)
    cells = np.arange(n_tr * N_DAYS)
    comp_cells = np.repeat(cells, vol.completed.ravel())
    other_cells = np.repeat(cells, vol.other.ravel())
    row = np.concatenate([comp_cells, other_cells]) // N_DAYS
    day = np.concatenate([comp_cells, other_cells]) % N_DAYS + D0
    kind = np.concatenate([np.zeros(len(comp_cells), np.int64), np.ones(len(other_cells), np.int64)])
    others = np.flatnonzero(kind == KIND_UNPAID)

    # refunds (paid, then cancelled): a background rate plus one planted spike day at one shop
    spike_row = int(np.flatnonzero(shops.name[vol.shops] == REFUND_SPIKE_SHOP)[0])
    spike_day = day_number(REFUND_SPIKE_DAY)
    n_spike = max(8, round(110 * scale))
    n_bg = max(3, round(250 * scale))
    at_shop = others[row[others] == spike_row]
    spike = rng.choice(at_shop, size=min(n_spike, len(at_shop)), replace=False)
    day[spike] = spike_day
    kind[spike] = KIND_REFUNDED
    rest = np.flatnonzero(kind == KIND_UNPAID)
    bg = rng.choice(rest, size=n_bg, replace=False)
    kind[bg] = KIND_REFUNDED
    rest = np.flatnonzero(kind == KIND_UNPAID)
    pending = rng.choice(rest, size=max(2, round(40 * scale)), replace=False)
    kind[pending] = KIND_PENDING

    shop = vol.shops[row]
    local_sec = sample_local_seconds(shops, shop, day, rng)
    # planted time-zone trap: 'yesterday' always has evening orders that land on the next UTC day
    late_shop = shops.index(LATE_SHOP)
    yday = np.flatnonzero((shop == late_shop) & (day == D1) & (kind == KIND_COMPLETED))
    n_late = int((local_sec[yday] >= 19 * 3600).sum())
    if n_late < 3:
        early = yday[local_sec[yday] < 19 * 3600][: 3 - n_late]
        local_sec[early] = 19 * 3600 + rng.integers(0, 3 * 3600, size=len(early))
    create = local_to_utc(shops.zone[shop], ZONES, day, local_sec)
    order = np.lexsort((np.arange(len(create)), create))
    shop, row, day, local_sec, create, kind = (a[order] for a in (shop, row, day, local_sec, create, kind))
    n = len(shop)
    status = np.select([kind == KIND_COMPLETED, kind == KIND_PENDING], [90, 10], 0).astype(np.int64)
    cook = shops.kind[shop] == "cook"
    mislabel = np.zeros(n, dtype=bool)
    cook_done = np.flatnonzero(cook & (kind == KIND_COMPLETED))
    mislabel[rng.choice(cook_done, size=vol.n_mislabel, replace=False)] = True
    nzd = cook & ~mislabel
    is_spike = np.zeros(len(order), dtype=bool)
    is_spike[spike] = True
    manifest["_refund_spike_orders"] = np.flatnonzero(is_spike[order])
    channel, order_type = _channels(shops, shop, local_sec, kind, rng)
    return OrderFrame(shop=shop, row=row, day=day, local_sec=local_sec, create=create, kind=kind, status=status,
                      channel=channel, order_type=order_type, nzd=nzd, cook=cook, mislabel=mislabel,
                      item_start=np.zeros(n, np.int64), n_items=np.zeros(n, np.int64))


def _channels(shops: ShopFrame, shop: IntArr, local_sec: IntArr, kind: IntArr,
              rng: np.random.Generator) -> tuple[IntArr, IntArr]:
    """Exact channel quotas over all orders; delivery (channel 3) only at NYC shops, lunch/evening heavy,
    and cancelled more often than app pickup orders."""
    n = len(shop)
    channel = np.zeros(n, dtype=np.int64)
    hour = local_sec // 3600
    w = np.where(shops.kind[shop] == "nyc", 1.0, 0.0)
    for name, f in DELIVERY_SHOP_WEIGHT.items():
        w[shops.name[shop] == name] *= f
    w *= np.where((hour >= 11) & (hour < 14), 1.8, np.where(hour >= 17, 1.6, np.where(hour < 10, 0.5, 1.0)))
    w *= np.where(kind == KIND_COMPLETED, 1.0, 2.5)
    n_del = round(CHANNEL_SHARE[3] * n)
    channel[gumbel_top(rng, w, n_del)] = 3
    free = rng.permutation(np.flatnonzero(channel == 0))
    start = 0
    for ch in (1, 8, 9, 10):
        k = round(CHANNEL_SHARE[ch] * n)
        channel[free[start:start + k]] = ch
        start += k
    channel[free[start:]] = 2
    order_type = np.where(channel == 3, 2, 1).astype(np.int64)
    return channel, order_type


# ----------------------------------------------------------------------------- items

def _adjust_counts(n_items: IntArr, pool: IntArr, target: int, rng: np.random.Generator) -> None:
    """Flip single orders between 1 and 2 items until the pool's item count is exactly ``target``."""
    diff = target - int(n_items[pool].sum())
    if diff > 0:
        ones = pool[n_items[pool] == 1]
        n_items[rng.choice(ones, size=min(diff, len(ones)), replace=False)] += 1
    elif diff < 0:
        twos = pool[n_items[pool] >= 2]
        n_items[rng.choice(twos, size=min(-diff, len(twos)), replace=False)] -= 1


def _items(orders: OrderFrame, menu: Menu, scale: float, rng: np.random.Generator,
           manifest: dict[str, Any]) -> ItemFrame:
    n = len(orders)
    comp = orders.completed
    deliv = orders.order_type == 2
    n_items = np.where(
        deliv, rng.choice([1, 2, 3, 4, 5], size=n, p=[0.28, 0.42, 0.2, 0.07, 0.03]),
        np.where(comp, rng.choice([1, 2, 3], size=n, p=[0.92, 0.07, 0.01]),
                 rng.choice([1, 2, 3], size=n, p=[0.65, 0.25, 0.10]))).astype(np.int64)
    comp_pool = np.flatnonzero(comp & ~deliv)
    target_comp = round(COMPLETED_ITEMS * scale)
    _adjust_counts(n_items, comp_pool, target_comp - int(n_items[comp & deliv].sum()), rng)
    other_pool = np.flatnonzero(~comp)
    target_all = round(ALL_ITEMS * scale)
    _adjust_counts(n_items, other_pool, target_all - int(n_items[comp].sum()), rng)
    orders.n_items = n_items
    orders.item_start = np.concatenate([[0], np.cumsum(n_items)[:-1]]).astype(np.int64)
    item_order = np.repeat(np.arange(n), n_items)
    pos = np.arange(len(item_order)) - orders.item_start[item_order]
    product = np.full(len(item_order), -1, dtype=np.int64)

    # planted basket pair: two-item NYC pickup orders that contain exactly PAIR
    a, b = menu.index(PAIR[0]), menu.index(PAIR[1])
    counts = _product_counts(menu, int(comp[item_order].sum()), scale)
    two = np.flatnonzero(comp & ~deliv & (n_items == 2) & ~orders.cook)
    k_pair = min(max(10, round(1_200 * scale)), int(counts[a]) - 1, int(counts[b]) - 1, len(two))
    pair_orders = rng.choice(two, size=k_pair, replace=False)
    product[orders.item_start[pair_orders]] = a
    product[orders.item_start[pair_orders] + 1] = b
    counts[a] -= k_pair
    counts[b] -= k_pair
    manifest["_pair_orders"] = np.sort(pair_orders)

    comp_slots = np.flatnonzero(comp[item_order] & (product < 0))
    pool = rng.permutation(np.repeat(np.arange(len(menu)), counts))
    product[comp_slots] = pool
    other_slots = np.flatnonzero(product < 0)
    freq = _product_counts(menu, COMPLETED_ITEMS, 1.0).astype(np.float64)
    product[other_slots] = rng.choice(len(menu), size=len(other_slots), p=freq / freq.sum())
    variant = np.where(menu.is_food[product], 0, rng.choice(6, size=len(product), p=VARIANT_P)).astype(np.int64)
    qty = np.where(deliv[item_order], rng.choice([1, 2], size=len(product), p=[0.9, 0.1]),
                   rng.choice([1, 2, 3], size=len(product), p=[0.955, 0.04, 0.005])).astype(np.int64)
    del pos
    return ItemFrame(order=item_order, product=product, variant=variant, qty=qty)


def _product_counts(menu: Menu, total: int, scale: float) -> IntArr:
    """Item rows per product on completed orders: top-15 exact (scaled), the rest by weight."""
    top = menu.top_orders > 0
    counts = np.zeros(len(menu), dtype=np.int64)
    counts[top] = np.maximum(1, np.round(menu.top_orders[top] * scale)).astype(np.int64)
    rest = total - int(counts.sum())
    w = np.where(top, 0.0, menu.weight)
    exact = rest * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = rest - int(base.sum())
    base[np.argsort(-(exact - base), kind="stable")[:short]] += 1
    counts[~top] = np.maximum(1, base[~top])
    counts[np.argmax(np.where(top, -1, counts))] -= int(counts.sum()) - total
    return counts


# ----------------------------------------------------------------------------- pricing

def _price(orders: OrderFrame, items: ItemFrame, shops: ShopFrame, vol: Volume, menu: Menu, scale: float,
           rng: np.random.Generator) -> None:
    _, revenue = scaled_targets(shops, scale, vol.n_mislabel)
    n_tr = len(vol.shops)
    io = items.order
    p = items.product
    comp_i = orders.completed[io]
    deliv_o = orders.order_type == 2
    deliv_i = deliv_o[io]
    cook_i = orders.cook[io]
    row_i = orders.row[io]
    day_i = orders.day[io].astype(np.float64)
    L = menu.list_cents[p].astype(np.float64)
    q = items.qty.astype(np.float64)
    rate = np.where(cook_i | ~menu.taxable[p], 0.0, US_RATE_E5 / 1e5)
    # discount depth before calibration: full price, or a coupon; deeper in each shop's first 3 weeks
    d0 = np.where(rng.random(len(p)) < 0.15, 1.0, 0.15 + 0.8 * rng.beta(4, 3, size=len(p)))
    age = day_i - np.maximum(shops.open_day[orders.shop[io]], D0)
    d0 = np.where(age < 21, d0 * 0.72, d0)
    fee = np.where(deliv_o, rng.choice([199, 299, 399], size=len(orders), p=[0.3, 0.5, 0.2]), 0).astype(np.int64)
    orders.fee = fee

    comp_o = orders.completed
    usd_o = comp_o & ~orders.cook
    row_o = orders.row
    newest = usd_o & (orders.day > D1 - AOV_NEWEST_DAYS)
    jan = usd_o & (orders.create >= JAN_START) & (orders.create < FEB_START)
    mis_o = comp_o & orders.mislabel
    counted_o = comp_o & ~orders.mislabel
    popup_rows = np.flatnonzero(shops.kind[vol.shops] == "popup")
    top = np.flatnonzero(menu.top_orders > 0)
    t_prod = menu.top_revenue[top] * scale * 100
    t_shop0 = revenue * 100
    g = np.ones(n_tr)
    h = np.ones(len(menu))
    knot_a, knot_b = 1.0, 1.08
    markup = 1.12  # delivery platform price over the menu price
    pick_comp = comp_i & ~deliv_i
    deliv_usd = usd_o & deliv_o

    w_a = np.interp(day_i, [D0, TAU_KNOT, D1], [0.0, 1.0, 0.0])  # hat functions of the two time knots
    w_b = np.interp(day_i, [D0, TAU_KNOT, D1], [0.0, 0.0, 1.0])
    w_1 = 1.0 - w_a - w_b

    def paid(tau_a: float, tau_b: float) -> FloatArr:
        tau = w_1 + tau_a * w_a + tau_b * w_b
        d = np.clip(d0 * g[row_i] * h[p] * tau, 0.12, 1.0)
        return np.where(deliv_i, q * np.round(L * markup), q * L * d)

    for it in range(160):
        pay = paid(knot_a, knot_b)
        pt = pay * (1 + rate)
        orev = np.bincount(io, pt, minlength=len(orders)) + fee
        t_shop = t_shop0.copy()
        t_shop[popup_rows[-1]] -= float(orev[mis_o].sum())
        shop_rev = np.bincount(row_o[counted_o], orev[counted_o], minlength=n_tr)
        pick = np.bincount(row_i[pick_comp & ~orders.mislabel[io]], pt[pick_comp & ~orders.mislabel[io]],
                           minlength=n_tr)
        ratio_s = (t_shop - (shop_rev - pick)) / np.maximum(pick, 1e-9)
        g *= np.clip(ratio_s, 0.7, 1.4)
        pay = paid(knot_a, knot_b)
        prod_rev = np.bincount(p[comp_i], pay[comp_i], minlength=len(menu))
        prod_pick = np.bincount(p[pick_comp], pay[pick_comp], minlength=len(menu))
        ratio_p = (t_prod - (prod_rev[top] - prod_pick[top])) / np.maximum(prod_pick[top], 1e-9)
        h[top] *= np.clip(ratio_p, 0.7, 1.4)
        pt = paid(knot_a, knot_b) * (1 + rate)
        orev = np.bincount(io, pt, minlength=len(orders)) + fee
        aov = orev[newest].sum() / max(int(newest.sum()), 1)
        jan_rev = orev[jan].sum()
        knot_b *= (AOV_NEWEST / aov) ** 1.5
        if it < 40:  # delivery prices are whole cents: settle them first, then let the rest converge
            markup *= (DELIVERY_AOV / (orev[deliv_usd].sum() / max(int(deliv_usd.sum()), 1))) ** 1.2
        knot_a *= (JAN_REVENUE * scale * 100 / max(jan_rev, 1.0)) ** 1.5
        err = max(np.abs(ratio_s - 1).max(), np.abs(ratio_p - 1).max())
        if it > 20 and err < 2e-6 and abs(aov / AOV_NEWEST - 1) < 2e-4:  # the cent pass does the rest
            break
    cents = np.maximum(np.round(paid(knot_a, knot_b)).astype(np.int64), 1)
    origin = np.where(deliv_i, np.round(L * markup), L).astype(np.int64)
    d_eff = cents / np.maximum(items.qty * origin, 1)
    sale = np.round(origin * (1 - 0.3 * (1 - d_eff))).astype(np.int64)
    sale = np.maximum(np.minimum(sale, origin), -(-cents // items.qty))
    items.origin_unit = origin
    items.sale_unit = sale
    items.pay = cents
    items.tax_mode = np.where(cook_i, 2, np.where(menu.taxable[p], 1, 0)).astype(np.int64)
    items.tax_rate = np.where(cook_i, CK_RATE_E5, np.where(menu.taxable[p], US_RATE_E5, 0)).astype(np.int64)
    items.tax_null = np.zeros(len(p), dtype=bool)
    items.tax = _item_tax(items)


def _item_tax(items: ItemFrame) -> IntArr:
    return np.select([items.tax_mode == 1, items.tax_mode == 2], [us_tax(items.pay), ck_vat(items.pay)], 0)


def _order_money(orders: OrderFrame, items: ItemFrame) -> None:
    io = items.order
    n = len(orders)
    added_tax = np.where((items.tax_mode == 1) & ~items.tax_null, items.tax, 0)
    orders.total = np.bincount(io, items.qty * items.origin_unit, minlength=n).astype(np.int64)
    orders.promo = np.bincount(io, items.qty * (items.origin_unit - items.sale_unit), minlength=n).astype(np.int64)
    orders.coupon = np.bincount(io, items.qty * items.sale_unit - items.pay, minlength=n).astype(np.int64)
    orders.tax = np.bincount(io, added_tax, minlength=n).astype(np.int64)
    orders.vat = np.bincount(io, np.where(items.tax_mode == 2, items.tax, 0), minlength=n).astype(np.int64)
    orders.payable = orders.total - orders.promo - orders.coupon + orders.tax + orders.fee
    orders.pay = np.where(orders.paid, orders.payable, 0)


def _exact_totals(orders: OrderFrame, items: ItemFrame, shops: ShopFrame, vol: Volume, scale: float,
                  frozen: BoolArr, rng: np.random.Generator) -> None:
    """Move single cents on tax-neutral items so every shop's completed revenue is exact (best effort below
    scale 0.005, where a shop may have only a handful of orders)."""
    _, revenue = scaled_targets(shops, scale, vol.n_mislabel)
    target = np.round(revenue * 100).astype(np.int64)
    popup_rows = np.flatnonzero(shops.kind[vol.shops] == "popup")
    n_tr = len(vol.shops)
    comp = orders.completed
    group = np.where(comp & ~orders.mislabel, orders.row, -1)
    first = orders.item_start
    movable = comp & ~orders.mislabel & ~frozen & (orders.order_type == 1)
    for _ in range(40):
        _order_money(orders, items)
        t = target.copy()
        t[popup_rows[-1]] -= int(orders.pay[comp & orders.mislabel].sum())
        rev = np.bincount(group[group >= 0], orders.pay[group >= 0], minlength=n_tr)
        delta = t - rev
        if not delta.any():
            return
        sign = np.sign(delta).astype(np.int64)[np.maximum(group, 0)]
        it = first
        new_pay = items.pay[it] + sign
        old_tax = _item_tax(items)[it]
        neutral = np.where(items.tax_mode[it] == 1, us_tax(new_pay) == old_tax, True)
        room = np.where(sign > 0, new_pay <= items.qty[it] * items.sale_unit[it], new_pay >= 1)
        cand = np.flatnonzero(movable & (sign != 0) & neutral & room)
        key = rng.random(len(cand))
        srt = np.lexsort((key, group[cand]))
        cand = cand[srt]
        g = group[cand]
        starts = np.searchsorted(g, np.arange(n_tr))
        rank = np.arange(len(cand)) - starts[g]
        chosen = cand[rank < np.abs(delta)[g]]
        items.pay[first[chosen]] += sign[chosen]
    # only reached at tiny scales, where a shop has fewer movable orders than cents to move


# ----------------------------------------------------------------------------- planted tax faults

def _plant_tax(orders: OrderFrame, items: ItemFrame, shops: ShopFrame, menu: Menu, scale: float,
               manifest: dict[str, Any]) -> BoolArr:
    frozen = np.zeros(len(orders), dtype=bool)
    taxable_o = np.bincount(items.order, (items.tax_mode == 1).astype(np.int64), minlength=len(orders)) > 0
    base = orders.completed & ~orders.cook & taxable_o & (orders.order_type == 1)
    specs = [("missing_tax", "37th & Broadway", dt.datetime(2026, 1, 21, 15, 0), max(5, round(60 * scale)),
              "POS tax configuration outage: tax and tax_rate NULL on taxable items"),
             ("zero_tax", "33rd & 10th", dt.datetime(2025, 12, 18, 19, 0), max(5, round(35 * scale)),
              "tax computed as 0.00 with tax_rate 0.08875 on taxable items")]
    for kind, shop_name, when_utc, n, why in specs:
        k = shops.index(shop_name)
        cand = np.flatnonzero(base & (orders.shop == k) & ~frozen)
        t0 = int((when_utc - dt.datetime(1970, 1, 1)).total_seconds())
        chosen = nearest(cand, orders.create, t0, n)
        frozen[chosen] = True
        hit = np.isin(items.order, chosen) & (items.tax_mode == 1)
        expected = us_tax(items.pay[hit])
        if kind == "missing_tax":
            items.tax_null[hit] = True
        else:
            items.tax[hit] = 0
        manifest.setdefault("_tax", []).append(dict(kind=kind, shop=k, orders=chosen, items=np.flatnonzero(hit),
                                                    expected_tax_cents=int(expected.sum()), note=why))
    return frozen


# ----------------------------------------------------------------------------- entry point

def generate_orders(shops: ShopFrame, menu: Menu, scale: float, rng: np.random.Generator,
                    manifest: dict[str, Any]) -> tuple[OrderFrame, ItemFrame, Volume]:
    n_mislabel = max(1 if scale < 0.005 else 3, round(12 * scale))
    vol = plan_volume(shops, scale, rng, n_mislabel)
    orders = _skeleton(shops, vol, scale, rng, manifest)
    items = _items(orders, menu, scale, rng, manifest)
    _price(orders, items, shops, vol, menu, scale, rng)
    frozen = _plant_tax(orders, items, shops, menu, scale, manifest)
    _exact_totals(orders, items, shops, vol, scale, frozen, rng)
    _order_money(orders, items)
    orders.id = np.arange(1, len(orders) + 1, dtype=np.int64) + 10_000_000
    return orders, items, vol


