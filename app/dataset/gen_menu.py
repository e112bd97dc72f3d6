"""The menu (t_commodity_base_info, 141 rows) and the payment channel master (t_pay_channel).

Sellable products are the 84 items of ``reference.MENU`` (status 4). As in the real catalog,
some SPUs also have an older offline row with the same ``spu_code`` (status 5), and retired
seasonal items exist only as offline rows; neither is ever sold in the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset import reference as ref
from app.dataset.arrowutil import make_table
from app.dataset.timeutil import DAY, day_number


@dataclass
class Menu:
    """One entry per sellable SPU (index j)."""

    spu_code: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    category: npt.NDArray[np.str_]
    sub: npt.NDArray[np.str_]
    list_cents: npt.NDArray[np.int64]
    top_orders: npt.NDArray[np.int64]
    top_revenue: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    mode: npt.NDArray[np.int64]
    taxable: npt.NDArray[np.bool_]
    is_food: npt.NDArray[np.bool_]
    is_iced: npt.NDArray[np.bool_]
    temperature: npt.NDArray[np.str_]  # three_category_name

    def __len__(self) -> int:
        return len(self.spu_code)

    def index(self, name: str) -> int:
        return int(np.flatnonzero(self.name == name)[0])


def _temperature(p: ref.ProductRef) -> str:
    if p.category == ref.FOOD:
        return "Packaged" if p.mode == 1 else "Fresh Food"
    if p.category == ref.EXF:
        return "Blended"
    if p.name.startswith("Iced ") or p.category in (ref.CB, ref.REF):
        return "Iced"
    return "Hot"


def build_menu() -> Menu:
    items = list(ref.MENU)
    n = len(items)
    return Menu(
        spu_code=np.array([f"SP{1001 + j}" for j in range(n)]),
        name=np.array([p.name for p in items]),
        category=np.array([p.category for p in items]),
        sub=np.array([p.sub for p in items]),
        list_cents=np.array([round(p.list_price * 100) for p in items], dtype=np.int64),
        top_orders=np.array([p.top_orders for p in items], dtype=np.int64),
        top_revenue=np.array([p.top_revenue for p in items], dtype=np.float64),
        weight=np.array([p.weight for p in items], dtype=np.float64),
        mode=np.array([p.mode for p in items], dtype=np.int64),
        taxable=np.array([p.taxable for p in items]),
        is_food=np.array([p.category == ref.FOOD for p in items]),
        is_iced=np.array([_temperature(p) in ("Iced", "Blended") for p in items]),
        temperature=np.array([_temperature(p) for p in items]),
    )


def commodity_table(rng: np.random.Generator) -> pa.Table:
    """141 rows: 84 online SPUs, offline duplicates of 30 of them, 27 retired seasonal SPUs."""
    menu = list(ref.MENU)
    n_dup = ref.N_COMMODITY_ROWS - len(menu) - len(ref.DISCONTINUED)
    dup_idx = sorted(rng.choice(len(menu), size=n_dup, replace=False).tolist())
    launch0 = day_number(dt.date(2025, 6, 30))
    rows: list[dict[str, object]] = []
    for j, p in enumerate(menu):
        rows.append(dict(spu=f"SP{1001 + j}", name=p.name, cat=p.category, sub=p.sub, status=4, mode=p.mode,
                         level=p.level, sugar=p.sugar, grade=p.grade, cal=p.calories, allergens=p.allergens,
                         price=p.list_price, iced=int(_temperature(p) in ("Iced", "Blended")),
                         launch=launch0 - int(rng.integers(0, 60)), created=launch0 - 75))
    for j in dup_idx:  # an older, superseded version of the same SPU (status 5)
        p = menu[j]
        rows.append(dict(spu=f"SP{1001 + j}", name=p.name, cat=p.category, sub=p.sub, status=5, mode=p.mode,
                         level=p.level, sugar=p.sugar, grade=p.grade, cal=p.calories, allergens=p.allergens,
                         price=round(p.list_price - 0.20, 2), iced=int(_temperature(p) in ("Iced", "Blended")),
                         launch=launch0 - 120, created=launch0 - 140))
    for k, (name, cat, sub, price) in enumerate(ref.DISCONTINUED):
        rows.append(dict(spu=f"SP{1201 + k}", name=name, cat=cat, sub=sub, status=5,
                         mode=1 if sub.startswith("Packaged") else 0, level=3, sugar=2, grade="C", cal=250,
                         allergens="milk", price=price, iced=int(name.startswith("Iced")),
                         launch=launch0 - 200 + 5 * k, created=launch0 - 210 + 5 * k))
    n = len(rows)
    created = np.array([r["created"] for r in rows], dtype=np.int64) * DAY + 15 * 3600
    upd = created + rng.integers(1, 200, size=n) * DAY
    cols = dict(
        id=np.arange(1, n + 1, dtype=np.int64), spu_code=np.array([r["spu"] for r in rows]),
        name=np.array([r["name"] for r in rows]), one_category_name=np.array([r["cat"] for r in rows]),
        two_category_name=np.array([r["sub"] for r in rows]),
        status=np.array([r["status"] for r in rows], dtype=np.int64),
        mode=np.array([r["mode"] for r in rows], dtype=np.int64),
        commodity_level=np.array([r["level"] for r in rows], dtype=np.int64),
        sugar_level=np.array([r["sugar"] for r in rows], dtype=np.int64),
        nutrition_grade_code=np.array([r["grade"] for r in rows]),
        calories=np.array([r["cal"] for r in rows], dtype=np.int64),
        allergens=np.array([r["allergens"] for r in rows], dtype=object),
        origin_price=np.array([round(float(r["price"]) * 100) for r in rows], dtype=np.int64),  # type: ignore[arg-type]
        is_iced=np.array([r["iced"] for r in rows], dtype=np.int64),
        launch_date=np.array([r["launch"] for r in rows], dtype=np.int64),
        create_time=created, update_time=np.minimum(upd, day_number(dt.date(2026, 2, 13)) * DAY),
    )
    return make_table("luckyus_scm_commodity.t_commodity_base_info", cols)


def pay_channel_table() -> pa.Table:
    ch = ref.PAY_CHANNELS
    created = day_number(dt.date(2025, 5, 20)) * DAY + 14 * 3600
    cols = dict(
        channel_id=np.array([c.channel_id for c in ch], dtype=np.int64),
        channel_name=np.array([c.name for c in ch]), pay_method=np.array([c.method for c in ch]),
        provider=np.array([c.provider for c in ch]),
        fee_rate_bps=np.array([c.fee_bps for c in ch], dtype=np.int64),
        fee_fixed_cents=np.array([c.fee_fixed_cents for c in ch], dtype=np.int64),
        create_time=np.full(len(ch), created, dtype=np.int64), update_time=np.full(len(ch), created, dtype=np.int64),
    )
    return make_table("luckyus_sales_payment.t_pay_channel", cols)
