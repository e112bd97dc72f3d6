"""User segments and profiles: marketing labels, CDP segments/states/events, CRM profile/history.

Every segment is a function of the user's real orders, so a tool that recomputes lifecycle
stages or RFM from ``t_order`` gets the same answer as the CDP tables:

* lifecycle (``t_realtime_user_group_log`` group ids, ``t_user_state`` key ``lifecycle_stage``):
  101 new_no_order (registered < 30 d, no completed order), 106 never_ordered (30 d +, none),
  102 active (last completed order <= 30 d ago), 104 at_risk (31-60 d), 105 dormant (61-90 d),
  107 churned (> 90 d). The log records each transition at the exact time it happens
  (action 1 = enter, 2 = exit); when the log holds more events than its row budget it keeps
  the most recent ones (a retention window). Groups 201+ are campaign audiences.
* ``t_user_state`` keys, in order of coverage: lifecycle_stage, rfm_segment, favorite_category,
  favorite_shop_id, value_tier, device_os, order_count_bucket, preferred_daypart,
  last_order_date, price_sensitivity, push_opt_in, email_verified.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, codes, take, target_rows
from app.dataset.context import GenContext
from app.dataset.growth_users import DAY, NOW, UserStats, as_dt

CDP = "luckyus_isales_cdp"
CRM = "luckyus_sales_crm"
MK = "luckyus_sales_marketing"
LIFECYCLE = {101: "new_no_order", 102: "active", 104: "at_risk", 105: "dormant", 106: "never_ordered",
             107: "churned"}
_GROUP_NAMES = {101: "New user, no order yet", 102: "Active (ordered in last 30 days)",
                104: "At risk (31-60 days since last order)", 105: "Dormant (61-90 days since last order)",
                106: "Registered 30+ days, never ordered", 107: "Churned (90+ days since last order)"}
_MASK32 = (1 << 32) - 1


def lifecycle_now(st: UserStats, now: int = NOW) -> Arr:
    """Lifecycle group id of every user at ``now`` (the rule in the module docstring)."""
    out = np.where(now - st.reg < 30 * DAY, 101, 106)
    since = now - st.last
    has = st.last >= 0
    out = np.where(has & (since <= 30 * DAY), 102, out)
    out = np.where(has & (since > 30 * DAY) & (since <= 60 * DAY), 104, out)
    out = np.where(has & (since > 60 * DAY) & (since <= 90 * DAY), 105, out)
    out = np.where(has & (since > 90 * DAY), 107, out)
    return out.astype(np.int64)


def _lifecycle_events(st: UserStats) -> tuple[Arr, Arr, Arr, Arr]:
    """(user, time, group, action) of every lifecycle transition up to NOW."""
    users, times = (st.key >> 32), (st.key & _MASK32)
    first = np.ones(len(users), dtype=bool)
    first[1:] = users[1:] != users[:-1]
    last = np.ones(len(users), dtype=bool)
    last[:-1] = users[:-1] != users[1:]
    prev = np.where(first, -1, np.roll(times, 1))
    nxt = np.where(last, NOW, np.roll(times, -1))
    ev: list[tuple[Arr, Arr, Arr, Arr]] = []

    def add(u: Arr, t: Arr, exit_g: Arr | int | None, enter_g: Arr | int) -> None:
        if exit_g is not None:
            ev.append((u, t, np.broadcast_to(exit_g, u.shape).astype(np.int64), np.full(len(u), 2)))
        ev.append((u, t + 1, np.broadcast_to(enter_g, u.shape).astype(np.int64), np.full(len(u), 1)))

    all_u = np.arange(st.n)
    add(all_u, st.reg - 1, None, 101)
    lapse = (st.reg + 30 * DAY < NOW) & ((st.first < 0) | (st.first > st.reg + 30 * DAY))
    add(all_u[lapse], st.reg[lapse] + 30 * DAY, 101, 106)
    # first order: from 101/106 to active
    fu, ft = users[first], times[first]
    add(fu, ft, np.where(ft <= st.reg[fu] + 30 * DAY, 101, 106), 102)
    # returns after a lapse
    gap = times - prev
    back = ~first & (gap > 30 * DAY)
    g = gap[back]
    add(users[back], times[back], np.where(g <= 60 * DAY, 104, np.where(g <= 90 * DAY, 105, 107)), 102)
    # lapses after each order, before the next one
    for days, frm, to in ((30, 102, 104), (60, 104, 105), (90, 105, 107)):
        m = times + days * DAY < nxt
        add(users[m], times[m] + days * DAY, frm, to)
    u, t, grp, act = (np.concatenate(x) for x in zip(*ev, strict=True))
    return u, t, grp, act


def group_log(ctx: GenContext, st: UserStats) -> pa.Table:
    rng = ctx.rng("growth.cdp_log")
    u, t, grp, act = _lifecycle_events(st)
    n = target_rows(ctx, f"{CDP}.t_realtime_user_group_log")
    if len(u) > n:  # retention: keep the most recent events
        keep = np.argsort(t, kind="stable")[len(u) - n:]
        u, t, grp, act = u[keep], t[keep], grp[keep], act[keep]
    else:  # campaign audiences fill the rest: enter, and exit a few days later
        pairs = (n - len(u)) // 2
        odd = (n - len(u)) - 2 * pairs
        au = rng.integers(0, st.n, pairs + odd)
        at = st.reg[au] + (rng.random(len(au)) * np.maximum(NOW - 3 * DAY - st.reg[au], DAY)).astype(np.int64)
        ag = 201 + rng.integers(0, 30, len(au))
        ex = at[:pairs] + rng.integers(DAY, 14 * DAY, pairs)
        u = np.concatenate([u, au, au[:pairs]])
        t = np.concatenate([t, at, np.minimum(ex, NOW - 1)])
        grp = np.concatenate([grp, ag, ag[:pairs]])
        act = np.concatenate([act, np.ones(len(au), dtype=np.int64), np.full(pairs, 2)])
    srt = np.argsort(t, kind="stable")
    names_by_id = np.array([_GROUP_NAMES.get(i, f"Campaign audience {i - 200:02d}") for i in range(231)])
    return build_table(f"{CDP}.t_realtime_user_group_log", {
        "id": np.arange(1, len(srt) + 1), "user_no": take(st.user_no, u[srt]), "group_id": grp[srt],
        "group_name": take(names_by_id, grp[srt]), "action": act[srt].astype(np.int8),
        "create_time": as_dt(t[srt]), "update_time": as_dt(t[srt])})


def _quintile(x: Arr) -> Arr:
    ranks = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return 1 + (ranks * 5 // max(len(x), 1))


def rfm_segment(st: UserStats) -> Arr:
    """RFM segment name per user ('' for users without a completed order)."""
    out = np.full(st.n, "", dtype=object)
    has = np.flatnonzero(st.n_orders > 0)
    r, f = _quintile(st.last[has]), _quintile(st.n_orders[has])
    seg = np.select([(r >= 4) & (f >= 4), f >= 4, (r >= 4) & (f <= 3), (r <= 2) & (f >= 3),
                     (r == 1) & (f == 1), (r <= 2) & (f <= 2)],
                    ["champions", "loyal", "potential_loyalist", "at_risk", "lost", "hibernating"],
                    default="need_attention")
    out[has] = seg
    return out


def user_state(ctx: GenContext, st: UserStats, coupon_share: Arr) -> tuple[pa.Table, dict[str, Any]]:
    rng = ctx.rng("growth.cdp_state")
    has = st.n_orders > 0
    shop_ids = np.asarray(ctx.shops.id)
    life = lifecycle_now(st)
    morning = st.share["morning"]
    cnt = st.n_orders
    q90, q50 = (np.quantile(st.money[has], [0.9, 0.5]) if has.any() else (0.0, 0.0))
    os_name = np.where(np.asarray(ctx.users.register_channel) == 2, "iOS",
                       np.where(np.asarray(ctx.users.register_channel) == 1, "Android", "Web"))
    last_day = np.where(has, st.last, 0).astype("datetime64[s]").astype("datetime64[D]").astype(str)
    values: list[tuple[str, Arr, Arr]] = [  # key, users (mask), value per user
        ("lifecycle_stage", np.ones(st.n, dtype=bool), np.vectorize(LIFECYCLE.get, otypes=[object])(life)),
        ("rfm_segment", has, rfm_segment(st)),
        ("favorite_category", has, st.categories[np.maximum(st.fav_cat, 0)]),
        ("favorite_shop_id", has, shop_ids[np.maximum(st.fav_shop, 0)].astype(str)),
        ("value_tier", has, np.where(st.money >= q90, "high", np.where(st.money >= q50, "mid", "low"))),
        ("device_os", np.ones(st.n, dtype=bool), os_name),
        ("order_count_bucket", has, np.select([cnt >= 10, cnt >= 4, cnt >= 2], ["10+", "4-9", "2-3"], "1")),
        ("preferred_daypart", has, np.where(morning >= 0.5, "morning", "afternoon")),
        ("last_order_date", has, last_day),
        ("price_sensitivity", has, np.where(coupon_share > 0.5, "high", np.where(coupon_share > 0.2, "medium",
                                                                                 "low"))),
        ("push_opt_in", np.ones(st.n, dtype=bool), np.where(rng.random(st.n) < 0.62, "true", "false")),
        ("email_verified", np.ones(st.n, dtype=bool), np.where(rng.random(st.n) < 0.48, "true", "false")),
    ]
    budget = target_rows(ctx, f"{CDP}.t_user_state")
    us, ks, vs = [], [], []
    for i, (_key, mask, val) in enumerate(values):
        idx = np.flatnonzero(mask)
        if len(idx) > budget:
            idx = np.sort(rng.choice(idx, budget, replace=False))
        us.append(idx)
        ks.append(np.full(len(idx), i))
        vs.append(np.asarray(val, dtype=object)[idx])
        budget -= len(idx)
        if budget <= 0:
            break
    u, k = np.concatenate(us), np.concatenate(ks)
    v = np.concatenate(vs).astype(str)
    upd = NOW - rng.integers(60, DAY, len(u))
    table = build_table(f"{CDP}.t_user_state", {
        "id": np.arange(1, len(u) + 1), "user_no": take(st.user_no, u),
        "state_key": take(np.array([x[0] for x in values]), k), "state_value": v,
        "create_time": as_dt(np.minimum(st.reg[u] + 60, upd)), "update_time": as_dt(upd)})
    fact = {
        "description": "CDP segments follow the orders. lifecycle_stage (t_user_state) as of 2026-02-14 00:00 New "
                       "York (05:00 UTC), from completed orders: active = last order <= 30 days ago, at_risk 31-60, "
                       "dormant 61-90, churned > 90; users without an order: new_no_order if registered < 30 days "
                       "ago, else never_ordered. t_realtime_user_group_log logs each transition (group ids below, "
                       "action 1 enter / 2 exit). rfm_segment: quintiles of recency and frequency among users "
                       "with orders: champions R>=4 & F>=4, loyal F>=4, potential_loyalist R>=4 & F<=3, at_risk "
                       "R<=2 & F>=3, lost R=F=1, hibernating R<=2 & F<=2, else need_attention.",
        "facts": [{"state_value": LIFECYCLE[g], "group_id": g, "users": int((life == g).sum())} for g in LIFECYCLE]}
    return table, fact


_LABELS = ["coffee_lover", "matcha_fan", "food_buyer", "iced_drinker", "hot_drinker", "morning_commuter",
           "afternoon_treat", "weekend_visitor", "weekday_regular", "delivery_user", "pickup_only", "high_value",
           "mid_value", "low_value", "frequent_buyer", "occasional_buyer", "one_time_buyer", "never_ordered",
           "new_user_30d", "lapsed_60d", "coupon_sensitive", "full_price_buyer", "ios_user", "android_user",
           "delivery_platform_signup", "fidi_office", "midtown", "union_square_flatiron", "soho_chinatown",
           "cold_brew_fan", "refresher_curious", "exfreezo_trier", "super_drink_trier", "oat_milk_preference",
           "sugar_conscious", "night_owl", "student", "tourist", "office_worker", "gift_buyer"]
_AREAS = {"fidi_office": ("102 Fulton", "100 Maiden Ln"),
          "midtown": ("28th & 6th", "54th & 8th", "37th & Broadway", "33rd & 10th"),
          "union_square_flatiron": ("8th & Broadway", "15th & 3rd", "21st & 3rd"), "soho_chinatown": ("221 Grand",)}


def group_labels(ctx: GenContext, st: UserStats, coupon_share: Arr) -> pa.Table:
    """User tags whose probabilities follow each user's orders; exactly the row budget, drawn by weight."""
    rng = ctx.rng("growth.labels")
    sh, n = st.share, st.n
    has = (st.n_orders > 0).astype(np.float32)
    q90, q50 = (np.quantile(st.money[st.n_orders > 0], [0.9, 0.5]) if has.any() else (0.0, 0.0))
    ch = np.asarray(ctx.users.register_channel)
    fav_name = np.where(st.fav_shop >= 0, np.asarray(ctx.shops.name)[np.maximum(st.fav_shop, 0)], "")
    since = np.where(st.last >= 0, NOW - st.last, 10**9)
    cols: dict[str, Arr] = {
        "coffee_lover": has * sh["coffee"], "matcha_fan": np.minimum(1, 2 * sh["matcha"]),
        "food_buyer": np.minimum(1, 2 * sh["food"]), "iced_drinker": sh["iced"],
        "hot_drinker": has * (1 - sh["iced"]) * (1 - sh["food"]), "morning_commuter": sh["morning"],
        "afternoon_treat": has * (1 - sh["morning"]), "weekend_visitor": np.minimum(1, 2 * sh["weekend"]),
        "weekday_regular": has * (1 - sh["weekend"]) * (st.n_orders >= 3), "delivery_user": np.minimum(1, 3 *
                                                                                                        sh["delivery"]),
        "pickup_only": has * (sh["delivery"] == 0), "high_value": has * (st.money >= q90),
        "mid_value": has * (st.money >= q50) * (st.money < q90), "low_value": has * (st.money < q50),
        "frequent_buyer": st.n_orders >= 8, "occasional_buyer": (st.n_orders >= 2) & (st.n_orders < 8),
        "one_time_buyer": st.n_orders == 1, "never_ordered": st.n_orders == 0,
        "new_user_30d": NOW - st.reg < 30 * DAY, "lapsed_60d": has * (since > 60 * DAY),
        "coupon_sensitive": coupon_share > 0.3, "full_price_buyer": has * (coupon_share == 0),
        "ios_user": ch == 2, "android_user": ch == 1, "delivery_platform_signup": ch == 3,
        "cold_brew_fan": 0.5 * sh["coffee"] * sh["iced"],
    }
    for area, names in _AREAS.items():
        cols[area] = np.isin(fav_name, names)
    p = np.empty((n, len(_LABELS)), dtype=np.float32)
    for j, lab in enumerate(_LABELS):
        p[:, j] = cols[lab] if lab in cols else 0.15 * rng.random(n).astype(np.float32)
    budget = min(target_rows(ctx, f"{MK}.t_user_group_label"), int((p > 0).sum()))
    key = rng.random(p.shape, dtype=np.float32)
    with np.errstate(divide="ignore"):
        key = np.where(p > 0, key / p, np.inf).ravel()
    chosen = np.sort(np.argpartition(key, budget - 1)[:budget]) if budget else np.zeros(0, dtype=np.int64)
    u, label = chosen // len(_LABELS), chosen % len(_LABELS)
    t = np.maximum(st.reg[u] + 3600, NOW - rng.integers(DAY, 60 * DAY, len(u)))
    return build_table(f"{MK}.t_user_group_label", {
        "id": np.arange(1, len(u) + 1), "user_no": take(st.user_no, u), "label_id": label + 1,
        "label_name": take(np.array(_LABELS), label), "create_time": as_dt(t),
        "update_time": as_dt(NOW - rng.integers(0, DAY, len(u)))})


