"""A synthetic GenContext shaped like the core generator's, for testing growth/supply alone.

Shops, menu, users and orders follow the seed's shape (10 open NYC shops with their opening
dates, 180 Varick never opened, Cook Islands NZD test shops, weekday/weekend and hourly
patterns, users registered over the window ordering at their home shop) at any scale, so the
growth and supply generators can be developed and timed without the core generator.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from app.dataset.context import END_LOCAL, START_LOCAL, GenContext, Items, Orders, Products, Shops, Users

NYC = [("8th & Broadway", "2025-06-30", 137.6), ("28th & 6th", "2025-06-30", 92.2),
       ("54th & 8th", "2025-08-24", 56.3), ("102 Fulton", "2025-08-28", 61.6),
       ("100 Maiden Ln", "2025-09-09", 35.4), ("37th & Broadway", "2025-11-20", 26.8),
       ("33rd & 10th", "2025-12-01", 16.1), ("15th & 3rd", "2025-12-14", 10.1),
       ("221 Grand", "2025-12-15", 23.8), ("21st & 3rd", "2026-02-06", 1.9)]
MENU = [("Iced Coconut Latte", "Fresh Ground Coffee", 3.22, 70), ("Iced Kyoto Matcha Latte", "Matcha", 3.38, 37),
        ("Drip Coffee", "Classic Drinks", 2.46, 34), ("Latte", "Classic Drinks", 3.24, 31),
        ("Iced Latte", "Classic Drinks", 3.40, 28), ("Iced Velvet Latte", "Fresh Ground Coffee", 3.48, 26),
        ("Sausage Egg & Cheese Croissant", "Food", 3.84, 25), ("Cold Brew", "Cold Brew", 3.06, 22),
        ("Coconut Latte", "Fresh Ground Coffee", 3.26, 19), ("Iced Kyoto Matcha Coconut Latte",
                                                              "Fresh Ground Coffee", 3.46, 18),
        ("Kyoto Matcha Latte", "Matcha", 3.30, 15), ("Iced Caramel Popcorn Latte", "Fresh Ground Coffee", 3.61, 14),
        ("Iced Americano", "Classic Drinks", 3.35, 13), ("Cappuccino", "Classic Drinks", 3.30, 11),
        ("Americano", "Classic Drinks", 2.80, 11)]
EXTRA_CATS = ["Fresh Ground Coffee", "Classic Drinks", "Matcha", "Cold Brew", "Refreshers", "Exfreezo",
              "Super Drink", "Food"]


def _utc_offset_hours(tz: str, days: np.ndarray) -> np.ndarray:
    zone = ZoneInfo(tz)
    out = np.empty(len(days), dtype=np.int64)
    for i, d in enumerate(days.astype("datetime64[D]").astype(object)):
        off = dt.datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset()
        out[i] = int(off.total_seconds() // 3600) if off is not None else 0
    return out


def make_context(scale: float = 0.05, seed: int = 7, bulk_scale: float = 0.1, variants: bool = True) -> GenContext:
    """A context like the core's; ``variants`` adds ``items.variant`` (index of S-R, S-L, S-N, L-R, L-L, L-N)."""
    rng = np.random.default_rng([seed, 99])
    # ---- shops: 10 open NYC, 180 Varick, 2 Cook Islands test shops, 2 US test shops, closed others
    n_shops = 517
    names = [n for n, _, _ in NYC] + ["180 Varick", "Rarotonga Test 1", "Rarotonga Test 2", "QA Test Shop A",
                                      "QA Test Shop B"]
    names += [f"Legacy Shop {i}" for i in range(n_shops - len(names))]
    open_date = np.full(n_shops, np.datetime64("NaT"), dtype="datetime64[D]")
    open_date[:10] = np.array([d for _, d, _ in NYC], dtype="datetime64[D]")
    open_date[11:15] = np.datetime64("2025-06-15")
    test_flag = np.zeros(n_shops, dtype=np.int8)
    test_flag[11:15] = 1
    tz = np.array(["America/New_York"] * n_shops, dtype=object)
    tz[11:13] = "Pacific/Rarotonga"
    currency = np.array(["USD"] * n_shops, dtype=object)
    currency[11:13] = "NZD"
    nyc = np.zeros(n_shops, dtype=bool)
    nyc[:11] = True
    shops = Shops(id=np.arange(1001, 1001 + n_shops, dtype=np.int64),
                  shop_no=np.array([f"US{i:05d}" for i in range(n_shops)]), name=np.array(names),
                  time_zone=tz.astype(str), currency=currency.astype(str), open_date=open_date,
                  test_flag=test_flag, is_nyc_store=nyc)
    # ---- products
    p_names = [m[0] for m in MENU]
    p_cat = [m[1] for m in MENU]
    p_price = [m[2] for m in MENU]
    p_w = [float(m[3]) for m in MENU]
    for i in range(70):
        cat = EXTRA_CATS[i % len(EXTRA_CATS)]
        p_names.append(("Iced " if i % 3 == 0 and cat != "Food" else "") + f"{cat} Special {i}")
        p_cat.append(cat)
        p_price.append(round(2.5 + (i % 9) * 0.3, 2))
        p_w.append(8.0 / (1 + i / 6))
    products = Products(spu_code=np.array([f"SP{i:04d}" for i in range(len(p_names))]), name=np.array(p_names),
                        category=np.array(p_cat), price=np.array(p_price),
                        is_food=np.array([c == "Food" for c in p_cat]),
                        is_iced=np.array([n.startswith("Iced") or c in ("Cold Brew", "Refreshers")
                                          for n, c in zip(p_names, p_cat, strict=True)]))
    # ---- users, registering over the window (growing)
    n_u = round(275_000 * scale)
    t0 = np.datetime64("2025-06-01T00:00:00")
    span = int((np.datetime64("2026-02-14T00:00:00") - t0).astype(np.int64))
    reg = t0 + (span * np.sqrt(rng.random(n_u))).astype("timedelta64[s]")
    reg = np.sort(reg)
    users = Users(user_no=np.array([f"U{100000000 + i}" for i in range(n_u)]), register_time=reg,
                  register_channel=rng.choice(np.array([2, 1, 3, 8], dtype=np.int8), n_u,
                                              p=[0.79, 0.14, 0.05, 0.02]))
    # ---- orders: day volume by shop share and weekday; hours peaked in the morning
    n_o = round(516_000 * scale)
    days = np.arange(np.datetime64(START_LOCAL), np.datetime64(END_LOCAL) + 1)
    shop_w = np.zeros((n_shops, len(days)))
    for s in range(10):
        open_mask = days >= open_date[s]
        age = (days - open_date[s]).astype(np.int64)
        shop_w[s, open_mask] = NYC[s][2] / max(1, open_mask.sum()) * (0.6 + 0.4 * np.minimum(1, age[open_mask] / 60))
    shop_w[11:13, :] = 21_245 / 516_000 * 1000 / len(days) / 2
    shop_w[13:15, :] = 8 / len(days)
    weekday = ((days.astype(np.int64) + 3) % 7)  # 0 = Monday
    shop_w *= np.where(weekday >= 5, 0.45, 1.0)[None, :]
    flat = shop_w.ravel() / shop_w.sum()
    cell = rng.choice(len(flat), n_o, p=flat)
    o_shop = (cell // len(days)).astype(np.int64)
    o_day = days[cell % len(days)]
    hour_p = np.array([0, 0, 0, 0, 0, 0, 1, 6, 12, 12, 9, 7, 8, 7, 5, 4, 4, 3, 2, 1, 1, 0, 0, 0], float)
    hour = rng.choice(24, n_o, p=hour_p / hour_p.sum())
    local = o_day.astype("datetime64[s]") + (hour * 3600 + rng.integers(0, 3600, n_o)).astype("timedelta64[s]")
    off_ny = _utc_offset_hours("America/New_York", days)
    off_rar = _utc_offset_hours("Pacific/Rarotonga", days)
    di = (o_day - days[0]).astype(np.int64)
    off = np.where((o_shop == 11) | (o_shop == 12), off_rar[di], off_ny[di])
    create = local - (off * 3600).astype("timedelta64[s]")
    order_sort = np.argsort(create, kind="stable")
    create, o_shop, o_day = create[order_sort], o_shop[order_sort], o_day[order_sort]
    # user: weighted pick among users registered before the order, favouring heavy users
    prop = rng.lognormal(0, 1.2, n_u)
    cum = np.cumsum(prop)
    k = np.searchsorted(reg, create, side="right")
    k = np.maximum(k, 1)
    o_user = np.searchsorted(cum, rng.random(n_o) * cum[k - 1], side="right")
    o_user = np.minimum(o_user, k - 1).astype(np.int64)
    status = np.where(rng.random(n_o) < 0.93, 90, 0).astype(np.int16)
    channel = rng.choice(np.array([2, 1, 3, 8, 9, 10], dtype=np.int16), n_o, p=[0.79, 0.14, 0.05, 0.01, 0.005, 0.005])
    order_type = np.where(channel == 3, 2, 1).astype(np.int16)
    orders = Orders(id=np.arange(1, n_o + 1, dtype=np.int64) + 700_000_000, user=o_user, shop=o_shop,
                    create_time=create, local_date=o_day, status=status, channel=channel,
                    order_type=order_type, pay_money=np.zeros(n_o),
                    currency=shops.currency[o_shop])
    # ---- items: 1.17 per order
    extra = rng.random(n_o) < 0.17
    it_order = np.sort(np.concatenate([np.arange(n_o), np.flatnonzero(extra)]))
    pw = np.array(p_w) / np.sum(p_w)
    it_prod = rng.choice(len(p_names), len(it_order), p=pw).astype(np.int64)
    qty = np.where(rng.random(len(it_order)) < 0.95, 1, 2).astype(np.int64)
    pay = np.round(products.price[it_prod] * qty * rng.uniform(0.85, 1.1, len(it_order)), 2)
    items = Items(order=it_order.astype(np.int64), product=it_prod, quantity=qty, pay_money=pay)
    if variants:
        var = rng.choice(6, len(it_order), p=[0.12, 0.10, 0.05, 0.38, 0.25, 0.10])
        items.variant = np.where(products.is_food[it_prod], 0, var)
    orders.pay_money = np.round(np.bincount(it_order, weights=pay, minlength=n_o)
                                + np.where(order_type == 2, 12.0, 0.0), 2)
    return GenContext(seed=seed, scale=scale, bulk_scale=bulk_scale, shops=shops, products=products,
                      users=users, orders=orders, items=items)
