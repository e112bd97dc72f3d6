"""IoT platform (luckyus_iot_platform): 216 machines, their formulas, cups made, and device events.

The fleet is laid out per shop (14 machine types). Online status is what the platform reports
now: 57 % of devices are offline (the never-opened 180 Varick, closed pop-ups and test shops,
and appliances whose IoT module was never activated); blenders are the worst (18 of 22). Each
drink item is made on a machine of the right type that is in service at that time; a cup row
exists only while that machine reports to the platform. Planted: machines that went offline
(an error then an offline event, no cups after), and one machine whose throughput falls.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset import reference as ref
from app.dataset.arrowutil import make_table, take
from app.dataset.gen_menu import Menu
from app.dataset.gen_orders import ItemFrame, OrderFrame
from app.dataset.gen_production import ProdFrame
from app.dataset.gen_shops import D0, D1, ZONES, ShopFrame
from app.dataset.timeutil import DAY, day_number, local_to_utc

IntArr = npt.NDArray[np.int64]
TYPES = list(ref.MACHINE_TYPES)
PREFIX = {"Schaerer": "SCH", "Vitamix": "VTX", "Hoshizaki": "HSZ", "Follett": "FOL", "Bunn": "BUN", "Fetco": "FET",
          "Merrychef": "MER", "True": "TRU", "Turbo Air": "TRB", "Everpure": "EVP", "Lintec": "LIN"}
NOW = day_number(dt.date(2026, 2, 14)) * DAY + 5 * 3600  # snapshot: early 14 Feb 2026 (UTC)
NEVER = np.iinfo(np.int64).max // 4
CUPS = 587_000
EVENTS = 20_000
V2_FROM = day_number(dt.date(2025, 10, 1)) * DAY
FIRMWARE_DAY = dt.date(2025, 12, 9)

_STORE = {"Espresso Machine": 3, "Espresso Machine (Compact)": 1, "Blender": 1, "Ice Maker": 1, "Ice Dispenser": 1,
          "Cold Brew System": 1, "Drip Brewer": 1, "Milk Cooler": 2, "Oven": 1, "Refrigerator": 2, "Freezer": 1,
          "Water Filtration": 1, "Tea Brewer": 1, "Sealing Machine": 1}
_BIG = {"8th & Broadway", "28th & 6th"}  # one more espresso machine and blender each
_LAYOUT: dict[str, dict[str, int]] = {
    "180 Varick": {"Espresso Machine": 3, "Espresso Machine (Compact)": 1, "Blender": 2, "Ice Maker": 1,
                   "Cold Brew System": 1, "Drip Brewer": 1, "Milk Cooler": 1, "Oven": 1, "Refrigerator": 1},
    "Avarua Test Store": {"Espresso Machine": 2, "Blender": 2, "Ice Maker": 1},
    "Muri Beach Test Kiosk": {"Espresso Machine (Compact)": 1, "Blender": 1, "Ice Maker": 1},
    "Arorangi Test Lab": {"Espresso Machine": 1, "Blender": 1, "Oven": 1},
    "QA Test Lab - Long Island City": {"Espresso Machine": 1, "Blender": 1, "Espresso Machine (Compact)": 1},
}
CUP_TYPES = {"Espresso Machine", "Espresso Machine (Compact)", "Blender", "Cold Brew System", "Drip Brewer",
             "Tea Brewer"}
# planted: (shop, machine type, ordinal, offline at UTC)
OFFLINE_PLANTS = [("102 Fulton", "Espresso Machine", 2, dt.datetime(2026, 2, 11, 14, 32)),
                  ("221 Grand", "Espresso Machine", 1, dt.datetime(2026, 2, 7, 20, 5)),
                  ("37th & Broadway", "Drip Brewer", 1, dt.datetime(2026, 1, 29, 12, 47))]
DEGRADED = ("28th & 6th", "Espresso Machine", 3, dt.date(2026, 1, 20), 0.35)
ERROR_CODES = ["E-101 water pressure low", "E-217 grinder motor overload", "E-305 milk system clog",
               "E-412 boiler temperature", "E-520 network timeout", "E-633 drip tray full"]


def _utc(ts: dt.datetime) -> int:
    return int((ts - dt.datetime(1970, 1, 1)).total_seconds())


@dataclass
class Fleet:
    shop: IntArr
    type: IntArr  # index into TYPES
    ordinal: IntArr
    status: IntArr
    online: IntArr
    install: IntArr
    service_end: IntArr  # machine makes drinks until then
    report_start: IntArr  # platform receives its data in [report_start, report_end]
    report_end: IntArr
    last_online: IntArr  # -1 = never
    device_no: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.shop)


def build_fleet(shops: ShopFrame, rng: np.random.Generator, manifest: dict[str, Any]) -> Fleet:
    rows: list[tuple[int, int, int]] = []
    for k in range(len(shops)):
        name = str(shops.name[k])
        if shops.kind[k] == "nyc" and shops.open_day[k] >= 0:
            layout = dict(_STORE)
            if name in _BIG:
                layout["Espresso Machine"] += 1
                layout["Blender"] += 1
        elif shops.kind[k] == "popup":
            layout = {"Espresso Machine (Compact)": 1, "Blender": 1}
        else:
            layout = _LAYOUT.get(name, {})
        for t, cnt in layout.items():
            for j in range(cnt):
                rows.append((k, TYPES.index(t), j + 1))
    arr = np.array(rows, dtype=np.int64)
    shop, typ, ordinal = arr[:, 0], arr[:, 1], arr[:, 2]
    n = len(shop)
    assert n == ref.N_DEVICES, n
    kind = shops.kind[shop]
    open_day = np.where(shops.open_day[shop] >= 0, shops.open_day[shop], day_number(dt.date(2026, 1, 20)) + 5)
    install = (open_day - 5) * DAY + 15 * 3600 + rng.integers(0, 3 * 3600, size=n)
    install[kind == "qa"] = day_number(dt.date(2025, 5, 5)) * DAY + 16 * 3600
    close = np.where(shops.close_day[shop] >= 0, (shops.close_day[shop] + 1) * DAY + 6 * 3600, NEVER)
    type_name = np.array(TYPES)[typ]
    core = np.isin(type_name, list(CUP_TYPES - {"Blender"}))
    blender = type_name == "Blender"
    online = np.ones(n, dtype=np.int64)
    status = np.ones(n, dtype=np.int64)
    last_online = np.full(n, NOW - 60, dtype=np.int64) - rng.integers(0, 900, size=n)
    report_start = install + 3600
    report_end = np.full(n, NEVER, dtype=np.int64)
    service_end = close.copy()

    varick = shops.name[shop] == "180 Varick"
    status[varick] = 2
    online[varick] = 0
    last_online[varick] = -1
    report_end[varick] = -1
    closed = (kind == "popup") | (kind == "cook")
    status[kind == "popup"] = 3
    online[closed] = 0
    last_online[closed] = close[closed] - rng.integers(3600, 8 * 3600, size=int(closed.sum()))
    report_end[closed] = last_online[closed]
    qa = kind == "qa"
    online[qa & (type_name != "Espresso Machine")] = 0
    last_online[qa & (type_name != "Espresso Machine")] = day_number(dt.date(2025, 9, 30)) * DAY
    report_end[qa & (online == 0)] = last_online[qa & (online == 0)]

    nyc = (kind == "nyc") & ~varick
    plants: list[dict[str, Any]] = []
    planted = np.zeros(n, dtype=bool)
    for shop_name, t, ordn, when in OFFLINE_PLANTS:
        i = int(np.flatnonzero((shops.name[shop] == shop_name) & (type_name == t) & (ordinal == ordn))[0])
        ts = _utc(when)
        online[i] = 0
        last_online[i] = ts
        report_end[i] = ts
        service_end[i] = ts
        planted[i] = True
        plants.append(dict(device=i, offline_at=ts))
    # NYC blenders: 4 of 12 still report; 8 dropped off the platform but keep blending
    nyc_bl = np.flatnonzero(nyc & blender)
    drop_bl = rng.choice(nyc_bl, size=len(nyc_bl) - 4, replace=False)
    online[drop_bl] = 0
    last_online[drop_bl] = rng.integers(day_number(dt.date(2025, 8, 15)), D1 - 20, size=len(drop_bl)) * DAY \
        + rng.integers(0, DAY, size=len(drop_bl))
    last_online[drop_bl] = np.maximum(last_online[drop_bl], install[drop_bl] + 3 * DAY)
    report_end[drop_bl] = last_online[drop_bl]
    # appliances without an activated IoT module: offline, never reported, until the 57 % target is met
    target_off = round(0.57 * n)
    appliances = np.flatnonzero(nyc & ~core & ~blender)
    need = target_off - int((online == 0).sum())
    dark = rng.choice(appliances, size=need, replace=False)
    online[dark] = 0
    never = dark[: len(dark) * 2 // 3]
    last_online[never] = -1
    report_end[never] = -1
    rest = dark[len(dark) * 2 // 3:]
    last_online[rest] = np.maximum(rng.integers(D0 + 10, D1 - 5, size=len(rest)) * DAY, install[rest] + DAY)
    report_end[rest] = last_online[rest]
    brand = np.array([ref.MACHINE_TYPES[t][0] for t in TYPES])[typ]
    dev_no = np.char.add(np.array([PREFIX[b] for b in brand]), (240_000 + np.arange(n) * 7 + 11).astype(str))
    dev_name = np.char.add(np.char.add(np.char.add(shops.name[shop].astype(str), " "), type_name.astype(str)),
                           np.char.add(" #", ordinal.astype(str)))
    manifest["_offline_plants"] = plants
    return Fleet(shop=shop, type=typ, ordinal=ordinal, status=status, online=online, install=install,
                 service_end=service_end, report_start=report_start, report_end=report_end,
                 last_online=last_online, device_no=dev_no, name=dev_name)


def _machine_type_for(menu: Menu) -> IntArr:
    out = np.full(len(menu), -1, dtype=np.int64)
    for j in range(len(menu)):
        if menu.is_food[j]:
            continue
        t = "Drip Brewer" if menu.sub[j] == "Brewed Coffee" else ref.CATEGORY_MACHINE[str(menu.category[j])]
        out[j] = TYPES.index(t)
    return out


def _group_of(typ: IntArr) -> IntArr:
    """Espresso and compact espresso machines are interchangeable."""
    compact = TYPES.index("Espresso Machine (Compact)")
    return np.where(typ == compact, TYPES.index("Espresso Machine"), typ)


def choose_devices(fleet: Fleet, shops: ShopFrame, menu: Menu, shop_idx: IntArr, product: IntArr, when: IntArr,
                   rng: np.random.Generator, manifest: dict[str, Any]) -> IntArr:
    """The machine that made each drink (-1 for food, or where the shop has no such machine in service)."""
    need = _machine_type_for(menu)[product]
    grp = np.where(need >= 0, _group_of(np.maximum(need, 0)), -1)
    dev_grp = _group_of(fleet.type)
    out = np.full(len(product), -1, dtype=np.int64)
    d_shop, d_type, d_ord, d_when, factor = DEGRADED
    deg = int(np.flatnonzero((shops.name[fleet.shop] == d_shop) & (np.array(TYPES)[fleet.type] == d_type)
                             & (fleet.ordinal == d_ord))[0])
    deg_from = day_number(d_when) * DAY
    espresso = TYPES.index("Espresso Machine")
    for k in np.unique(shop_idx):
        in_shop = np.flatnonzero(fleet.shop == k)
        for g in np.unique(grp[(shop_idx == k) & (grp >= 0)]):
            rows = np.flatnonzero((shop_idx == k) & (grp == g))
            devs = in_shop[dev_grp[in_shop] == g]
            if len(devs) == 0:
                devs = in_shop[dev_grp[in_shop] == espresso]
            if len(devs) == 0:
                continue
            t = when[rows][:, None]
            ok = (t >= fleet.install[devs][None, :]) & (t < fleet.service_end[devs][None, :])
            w = ok * np.where(devs == deg, np.where(t >= deg_from, factor, 1.0), 1.0)
            w = w * np.where(np.array(TYPES)[fleet.type[devs]] == "Espresso Machine (Compact)", 0.6, 1.0)[None, :]
            cum = np.cumsum(w, 1)
            tot = cum[:, -1]
            u = rng.random(len(rows)) * tot
            pick = (u[:, None] >= cum).sum(1)
            out[rows] = np.where(tot > 0, devs[np.minimum(pick, len(devs) - 1)], -1)
    manifest["_degraded"] = dict(device=deg, since=deg_from, factor=factor)
    return out


# ----------------------------------------------------------------------------- formulas

@dataclass
class Formulas:
    code: npt.NDArray[np.str_]
    spu: IntArr
    type: IntArr
    version: IntArr


def build_formulas(menu: Menu) -> Formulas:
    need = _machine_type_for(menu)
    cands: list[tuple[int, int]] = []
    compact = TYPES.index("Espresso Machine (Compact)")
    for j in range(len(menu)):
        if need[j] < 0:
            continue
        cands.append((j, int(need[j])))
        if need[j] == TYPES.index("Espresso Machine"):
            cands.append((j, compact))
    rows = [(j, t, 1) for j, t in cands]
    rows += [(j, t, 2) for j, t in cands][: ref.N_FORMULAS - len(rows)]
    arr = np.array(rows, dtype=np.int64)
    codes = [f"F{menu.spu_code[j]}-{t:02d}-V{v}" for j, t, v in rows]
    return Formulas(code=np.array(codes), spu=arr[:, 0], type=arr[:, 1], version=arr[:, 2])


def formula_table(fm: Formulas, menu: Menu, rng: np.random.Generator) -> pa.Table:
    n = len(fm.code)
    steps = rng.integers(3, 10, size=n)
    params = [json.dumps({"shots": int(rng.integers(1, 3)), "grind": int(rng.integers(10, 18)),
                          "water_ml": int(rng.integers(30, 260)), "milk_ml": int(rng.integers(0, 220)),
                          "temp_c": int(rng.integers(4, 93))}, sort_keys=True) for _ in range(n)]
    created = np.where(fm.version == 1, (D0 - 40) * DAY, V2_FROM - 5 * DAY) + rng.integers(0, DAY, size=n)
    names = [f"{menu.name[j]} - {TYPES[t]} v{v}" for j, t, v in zip(fm.spu, fm.type, fm.version, strict=True)]
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64), formula_code=fm.code, formula_name=np.array(names),
        spu_code=menu.spu_code[fm.spu], machine_type=take(TYPES, fm.type), version=fm.version, step_count=steps,
        params=np.array(params), create_time=created, update_time=created + rng.integers(0, 30 * DAY, size=n))
    return make_table("luckyus_iot_platform.t_coffee_formula", cols)


def formula_for(fm: Formulas, menu: Menu, product: IntArr, typ: IntArr, when: IntArr) -> IntArr:
    """Index of the formula in use (v2 from October 2025 where it exists); -1 if none."""
    lut = np.full((len(menu), len(TYPES), 3), -1, dtype=np.int64)
    lut[fm.spu, fm.type, fm.version] = np.arange(len(fm.code))
    v1 = lut[product, typ, 1]
    v2 = lut[product, typ, 2]
    return np.where((when >= V2_FROM) & (v2 >= 0), v2, v1)


# ----------------------------------------------------------------------------- cups and events

def cup_table(fleet: Fleet, fm: Formulas, shops: ShopFrame, menu: Menu, pr: ProdFrame, p_rows: IntArr,
              i_rows: IntArr, device: IntArr, orders: OrderFrame, items: ItemFrame, scale: float,
              rng: np.random.Generator) -> pa.Table:
    made = (device >= 0) & (pr.done[p_rows] >= 0)
    qty = np.where(pr.remake[p_rows], 1, items.qty[i_rows])
    src = np.repeat(np.flatnonzero(made), qty[made])
    dev = device[src]
    pr_i = p_rows[src]
    span = np.maximum(pr.done[pr_i] - pr.accept[pr_i] - 45, 1)
    start = pr.accept[pr_i] + (rng.random(len(src)) * span).astype(np.int64)
    reporting = (start >= fleet.report_start[dev]) & (start <= fleet.report_end[dev])
    src, dev, pr_i, start = src[reporting], dev[reporting], pr_i[reporting], start[reporting]
    target = round(CUPS * scale)
    if len(src) > target:
        keep = np.sort(rng.choice(len(src), size=target, replace=False))
        src, dev, pr_i, start = src[keep], dev[keep], pr_i[keep], start[keep]
    product = items.product[i_rows[src]]
    f = formula_for(fm, menu, product, fleet.type[dev], start)
    n_real = len(src)
    # calibration / rinse cups (no order) on reporting espresso machines before opening
    n_test = max(0, target - n_real)
    esp = np.flatnonzero(np.isin(np.array(TYPES)[fleet.type], ["Espresso Machine", "Espresso Machine (Compact)"])
                         & (fleet.report_end > fleet.report_start))
    t_dev = esp[rng.integers(0, len(esp), size=n_test)]
    lo = np.maximum(fleet.report_start[t_dev] // DAY + 1, D0)
    hi = np.minimum(np.minimum(fleet.report_end[t_dev], NOW) // DAY, D1)
    t_day = lo + (rng.random(n_test) * np.maximum(hi - lo, 0)).astype(np.int64)
    t_start = local_to_utc(shops.zone[fleet.shop[t_dev]], ZONES, t_day,
                           6 * 3600 + 40 * 60 + rng.integers(0, 15 * 60, size=n_test))
    status = np.concatenate([np.where(rng.random(n_real) < 0.005, 2, 1), np.full(n_test, 3)])
    dur = rng.integers(25, 90, size=n_real + n_test)
    all_dev = np.concatenate([dev, t_dev])
    all_start = np.concatenate([start, t_start])
    srt = np.lexsort((np.arange(len(all_dev)), all_start))
    order_id = np.concatenate([orders.id[pr.order[pr_i]], np.zeros(n_test, np.int64)])
    prod_id = np.concatenate([pr.id[pr_i], np.zeros(n_test, np.int64)])
    f_all = np.concatenate([f, np.full(n_test, -1)])
    spu_idx = np.concatenate([product, np.full(n_test, -1)])
    status = status[srt]
    end = (all_start + dur)[srt]
    f_all, spu_idx = f_all[srt], spu_idx[srt]
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(srt) + 1, dtype=np.int64), device_no=fleet.device_no[all_dev[srt]],
        shop_id=shops.id[fleet.shop[all_dev[srt]]], order_id=order_id[srt], production_id=prod_id[srt],
        formula_code=take(list(fm.code), np.maximum(f_all, 0)),
        spu_code=take(list(menu.spu_code), np.maximum(spu_idx, 0)), cup_status=status,
        start_time=all_start[srt], end_time=end, create_time=all_start[srt], update_time=end)
    test = status == 3
    return make_table("luckyus_iot_platform.t_cup_order_info", cols,
                      dict(order_id=test, production_id=test, formula_code=f_all < 0, spu_code=test,
                           end_time=status == 2))


def device_events(fleet: Fleet, shops: ShopFrame, scale: float, rng: np.random.Generator,
                  manifest: dict[str, Any]) -> tuple[pa.Table, IntArr]:
    """Cleaning, errors, flaps, maintenance and firmware events; returns the table and last maintenance."""
    target = round(EVENTS * scale)
    rep = np.flatnonzero(fleet.report_end > fleet.report_start)
    lo = np.maximum(fleet.report_start[rep] // DAY + 1, D0)
    hi = np.minimum(np.minimum(fleet.report_end[rep], NOW) // DAY, D1)
    days = np.maximum(hi - lo, 0)
    ev_dev: list[IntArr] = []
    ev_type: list[IntArr] = []
    ev_time: list[IntArr] = []
    ev_code: list[IntArr] = []
    # planted: error then offline for each planted device
    planted = manifest["_offline_plants"]
    for p in planted:
        i, ts = p["device"], p["offline_at"]
        ev_dev += [np.array([i, i])]
        ev_type += [np.array([3, 2])]
        ev_time += [np.array([ts - 240, ts])]
        ev_code += [np.array([1, -1])]
    fixed = sum(len(a) for a in ev_dev)
    # maintenance every ~30 days, firmware update once, flaps and errors, then cleaning fills the rest
    n_maint = int((days // 30).sum())
    m_dev = np.repeat(rep, days // 30)
    m_day = np.repeat(lo, days // 30) + np.concatenate([np.arange(k) * 30 + 15 for k in days // 30]) \
        if n_maint else np.zeros(0, np.int64)
    fw_day = day_number(FIRMWARE_DAY)
    fw_dev = rep[(lo <= fw_day) & (hi >= fw_day) & (np.array(TYPES)[fleet.type[rep]] != "Blender")]
    budget = max(target - fixed - n_maint - len(fw_dev), 60)  # small scales keep every event type
    n_flap = max(5, min(budget // 6, 2_000))
    n_err = max(5, min(budget // 8, 2_500))
    n_clean = max(0, budget - 2 * n_flap - n_err)
    w = days / max(days.sum(), 1)

    def pick(k: int) -> tuple[IntArr, IntArr]:
        j = rng.choice(len(rep), size=k, p=w)
        return rep[j], lo[j] + (rng.random(k) * np.maximum(days[j], 1)).astype(np.int64)

    f_dev, f_day = pick(n_flap)
    e_dev, e_day = pick(n_err)
    c_dev, c_day = pick(n_clean)
    def at(dev: IntArr, day: IntArr, lo_s: int, hi_s: int) -> IntArr:
        return local_to_utc(shops.zone[fleet.shop[dev]], ZONES, day, rng.integers(lo_s, hi_s, size=len(dev)))

    f_off = at(f_dev, f_day, 7 * 3600, 20 * 3600)
    ev_dev += [m_dev, fw_dev, f_dev, f_dev, e_dev, c_dev]
    ev_type += [np.full(len(m_dev), 4), np.full(len(fw_dev), 6), np.full(n_flap, 2), np.full(n_flap, 1),
                np.full(n_err, 3), np.full(n_clean, 5)]
    ev_time += [at(m_dev, m_day, 5 * 3600, 6 * 3600), at(fw_dev, np.full(len(fw_dev), fw_day), 3 * 3600, 4 * 3600),
                f_off, f_off + rng.integers(60, 1_800, size=n_flap), at(e_dev, e_day, 7 * 3600, 21 * 3600),
                at(c_dev, c_day, 21 * 3600 + 1_800, 23 * 3600)]
    ev_code += [np.full(len(m_dev), -1), np.full(len(fw_dev), -1), np.full(2 * n_flap, -1),
                rng.integers(0, len(ERROR_CODES), size=n_err), np.full(n_clean, -1)]
    dev = np.concatenate(ev_dev)
    typ = np.concatenate(ev_type)
    when = np.concatenate(ev_time)
    code = np.concatenate(ev_code)
    srt = np.lexsort((np.arange(len(dev)), when))
    dev, typ, when, code = dev[srt], typ[srt], when[srt], code[srt]
    messages = {1: "device back online", 2: "heartbeat lost", 4: "scheduled maintenance completed",
                5: "automatic cleaning cycle", 6: "firmware updated to 4.3.0"}
    msg = np.array([messages.get(int(t), "") for t in range(7)], dtype=object)[typ]
    msg = np.where(typ == 3, np.array(ERROR_CODES, dtype=object)[np.maximum(code, 0)], msg)
    ev_codes = np.full(len(typ), None, dtype=object)
    ev_codes[typ == 3] = np.char.add("E", (100 + code[typ == 3] * 103).astype(str))
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(dev) + 1, dtype=np.int64), device_no=fleet.device_no[dev],
        shop_id=shops.id[fleet.shop[dev]], event_type=typ, event_code=ev_codes.astype(object), message=msg,
        event_time=when)
    last_maint = np.full(len(fleet), -1, dtype=np.int64)
    m = typ == 4
    np.maximum.at(last_maint, dev[m], when[m])
    return make_table("luckyus_iot_platform.t_device_event", cols, dict(event_code=typ != 3)), last_maint


def device_table(fleet: Fleet, shops: ShopFrame, last_maint: IntArr, rng: np.random.Generator) -> pa.Table:
    n = len(fleet)
    type_name = np.array(TYPES)[fleet.type]
    brand = np.array([ref.MACHINE_TYPES[t][0] for t in TYPES])[fleet.type]
    model = np.array([ref.MACHINE_TYPES[t][1] for t in TYPES])[fleet.type]
    schaerer = brand == "Schaerer"
    fw_new = schaerer & (fleet.report_end > day_number(FIRMWARE_DAY) * DAY)
    firmware = np.where(schaerer, np.where(fw_new, "4.3.0", "4.2.1"),
                        np.char.add("1.", rng.integers(0, 9, size=n).astype(str)))
    created = fleet.install - rng.integers(3600, 3 * DAY, size=n)
    update = np.maximum(np.where(fleet.last_online >= 0, fleet.last_online, fleet.install), fleet.install)
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64), device_no=fleet.device_no, device_name=fleet.name,
        machine_type=type_name, brand=brand, model=model, shop_id=shops.id[fleet.shop], status=fleet.status,
        online_status=fleet.online, firmware_version=firmware, install_time=fleet.install,
        last_online_time=fleet.last_online, last_maintenance_time=last_maint, create_time=created,
        update_time=update)
    return make_table("luckyus_iot_platform.t_device", cols,
                      dict(last_online_time=fleet.last_online < 0, last_maintenance_time=last_maint < 0))