_SOURCES = {2: ["app_store", "instagram", "tiktok", "referral", "organic_search", "subway_ad"],
            1: ["google_play", "instagram", "tiktok", "referral", "organic_search"],
            3: ["doordash", "ubereats", "grubhub"], 0: ["web", "partner", "kiosk"]}


def event_track(ctx: GenContext, st: UserStats) -> pa.Table:
    """First-touch and funnel events (first_touch -> register -> first_order -> repeat_order)."""
    rng = ctx.rng("growth.events")
    budget = target_rows(ctx, f"{CDP}.t_user_event_track")
    second = _nth_order_time(st, 2)
    per_user = 2 + (st.first >= 0) + (second >= 0)
    order = rng.permutation(st.n)
    take_n = int(np.searchsorted(np.cumsum(per_user[order]), budget, side="right"))
    users = np.sort(order[:take_n])
    ch = np.asarray(ctx.users.register_channel)[users]
    grp = np.where(np.isin(ch, [1, 2, 3]), ch, 0)
    src = np.empty(len(users), dtype=object)
    for g, names in _SOURCES.items():
        m = grp == g
        src[m] = np.array(names)[rng.integers(0, len(names), m.sum())]
    os_name = np.select([ch == 2, ch == 1], ["iOS", "Android"], "Web")
    t_touch = st.reg[users] - rng.integers(60, 3 * DAY, len(users))
    parts = [(users, t_touch, "first_touch", "landing", 1), (users, st.reg[users], "register", "signup", 0)]
    f = users[st.first[users] >= 0]
    parts.append((f, st.first[f], "first_order", "checkout", 0))
    s2 = users[second[users] >= 0]
    parts.append((s2, second[s2], "repeat_order", "checkout", 0))
    u = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    name = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts])
    page = np.concatenate([np.full(len(p[0]), p[3], dtype=object) for p in parts])
    first_touch = np.concatenate([np.full(len(p[0]), p[4]) for p in parts]).astype(np.int8)
    pos = np.searchsorted(users, u)
    srt = np.argsort(t, kind="stable")
    return build_table(f"{CDP}.t_user_event_track", {
        "id": np.arange(1, len(u) + 1), "user_no": take(st.user_no, u[srt]), "event_name": name[srt].astype(str),
        "source": src[pos][srt].astype(str), "device_os": os_name[pos][srt], "page": page[srt].astype(str),
        "is_first_touch": first_touch[srt], "event_time": as_dt(t[srt])})


