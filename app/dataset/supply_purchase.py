"""Procurement: suppliers, purchase orders and lines, shipments, settlements.

Each goods category has its suppliers; dairy, plant milk, bakery/food and ice deliver direct to
a store (``shop_id`` set), the rest to the distribution centre (``shop_id`` NULL). Shipments
arrive on or before ``expected_arrival_date`` for most suppliers; the planted late supplier
(Tri-State Plant Milk Distributors) is late on most shipments, and its late deliveries caused
the planted plant-milk stock-outs (the store receipt's ``ref_no`` is that ``ship_no``). A
shipment not yet arrived (``arrival_date`` NULL) past its expected date as of 2026-02-14 is
overdue. Brooklyn Bean Importers raised prices 12 % from 2025-11-01.

Codes: ``t_purchase_order.status`` 1 = draft, 2 = confirmed, 3 = partly received, 4 = received,
5 = cancelled; ``t_ship_order.status`` 2 = in transit, 3 = arrived; ``t_supplier_settlement.status``
1 = pending, 2 = paid, 3 = overdue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, codes, master_rows, take, target_rows
from app.dataset.context import TODAY, GenContext
from app.dataset.supply_goods import Goods
from app.dataset.supply_stock import Calendar, Plan, Stock

PU = "luckyus_scm_purchase"
LATE = 4  # supplier_id of the late supplier
PRICE_UP = (2, "2025-11-01", 0.12)  # supplier_id, from, increase
# id, name, categories, transit days, payment terms, direct to store
_SUPPLIERS: list[tuple[int, str, tuple[str, ...], int, int, bool]] = [
    (1, "Hudson Roasting Partners", ("Coffee Beans",), 3, 30, False),
    (2, "Brooklyn Bean Importers", ("Coffee Beans",), 4, 30, False),
    (3, "Empire Dairy Co-op", ("Dairy",), 1, 15, True),
    (4, "Tri-State Plant Milk Distributors", ("Plant Milk",), 2, 30, True),
    (5, "Coco Harvest Foods", ("Fruit & Juice",), 4, 45, False),
    (6, "Monin Americas", ("Syrups & Sauces",), 5, 45, False),
    (7, "Torani Foodservice", ("Syrups & Sauces",), 4, 45, False),
    (8, "Uji Matcha Trading", ("Tea & Matcha",), 6, 60, False),
    (9, "Garden State Fruit Co.", ("Fruit & Juice",), 2, 30, False),
    (10, "Pacific Puree Supply", ("Fruit & Juice",), 5, 45, False),
    (11, "Metro Bakery Wholesale", ("Food",), 1, 15, True),
    (12, "Liberty Frozen Foods", ("Food",), 2, 30, True),
    (13, "EcoCup Packaging", ("Cups & Lids",), 4, 60, False),
    (14, "Greenline Straws & Lids", ("Cups & Lids",), 5, 60, False),
    (15, "NY Paper Goods", ("Packaging",), 3, 45, False),
    (16, "CleanPro Janitorial", ("Cleaning & Safety",), 3, 30, False),
    (17, "Restaurant Depot Supply", ("Machine Care",), 2, 30, False),
    (18, "Arctic Ice NYC", ("Ice",), 1, 15, True),
    (19, "Sweet Topping Co.", ("Toppings",), 4, 45, False),
    (20, "La Marzocco Service USA", ("Equipment Parts",), 6, 60, False),
    (21, "Franke Coffee Systems", ("Equipment Parts",), 7, 60, False),
    (22, "UniformWorks", ("Uniforms",), 7, 30, False),
    (23, "LabelTech Printing", ("Labels & Paper",), 5, 45, False),
    (24, "Gotham Merch Co.", ("Merchandise",), 8, 60, False),
]
DAY0 = np.datetime64("2025-05-15")
LAST = np.datetime64(TODAY) - 1  # last business day


def suppliers_table(rng: np.random.Generator) -> pa.Table:
    n = master_rows(f"{PU}.t_supplier")
    rows = _SUPPLIERS[:n]
    first = ["Alex", "Maria", "Sam", "Priya", "Jordan", "Wei", "Chris", "Dana", "Luis", "Kim"]
    last = ["Chen", "Garcia", "Patel", "Smith", "Nguyen", "Rossi", "Cohen", "Brown", "Kim", "Lopez"]
    contact = [f"{first[i % 10]} {last[(i * 3) % 10]}" for i in range(n)]
    slug = [r[1].lower().replace(" ", "").replace("&", "").replace(".", "").replace("-", "")[:18] for r in rows]
    return build_table(f"{PU}.t_supplier", {
        "id": np.arange(1, n + 1), "supplier_id": [r[0] for r in rows], "supplier_name": [r[1] for r in rows],
        "category": [r[2][0] for r in rows], "contact_name": contact,
        "contact_phone": [f"+1-212-555-{1000 + int(x):04d}" for x in rng.integers(0, 8999, n)],
        "contact_email": [f"orders@{s}.com" for s in slug], "payment_terms_days": [r[4] for r in rows],
        "create_time": np.datetime64("2025-04-01T15:00:00"), "update_time": np.datetime64("2025-12-01T15:00:00")})


def purchasing(ctx: GenContext, cal: Calendar, goods: Goods, st: Stock, p: Plan
               ) -> tuple[dict[str, pa.Table], dict[tuple[int, int, int], str], dict[str, Any]]:
    rng = ctx.rng("supply.purchase")
    sup_t = suppliers_table(rng)
    sid = np.array([r[0] for r in _SUPPLIERS])
    names = np.array([r[1] for r in _SUPPLIERS])
    transit = np.array([r[3] for r in _SUPPLIERS])
    terms = np.array([r[4] for r in _SUPPLIERS])
    direct = np.array([r[5] for r in _SUPPLIERS])
    goods_of = [np.flatnonzero(np.isin(goods.category, r[2]) & (goods.status == 1)) for r in _SUPPLIERS]
    n_po = target_rows(ctx, f"{PU}.t_purchase_order", floor=60)
    n_item = max(target_rows(ctx, f"{PU}.t_purchase_order_item", floor=300), n_po)
    n_ship = target_rows(ctx, f"{PU}.t_ship_order", floor=140)
    # ---- planted POs: late deliveries behind the plant-milk stock-outs, and recent overdue ones
    planted: list[tuple[int, int, int, int]] = []  # store k, goods, arrival day index (-1 = overdue), start
    for k, g, d in p.stockouts:
        if goods.name[g] not in p.late_supplier_goods:
            continue
        gi = int(np.flatnonzero(st.tracked == g)[0])
        after = np.flatnonzero(st.late[k, :, gi])
        after = after[after > d - 10]
        if len(after):
            planted.append((k, g, int(after[0]), max(0, d - 9)))
    late_goods = goods_of[LATE - 1]
    for back in (12, 9, 6):
        k = int(rng.integers(0, len(cal.shop)))
        planted.append((k, int(rng.choice(late_goods)), -1, cal.n_hist - back))
    # ---- purchase orders: supplier by catalogue size, date weighted by open stores
    w_sup = np.array([max(len(x), 0) for x in goods_of], dtype=float) ** 0.5
    w_sup[LATE - 1] *= 2.5
    sup = rng.choice(len(_SUPPLIERS), n_po - len(planted), p=w_sup / w_sup.sum())
    span = np.arange(DAY0, LAST + 1)
    n_open = (cal.days[np.maximum(cal.open_day, 0)][None, :] <= span[:, None]).sum(axis=1) + 1
    odate = span[rng.choice(len(span), len(sup), p=n_open / n_open.sum())]
    shop_k = np.full(len(sup), -1)
    for i in np.flatnonzero(direct[sup]).tolist():
        day = int((odate[i] - cal.days[0]).astype(np.int64))
        opened = np.flatnonzero((cal.days[np.maximum(cal.open_day, 0)] <= odate[i] + 3) & (cal.close_day > day))
        shop_k[i] = int(rng.choice(opened)) if len(opened) else -1
    for k, _g, _day, start in planted:
        sup = np.append(sup, LATE - 1)
        odate = np.append(odate, cal.days[start] - 3)
        shop_k = np.append(shop_k, k)
    order = np.argsort(odate, kind="stable")
    sup, odate, shop_k = sup[order], odate[order], shop_k[order]
    planted_po = {int(np.flatnonzero(order == n_po - len(planted) + j)[0]): j for j in range(len(planted))}
    is_planted = np.zeros(n_po, dtype=bool)
    is_planted[list(planted_po)] = True
    po_no = codes("PO", np.arange(1, n_po + 1) + 250000, 8)
    # ---- lines
    pool_n = np.array([len(goods_of[x]) for x in sup])
    pool_n[list(planted_po)] = 1
    per_po = np.minimum(1 + rng.multinomial(n_item - n_po, np.ones(n_po) / n_po), pool_n)
    short = n_item - int(per_po.sum())  # lines a small catalogue could not take go to the others
    for i in np.argsort(-(pool_n - per_po), kind="stable").tolist():
        if short <= 0:
            break
        extra = min(short, int(pool_n[i] - per_po[i]))
        per_po[i] += extra
        short -= extra
    li_po, li_goods = [], []
    for i in range(n_po):
        pool = goods_of[sup[i]]
        if i in planted_po:
            li_po.append(i)
            li_goods.append(planted[planted_po[i]][1])
            continue
        kk = int(per_po[i])
        li_po += [i] * kk
        li_goods += rng.choice(pool, kk, replace=False).tolist()
    lp, lg = np.array(li_po), np.array(li_goods)
    unit = goods.unit[lg]
    qty = np.where(unit == "pcs", rng.integers(50, 5000, len(lg)), rng.integers(5, 200, len(lg)) * 1000.0)
    qty = np.where(goods.unit_cost[lg] > 5, rng.integers(1, 12, len(lg)), qty)
    drift = 1 + rng.normal(0, 0.02, len(lg))
    up = (sid[sup[lp]] == PRICE_UP[0]) & (odate[lp] >= np.datetime64(PRICE_UP[1]))
    price = np.round(goods.unit_cost[lg] * drift * np.where(up, 1 + PRICE_UP[2], 1.0), 4)
    amount = np.round(qty * price, 2)
    total = np.bincount(lp, weights=amount, minlength=n_po)
    # ---- status and shipments
    status = np.full(n_po, 2, dtype=np.int8)
    cancelled = (rng.random(n_po) < 0.02) & ~is_planted
    draft = (odate >= LAST - 1) & ~is_planted
    status[cancelled], status[draft] = 5, 1
    ships_ok = np.flatnonzero(~cancelled & ~draft & ~is_planted)
    per_ship = np.zeros(n_po, dtype=np.int64)
    per_ship[ships_ok] = 1 + rng.multinomial(max(0, n_ship - len(ships_ok) - len(planted)),
                                             np.ones(len(ships_ok)) / len(ships_ok))
    per_ship[is_planted] = 1
    sp = np.repeat(np.arange(n_po), per_ship)
    nth = np.arange(len(sp)) - np.repeat(np.cumsum(per_ship) - per_ship, per_ship)
    ship_date = odate[sp] + rng.integers(0, 3, len(sp)) + nth * rng.integers(2, 8, len(sp))
    expected = ship_date + transit[sup[sp]]
    late_sup = sid[sup[sp]] == LATE
    delay = np.where(rng.random(len(sp)) < 0.05, rng.integers(1, 4, len(sp)),
                     -(rng.random(len(sp)) < 0.25).astype(np.int64))
    own = np.flatnonzero(late_sup & ~is_planted[sp])  # the late supplier: exactly 72 % late, 2-9 days
    late_pick = rng.choice(own, int(np.ceil(0.72 * len(own))), replace=False)
    delay[own] = 0
    delay[late_pick] = rng.integers(2, 10, len(late_pick))
    arrival = expected + delay
    ship_no = codes("SH", np.arange(1, len(sp) + 1) + 610000, 8)
    late_refs: dict[tuple[int, int, int], str] = {}
    not_yet = arrival > LAST
    for i, j in planted_po.items():
        k, g, day, start = planted[j]
        row = int(np.flatnonzero(sp == i)[0])
        ship_date[row], expected[row] = cal.days[start] - 1, cal.days[start] + 1
        if day < 0:  # overdue: shipped, expected a few days ago, not arrived
            not_yet[row] = True
            continue
        arrival[row] = cal.days[day]
        gi = int(np.flatnonzero(st.tracked == g)[0])
        late_refs[(k, gi, day)] = ship_no[row].as_py()
    # one other supplier's recent shipment is overdue too
    recent = np.flatnonzero((expected < LAST) & (expected >= LAST - 12) & ~late_sup)
    not_yet[recent[-1:]] = True
    # shipments that would leave after today are not in the table yet: clamp to the last day
    ship_date = np.minimum(ship_date, LAST)
    expected = np.maximum(expected, ship_date + 1)
    s_status = np.where(not_yet, 2, 3).astype(np.int8)
    arrived_po = np.bincount(sp, weights=~not_yet, minlength=n_po)
    status[(per_ship > 0) & (arrived_po == per_ship)] = 4
    status[(per_ship > 0) & (arrived_po > 0) & (arrived_po < per_ship)] = 3
    carriers = np.array(["Own fleet", "UPS Freight", "FedEx Freight", "XPO Logistics", "Harbor Logistics 3PL"])
    po_shop = np.where(shop_k >= 0, cal.shop_id[np.maximum(shop_k, 0)], -1)
    ship_t = build_table(f"{PU}.t_ship_order", {
        "id": np.arange(1, len(sp) + 1), "ship_no": ship_no, "po_no": po_no.take(pa.array(sp)),
        "supplier_id": sid[sup[sp]], "shop_id": pa.array(po_shop[sp], mask=po_shop[sp] < 0),
        "ship_date": ship_date, "expected_arrival_date": expected,
        "arrival_date": np.where(not_yet, np.datetime64("NaT"), arrival), "status": s_status,
        "carrier": take(carriers, np.where(direct[sup[sp]], 0, rng.integers(1, 5, len(sp)))),
        "tracking_no": codes("1Z", rng.integers(10**9, 10**10, len(sp))),
        "create_time": _at(ship_date, 9), "update_time": _at(np.where(not_yet, ship_date, arrival), 16)})
    po_t = build_table(f"{PU}.t_purchase_order", {
        "id": np.arange(1, n_po + 1), "po_no": po_no, "supplier_id": sid[sup],
        "shop_id": pa.array(po_shop, mask=po_shop < 0), "order_date": odate,
        "expected_date": odate + transit[sup] + 2, "total_amount": total, "currency_code": "USD", "status": status,
        "create_time": _at(odate, 14), "update_time": _at(odate, 18)})
    item_t = build_table(f"{PU}.t_purchase_order_item", {
        "id": np.arange(1, len(lp) + 1), "po_no": po_no.take(pa.array(lp)), "goods_code": take(goods.code, lg),
        "goods_name": take(goods.name, lg), "quantity": qty, "unit_price": price, "amount": amount,
        "create_time": _at(odate[lp], 14), "update_time": _at(odate[lp], 14)})
    settle_t = _settlements(ctx, rng, sp, sup, sid, terms, total, per_ship, arrival, not_yet, po_no)
    # ---- facts recomputed from the rows
    arrived = ~not_yet
    is_late = arrival > expected
    on_time_other = float((~is_late[arrived & ~late_sup]).mean()) if (arrived & ~late_sup).any() else 1.0
    overdue = np.flatnonzero(not_yet & (expected < np.datetime64(TODAY)))
    late_fact = {"supplier_id": LATE, "supplier_name": str(names[LATE - 1]),
                 "arrived_shipments": int((arrived & late_sup).sum()),
                 "late_shipments": int((arrived & late_sup & is_late).sum()),
                 "late_rate": round(float(is_late[arrived & late_sup].mean()), 3),
                 "avg_delay_days_when_late": round(float((arrival - expected)[arrived & late_sup & is_late]
                                                         .astype(np.int64).mean()), 2),
                 "other_suppliers_on_time_rate": round(on_time_other, 3)}
    overdue_facts = [{"ship_no": ship_no[i].as_py(), "po_no": po_no[int(sp[i])].as_py(),
                      "supplier_id": int(sid[sup[sp[i]]]), "supplier_name": str(names[sup[sp[i]]]),
                      "expected_arrival_date": str(expected[i]),
                      "days_overdue": int((np.datetime64(TODAY) - expected[i]).astype(np.int64))}
                     for i in overdue.tolist()]
    facts = {
        "late_supplier": {"description": "The supplier that ships late: most arrived shipments (t_ship_order) have "
                                         "arrival_date > expected_arrival_date; the others are almost always on "
                                         "time.", "facts": [late_fact]},
        "overdue_delivery": {"description": "Shipments not arrived (arrival_date NULL, status 2) whose "
                                            "expected_arrival_date is before 2026-02-14.", "facts": overdue_facts},
        "supplier_price_increase": {"description": "A supplier's unit prices (t_purchase_order_item.unit_price) "
                                                   "rise from a date for all its goods.",
                                    "facts": [{"supplier_id": PRICE_UP[0],
                                               "supplier_name": str(names[PRICE_UP[0] - 1]),
                                               "from_date": PRICE_UP[1], "increase_pct": round(100 * PRICE_UP[2], 1)}]},
    }
    tables = {f"{PU}.t_supplier": sup_t, f"{PU}.t_purchase_order": po_t, f"{PU}.t_purchase_order_item": item_t,
              f"{PU}.t_ship_order": ship_t, f"{PU}.t_supplier_settlement": settle_t}
    return tables, late_refs, facts


def _at(days: Arr, hour: int) -> Arr:
    return np.asarray(days).astype("datetime64[s]") + np.timedelta64(hour + 5, "h")  # local hour, New York winter


def _settlements(ctx: GenContext, rng: np.random.Generator, sp: Arr, sup: Arr, sid: Arr, terms: Arr, total: Arr,
                 per_ship: Arr, arrival: Arr, not_yet: Arr, po_no: pa.Array) -> pa.Table:
    n = target_rows(ctx, f"{PU}.t_supplier_settlement", floor=120)
    cand = np.flatnonzero(~not_yet)
    pick = np.sort(rng.choice(cand, min(n, len(cand)), replace=False))
    po = sp[pick]
    amount = np.round(total[po] / np.maximum(per_ship[po], 1), 2)
    due = arrival[pick] + terms[sup[po]]
    paid = (due <= LAST) & (rng.random(len(pick)) < 0.93)
    settle = np.minimum(due + rng.integers(-5, 4, len(pick)), LAST)
    settle = np.maximum(settle, arrival[pick])
    status = np.where(paid, 2, np.where(due < np.datetime64(TODAY), 3, 1)).astype(np.int8)
    ids = np.arange(1, len(pick) + 1)
    return build_table(f"{PU}.t_supplier_settlement", {
        "id": ids, "settlement_no": codes("ST", ids + 90000, 8), "supplier_id": sid[sup[po]],
        "po_no": po_no.take(pa.array(po)), "amount": amount, "due_date": due,
        "settle_date": np.where(paid, settle, np.datetime64("NaT")), "status": status,
        "create_time": _at(arrival[pick], 17), "update_time": _at(np.where(paid, settle, arrival[pick]), 17)})