def _nth_order_time(st: UserStats, k: int) -> Arr:
    users, times = st.key >> 32, st.key & _MASK32
    start = np.searchsorted(users, np.arange(st.n))
    pos = start + (k - 1)
    ok = (pos < len(users)) & (st.n_orders >= k)
    out = np.full(st.n, -1, dtype=np.int64)
    out[ok] = times[pos[ok]]
    return out


_ZIPS = {"8th & Broadway": "10003", "28th & 6th": "10001", "54th & 8th": "10019", "102 Fulton": "10038",
         "100 Maiden Ln": "10038", "37th & Broadway": "10018", "33rd & 10th": "10001", "15th & 3rd": "10003",
         "221 Grand": "10013", "21st & 3rd": "10010"}
_OTHER_ZIPS = ["10002", "10004", "10005", "10006", "10007", "10009", "10011", "10012", "10014", "10016", "10017",
               "10022", "10023", "10024", "10025", "10028", "10036", "11201", "11211", "11215", "11101", "07302",
               "07030"]
_OCCUPATIONS = ["Office worker", "Student", "Engineer", "Finance", "Healthcare", "Retail", "Creative",
                "Hospitality", "Education", "Self-employed"]


def user_profile(ctx: GenContext, st: UserStats) -> pa.Table:
    rng = ctx.rng("growth.profile")
    n = min(target_rows(ctx, f"{CRM}.t_user_profile"), st.n)
    users = np.sort(rng.choice(st.n, n, replace=False))
    fav = st.fav_shop[users]
    shop_names = np.asarray(ctx.shops.name).astype(str)
    near = np.array([_ZIPS.get(s, "") for s in shop_names], dtype=object)[np.maximum(fav, 0)]
    other = np.array(_OTHER_ZIPS)[rng.integers(0, len(_OTHER_ZIPS), n)]
    zip_code = np.where((fav >= 0) & (near != "") & (rng.random(n) < 0.45), near, other).astype(str)
    age = np.clip(rng.gamma(6.0, 5.0, n) + 14, 18, 75).astype(np.int64)
    bday = (np.datetime64("2026-02-14") - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]"))
    known = rng.random(n) < 0.8
    bday = np.where(known, bday, np.datetime64("NaT"))
    bands = np.select([age < 25, age < 35, age < 45, age < 55], ["18-24", "25-34", "35-44", "45-54"], "55+")
    occ = np.array(_OCCUPATIONS)[rng.integers(0, len(_OCCUPATIONS), n)]
    pref = np.asarray(ctx.shops.id)[np.maximum(fav, 0)]
    upd = st.reg[users] + (rng.random(n) * (NOW - st.reg[users])).astype(np.int64)
    return build_table(f"{CRM}.t_user_profile", {
        "id": np.arange(1, n + 1), "user_no": take(st.user_no, users),
        "gender": rng.choice(np.array([0, 1, 2], dtype=np.int8), n, p=[0.35, 0.3, 0.35]), "birthday": bday,
        "age_range": pa.array(bands, mask=~known), "zip_code": zip_code,
        "occupation": pa.array(occ, mask=rng.random(n) < 0.3), "preferred_shop_id": pa.array(pref, mask=fav < 0),
        "create_time": as_dt(st.reg[users] + 120), "update_time": as_dt(upd)})


_HIST = ["login", "login", "login", "profile_update", "phone_verify", "email_update", "password_reset",
         "notification_settings", "payment_method_added"]


def user_history(ctx: GenContext, st: UserStats) -> pa.Table:
    """Register and first-order events for everyone who has them, then logins and account events."""
    rng = ctx.rng("growth.history")
    budget = target_rows(ctx, f"{CRM}.t_user_history")
    ch = np.asarray(ctx.users.register_channel)
    reg_u = np.arange(min(st.n, budget))
    f_u = np.flatnonzero(st.first >= 0)
    f_u = f_u[: max(0, budget - len(reg_u))]
    n_fill = max(0, budget - len(reg_u) - len(f_u))
    fill_u = rng.integers(0, st.n, n_fill)
    fill_t = st.reg[fill_u] + (rng.random(n_fill) * (NOW - st.reg[fill_u])).astype(np.int64)
    fill_e = np.array(_HIST)[rng.integers(0, len(_HIST), n_fill)]
    first_order_id = _first_order_id(st)
    os_name = np.select([ch == 2, ch == 1, ch == 3], ["iOS", "Android", "delivery_platform"], "web")
    u = np.concatenate([reg_u, f_u, fill_u])
    t = np.concatenate([st.reg[reg_u], st.first[f_u], fill_t])
    ev = np.concatenate([np.full(len(reg_u), "register", dtype=object), np.full(len(f_u), "first_order",
                                                                                  dtype=object), fill_e])
    detail = pa.concat_arrays([
        pa.array(np.char.add("channel=", os_name[reg_u].astype(str))),
        codes("order_id=", first_order_id[f_u]),
        pa.array(np.char.add("device=", os_name[fill_u].astype(str)))])
    srt = np.argsort(t, kind="stable")
    return build_table(f"{CRM}.t_user_history", {
        "id": np.arange(1, len(u) + 1), "user_no": take(st.user_no, u[srt]), "event_type": ev[srt].astype(str),
        "event_time": as_dt(t[srt]), "detail": detail.take(pa.array(srt))})


def _first_order_id(st: UserStats) -> Arr:
    out = np.full(st.n, -1, dtype=np.int64)
    srt = np.lexsort((st.o_time, st.o_user))
    u = st.o_user[srt]
    first = np.ones(len(u), dtype=bool)
    first[1:] = u[1:] != u[:-1]
    out[u[first]] = st.o_id[srt][first]
    return out
