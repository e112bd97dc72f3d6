"""Coupons and campaigns: templates, the live and expired coupon records, activity participation.

Redeemed coupons sit on real orders of the same user (``use_time`` = the order's ``create_time``),
so "revenue with coupon" joins back to ``t_order``. When the core gives each order's coupon
deduction (``ctx.orders.coupon_deduct``, the order's ``t_order_amount.coupon_deduct``), every
order with a deduction, and only those, gets exactly one used coupon of that amount, whatever its
status or currency (a later refund leaves the coupon used); otherwise ``USE_SHARE`` of completed
USD orders draw one, with an amount from the template. Two templates are planted:
one that clearly wins (high redemption, ROI 14) and one that loses money (mass blast, almost
no redemptions, the largest net loss). Everything else has ROI between 1.2 and 6 once redeemed.

Codes: ``t_coupon_template.coupon_type`` 1 = amount off, 2 = percent off (``discount_rate`` is
the fraction off), 3 = buy one get one; ``status`` 0 = disabled, 1 = running, 2 = ended.
``t_coupon_record.status`` 1 = unused and valid, 2 = used, 3 = expired, 4 = revoked (the expired
archive holds status 3 only). ``t_market_activity_partake.reward_type`` 1 = coupon,
2 = free drink, 3 = discount, 4 = gift.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, codes, master_rows, take, target_rows
from app.dataset.context import GenContext
from app.dataset.growth_users import DAY, NOW, UserStats, as_dt, epoch

MK = "luckyus_sales_marketing"
WINNER, LOSER, WELCOME = 17, 42, 0
T_FIRST = int(np.datetime64("2025-05-20", "D").astype(np.int64))  # first template day
T_LAST = int(np.datetime64("2026-02-10", "D").astype(np.int64))
WINNER_RATE = 0.35  # planted redemption rate of the winning template
USE_SHARE = 0.28  # share of completed USD orders paid with a coupon

_TARGETS = ["Any Drink", "Iced Coconut Latte", "Kyoto Matcha Latte", "Cold Brew", "Velvet Latte", "Food",
            "Refreshers", "Exfreezo", "Classic Drinks", "Americano", "Caramel Popcorn Latte", "Breakfast Combo"]
_OCCASIONS = ["Weekday Boost", "Back to Office", "Fall Menu", "Rainy Day", "Payday", "Lunch Break",
              "Finals Week", "Winter Warmers", "Win Back", "App Exclusive", "Flash Sale", "Weekend"]


def pick_active(times: Arr, starts: Arr, ends: Arr, weights: Arr, rng: np.random.Generator) -> Arr:
    """For each time, a row index drawn by weight among those whose [start, end] day covers it.

    Windows are whole UTC days, so one draw per day is exact; loops over days, not rows.
    """
    out = np.full(len(times), -1, dtype=np.int64)
    days = times // DAY
    order = np.argsort(days, kind="stable")
    uniq, first = np.unique(days[order], return_index=True)
    bounds = [*first.tolist(), len(order)]
    s_day, e_day = starts // DAY, ends // DAY
    for i, d in enumerate(uniq.tolist()):
        idx = order[bounds[i]:bounds[i + 1]]
        cand = np.flatnonzero((s_day <= d) & (e_day >= d) & (weights > 0))
        if len(cand) == 0:
            continue
        p = weights[cand] / weights[cand].sum()
        out[idx] = cand[rng.choice(len(cand), size=len(idx), p=p)]
    return out


def _templates(ctx: GenContext) -> dict[str, Arr]:
    rng = ctx.rng("growth.coupon_template")
    n = master_rows(f"{MK}.t_coupon_template")
    start = rng.integers(T_FIRST, T_LAST + 1, n)
    dur = rng.choice([7, 14, 30, 60, 90, 180], n, p=[0.2, 0.25, 0.25, 0.15, 0.1, 0.05])
    end = start + dur - 1
    ctype = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]).astype(np.int8)
    amount = np.where(ctype == 1, rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], n), np.nan)
    rate = np.where(ctype == 2, rng.choice([0.2, 0.3, 0.5], n), np.where(ctype == 3, 0.5, np.nan))
    valid = rng.choice([3, 7, 14, 30], n, p=[0.2, 0.4, 0.3, 0.1])
    threshold = rng.choice([0.0, 0.0, 0.0, 5.0, 8.0, 10.0], n)
    dist_w = rng.lognormal(0.0, 1.5, n)
    redeem_w = rng.lognormal(0.0, 0.7, n)
    occ = np.array(_OCCASIONS)[rng.integers(0, len(_OCCASIONS), n)]
    tgt = np.array(_TARGETS)[rng.integers(0, len(_TARGETS), n)]
    offer = np.where(ctype == 1, np.char.add("$", np.char.mod("%.2f", np.nan_to_num(amount))),
                     np.where(ctype == 2, np.char.add(np.char.mod("%d", np.nan_to_num(rate) * 100), "%"), "BOGO"))
    name = np.char.add(np.char.add(np.char.add(occ, " - "), offer), np.where(ctype == 3, " ", " Off "))
    name = np.char.add(name, tgt).astype(object)
    planted = {  # index: (name, type, amount, rate, start, end, valid, threshold, dist weight, redeem weight)
        WELCOME: ("New User Welcome - $2.00 Off Any Drink", 1, 2.0, np.nan, "2025-05-20", "2026-12-31", 30, 0.0,
                  dist_w.max() * 2, 1.0),
        WINNER: ("Size Up Free - Iced Coconut Latte", 1, 0.30, np.nan, "2025-11-03", "2026-03-31", 14, 0.0,
                 0.0, 0.0),
        LOSER: ("Holiday Mega Blast - 60% Off Everything", 2, np.nan, 0.60, "2025-11-24", "2025-12-31", 7, 0.0,
                0.0, 0.0),
    }
    for i, (nm, ty, am, rt, s, e, v, th, dw, rw) in planted.items():
        name[i], ctype[i], amount[i], rate[i] = nm, ty, am, rt
        start[i] = int(np.datetime64(s, "D").astype(np.int64))
        end[i] = int(np.datetime64(e, "D").astype(np.int64))
        valid[i], threshold[i], dist_w[i], redeem_w[i] = v, th, dw, rw
    start_s, end_s = start * DAY, end * DAY + DAY - 1
    status = np.where(end_s >= NOW, 1, 2).astype(np.int8)
    disabled = rng.random(n) < 0.03
    disabled[[WELCOME, WINNER, LOSER]] = False
    status[disabled] = 0
    dist_w[disabled] = 0.0
    return {"n": np.array(n), "start": start_s, "end": end_s, "type": ctype, "amount": amount, "rate": rate,
            "valid": valid.astype(np.int64), "threshold": threshold, "dist_w": dist_w, "redeem_w": redeem_w,
            "name": name.astype(str), "status": status, "template_id": 10001 + np.arange(n)}


def _same_day_templates(t_use: Arr, tmpl: Arr, counted: Arr, rng: np.random.Generator) -> Arr:
    """Templates for the coupons on orders outside "revenue with coupon" (refunded, NZD, test shops): each
    copies a random counted coupon of the same UTC day (else WELCOME), so no template is redeemed only on
    orders that bring it no revenue -- that would read as a second money-losing campaign."""
    nc = np.flatnonzero(~counted)
    ci = np.flatnonzero(counted)
    if len(ci) == 0:
        return np.full(len(nc), WELCOME, dtype=np.int64)
    day = t_use // DAY
    by_day = ci[np.argsort(day[ci], kind="stable")]
    lo = np.searchsorted(day[by_day], day[nc], side="left")
    n_same = np.searchsorted(day[by_day], day[nc], side="right") - lo
    pick = np.minimum(lo + (rng.random(len(nc)) * n_same).astype(np.int64), len(by_day) - 1)
    return np.where(n_same > 0, tmpl[by_day[pick]], WELCOME)


def _discount(tp: dict[str, Arr], tmpl: Arr, pay: Arr) -> Arr:
    ty = tp["type"][tmpl]
    amt = np.nan_to_num(tp["amount"][tmpl])
    rate = np.nan_to_num(tp["rate"][tmpl])
    off = np.where(ty == 1, np.minimum(amt, 0.9 * pay), pay * rate / np.maximum(1 - rate, 0.05))
    return np.round(np.maximum(off, 0.01), 2)


def coupons(ctx: GenContext, st: UserStats) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """The template, live-record and expired-record tables, and the two planted templates."""
    tp = _templates(ctx)
    n_t = int(tp["n"])
    rng = ctx.rng("growth.coupon_use")
    # ---- redeemed coupons: ``use`` indexes ctx.orders
    o = ctx.orders
    status = np.asarray(o.status)
    usd = np.asarray(o.currency) == "USD"
    deduct = o.coupon_deduct  # the core's coupon discount per order, if it says
    if deduct is not None:
        deduct = np.asarray(deduct, dtype=np.float64)
        use = np.flatnonzero(deduct > 0)
    else:
        done = np.flatnonzero(st.done)
        use = done[usd[done] & (rng.random(len(done)) < USE_SHARE)]
    t_use = epoch(o.create_time)[use]
    o_pay = np.asarray(o.pay_money, dtype=np.float64)[use]
    test_shop = np.asarray(ctx.shops.test_flag)[np.asarray(o.shop)[use]] != 0
    counted = (status[use] == 90) & usd[use] & ~test_shop  # what "revenue with coupon" sums
    w = tp["dist_w"] * tp["redeem_w"]
    w[[WINNER, LOSER]] = 0.0
    tmpl = np.full(len(use), -1, dtype=np.int64)
    ci = np.flatnonzero(counted)
    tmpl[ci] = pick_active(t_use[ci], tp["start"], tp["end"], w, rng)
    for planted, share in ((WINNER, 0.12), (LOSER, 0.0025)):
        inside = ci[(t_use[ci] >= tp["start"][planted]) & (t_use[ci] <= tp["end"][planted])]
        k = max(3, round(share * len(inside)))
        tmpl[rng.choice(inside, size=min(k, len(inside)), replace=False)] = planted
    tmpl[~counted] = _same_day_templates(t_use, tmpl, counted, rng)
    keep = (tmpl >= 0) | (deduct is not None)
    use, t_use, tmpl, o_pay, counted = use[keep], t_use[keep], tmpl[keep], o_pay[keep], counted[keep]
    tmpl = np.where(tmpl < 0, WELCOME, tmpl)
    u_user = np.asarray(o.user, dtype=np.int64)[use]
    valid_s = tp["valid"][tmpl] * DAY
    u_recv = np.maximum.reduce([tp["start"][tmpl], st.reg[u_user],
                                t_use - (rng.random(len(use)) * 0.95 * valid_s).astype(np.int64)])
    u_disc = np.round(deduct[use], 2) if deduct is not None else _discount(tp, tmpl, o_pay)
    n_used = len(use)
    # ---- planted winner's unused coupons (live ones still valid, older ones expired)
    n_win_used = int((tmpl == WINNER).sum())
    win_unused = max(0, round(n_win_used / WINNER_RATE) - n_win_used)
    span = max(1, (NOW - tp["start"][WINNER]) // DAY)
    win_live = round(win_unused * min(1.0, tp["valid"][WINNER] / span))
    win_exp = win_unused - win_live
    # ---- live table: used + still-valid unused + revoked
    n_rec = target_rows(ctx, f"{MK}.t_coupon_record")
    n_rev = round(0.02 * n_rec)
    n_live = max(0, n_rec - n_used - n_rev - win_live)
    lw = tp["dist_w"].copy()
    lw[[WINNER, LOSER]] = 0.0
    lw[(tp["end"] < NOW - tp["valid"] * DAY) | (tp["start"] >= NOW)] = 0.0
    usable = tp["end"] > st.reg_sorted[0] + DAY  # a template that ended before anyone registered issues nothing
    lw[~usable] = 0.0
    live_t = np.concatenate([rng.choice(n_t, n_live, p=lw / lw.sum()), np.full(win_live, WINNER)])
    lo = np.maximum(tp["start"][live_t], NOW - tp["valid"][live_t] * DAY + 3600)
    hi = np.minimum(tp["end"][live_t], NOW - 60)
    live_recv = lo + (rng.random(len(live_t)) * np.maximum(hi - lo, 1)).astype(np.int64)
    live_user = st.registered_before(live_recv, rng.random(len(live_t)))
    live_recv = np.maximum(live_recv, st.reg[live_user] + 60)
    rw = np.where(usable, tp["dist_w"], 0.0)
    rev_t = rng.choice(n_t, n_rev, p=rw / rw.sum())
    rev_recv = _uniform_in(rng, np.maximum(tp["start"][rev_t], st.reg_sorted[0]), np.minimum(tp["end"][rev_t], NOW))
    rev_user = st.registered_before(rev_recv, rng.random(n_rev))
    rev_recv = np.maximum(rev_recv, st.reg[rev_user] + 60)
    rec_tmpl = np.concatenate([tmpl, live_t, rev_t])
    rec_recv = np.concatenate([u_recv, live_recv, rev_recv])
    rec_user = np.concatenate([u_user, live_user, rev_user])
    rec_status = np.concatenate([np.full(n_used, 2), np.full(len(live_t), 1), np.full(n_rev, 4)]).astype(np.int8)
    rec_expire = rec_recv + tp["valid"][rec_tmpl] * DAY
    rec_use = np.concatenate([t_use, np.full(len(live_t) + n_rev, -1)])
    rec_order = np.concatenate([np.asarray(o.id, dtype=np.int64)[use], np.full(len(live_t) + n_rev, -1)])
    rec_disc = np.concatenate([u_disc, np.full(len(live_t) + n_rev, np.nan)])
    rev_upd = rev_recv + (rng.random(n_rev) * 0.5 * tp["valid"][rev_t] * DAY).astype(np.int64)
    rec_upd = np.concatenate([t_use, live_recv, rev_upd])
    srt = np.argsort(rec_recv, kind="stable")
    rec_ids = np.arange(1, len(srt) + 1, dtype=np.int64)
    used_m = rec_use[srt] >= 0
    live = build_table(f"{MK}.t_coupon_record", {
        "id": rec_ids, "coupon_no": codes("CP", rec_ids, 14), "template_id": tp["template_id"][rec_tmpl[srt]],
        "user_no": take(st.user_no, rec_user[srt]), "status": rec_status[srt],
        "receive_time": as_dt(rec_recv[srt]), "expire_time": as_dt(rec_expire[srt]),
        "use_time": np.where(used_m, as_dt(rec_use[srt]), np.datetime64("NaT")),
        "order_id": pa.array(rec_order[srt], mask=~used_m), "discount_amount": rec_disc[srt],
        "create_time": as_dt(rec_recv[srt]), "update_time": as_dt(rec_upd[srt])})
    # ---- expired archive (bulk): loser's blast, winner's lapsed, the rest by distribution weight
    n_exp = target_rows(ctx, f"{MK}.t_coupon_record_expired")
    n_lose = round(0.04 * n_exp)
    win_exp = min(win_exp, n_exp - n_lose)
    n_gen = max(0, n_exp - n_lose - win_exp)
    ew = tp["dist_w"].copy()
    ew[[WINNER, LOSER]] = 0.0
    ew[(tp["start"] + tp["valid"] * DAY >= NOW - DAY) | ~usable] = 0.0
    counts = rng.multinomial(n_gen, ew / ew.sum())
    counts[LOSER] += n_lose
    counts[WINNER] += win_exp
    exp_t = np.repeat(np.arange(n_t, dtype=np.int32), counts)  # the archive job moves template by template
    # per template: a user registered before its last possible issue time, received after both
    hi_t = np.minimum(tp["end"], NOW - tp["valid"] * DAY - DAY)
    k_t = np.maximum(np.searchsorted(st.reg_sorted, hi_t, side="right"), 1)
    pick = (rng.random(len(exp_t)) * k_t[exp_t]).astype(np.int64)
    exp_user = st.reg_order[pick]
    lo = np.maximum(tp["start"][exp_t], st.reg_sorted[pick])
    exp_recv = lo + (rng.random(len(exp_t)) * np.maximum(hi_t[exp_t] - lo, 1)).astype(np.int64)
    del lo, pick
    exp_expire = exp_recv + tp["valid"][exp_t] * DAY
    exp_ids = np.arange(len(rec_ids) + 1, len(rec_ids) + len(exp_t) + 1, dtype=np.int64)
    expired = build_table(f"{MK}.t_coupon_record_expired", {
        "id": exp_ids, "coupon_no": codes("CP", exp_ids, 14), "template_id": tp["template_id"][exp_t],
        "user_no": take(st.user_no, exp_user), "status": np.int8(3), "receive_time": as_dt(exp_recv),
        "expire_time": as_dt(exp_expire), "use_time": None, "order_id": None, "discount_amount": None,
        "create_time": as_dt(exp_recv), "update_time": as_dt(exp_expire)})
    # ---- template economics: campaign spend (push, media, partner fees) from discount depth, reach and a
    #      fixed creative cost; the discounts themselves are on the coupon rows
    dist = np.bincount(rec_tmpl, minlength=n_t) + np.bincount(exp_t, minlength=n_t)
    redeemed = np.bincount(tmpl, minlength=n_t)
    revenue = np.bincount(tmpl, weights=np.where(counted, o_pay, 0.0), minlength=n_t)
    disc = np.bincount(tmpl, weights=u_disc, minlength=n_t)
    cost = 0.5 * disc + 0.004 * dist + rng.uniform(20, 400, n_t)
    has = revenue > 0
    cost[has] = np.clip(cost[has], revenue[has] / 6, revenue[has] / 1.2)
    cost[WINNER] = max(revenue[WINNER] / 14, 1.0)
    others = np.ones(n_t, dtype=bool)
    others[LOSER] = False
    worst_other = float((cost - revenue)[others].max())
    # the blast: SMS/push to every recipient plus paid media, and next to nothing redeemed
    cost[LOSER] = max(6.5 * revenue[LOSER], 2 * worst_other + revenue[LOSER], 50.0) + 0.05 * dist[LOSER]
    cost = np.round(cost, 2)
    templates = build_table(f"{MK}.t_coupon_template", {
        "id": np.arange(1, n_t + 1), "template_id": tp["template_id"], "template_name": tp["name"],
        "coupon_type": tp["type"], "discount_amount": tp["amount"], "discount_rate": tp["rate"],
        "threshold_amount": tp["threshold"], "marketing_cost": cost, "valid_days": tp["valid"],
        "start_time": as_dt(tp["start"]), "end_time": as_dt(tp["end"]), "status": tp["status"],
        "create_time": as_dt(tp["start"] - 3 * DAY), "update_time": as_dt(np.minimum(tp["end"], NOW))})

    def fact(i: int) -> dict[str, Any]:
        return {"template_id": int(tp["template_id"][i]), "template_name": str(tp["name"][i]),
                "distributed": int(dist[i]), "redeemed": int(redeemed[i]),
                "redemption_rate": round(float(redeemed[i] / max(dist[i], 1)), 4),
                "revenue_usd": round(float(revenue[i]), 2), "marketing_cost_usd": float(cost[i]),
                "roi": round(float(revenue[i] / cost[i]), 3), "net_usd": round(float(revenue[i] - cost[i]), 2)}

    rule = ("distributed = rows in t_coupon_record + t_coupon_record_expired; redeemed = t_coupon_record "
            "rows with order_id (status 2); revenue = SUM(t_order.pay_money) of those orders that are completed "
            "(status 90), USD and not at a test shop (t_shop_info.test_flag 0); "
            "ROI = revenue / t_coupon_template.marketing_cost (campaign spend; the discounts are on the coupon "
            "rows); net = revenue - marketing_cost. Other redeemed templates have ROI 1.2-6.")
    facts = {
        "coupon_template_winner": {"description": "The coupon template that clearly wins: the highest ROI and a "
                                                  "high redemption rate. " + rule, "facts": [fact(WINNER)]},
        "coupon_template_loser": {"description": "The coupon template that loses money: mass-distributed, almost "
                                                 "never redeemed, ROI < 1 and the largest net loss. " + rule,
                                  "facts": [fact(LOSER)]},
    }
    tables = {f"{MK}.t_coupon_template": templates, f"{MK}.t_coupon_record": live,
              f"{MK}.t_coupon_record_expired": expired}
    return tables, {"facts": facts, "used_user": u_user[status[use] == 90]}  # users' completed coupon orders


def _uniform_in(rng: np.random.Generator, lo: Arr, hi: Arr) -> Arr:
    return lo + (rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(np.int64)


_ACTIVITIES = [("New User Welcome", 1), ("Refer a Friend", 1), ("Daily Check-in", 3), ("Coconut Latte Day", 2),
               ("Matcha Monday", 3), ("Back to Office Week", 1), ("Spin the Wheel", 4), ("Fall Menu Launch", 1),
               ("Halloween Treats", 3), ("Thanksgiving Gratitude Cup", 2), ("Holiday Mega Blast", 3),
               ("Winter Warmers", 1), ("New Year Reset", 3), ("Valentine's Pairing", 4), ("Finals Fuel", 1),
               ("Rainy Day Rescue", 3), ("Cold Brew Summer", 1), ("Exfreezo Launch", 2), ("Velvet Latte Debut", 1),
               ("Lunch Break Combo", 3), ("Weekend Brunch", 1), ("Early Bird 7am", 3), ("Grand Opening 54th & 8th", 2),
               ("Grand Opening 102 Fulton", 2), ("Grand Opening 100 Maiden Ln", 2),
               ("Grand Opening 37th & Broadway", 2),
               ("Grand Opening 33rd & 10th", 2), ("Grand Opening 221 Grand", 2), ("Grand Opening 15th & 3rd", 2),
               ("Grand Opening 21st & 3rd", 2), ("Student Pass", 1), ("Office Group Order", 3),
               ("Birthday Treat", 2), ("Survey Reward", 4), ("App Store Rating Reward", 4), ("Streak 5 Days", 1)]


def activity_partake(ctx: GenContext, st: UserStats) -> pa.Table:
    """Campaign participation: 40 % completed with an order of the same user, the rest sign-ups only."""
    rng = ctx.rng("growth.activity")
    n_a = len(_ACTIVITIES)
    start = rng.integers(int(np.datetime64("2025-06-30", "D").astype(np.int64)), T_LAST, n_a) * DAY
    end = start + rng.integers(7, 61, n_a) * DAY - 1
    end[:3] = NOW + 365 * DAY
    start[:3] = int(np.datetime64("2025-06-30", "D").astype(np.int64)) * DAY
    weight = rng.lognormal(0, 0.8, n_a)
    weight[:3] *= 4
    n = target_rows(ctx, f"{MK}.t_market_activity_partake")
    n_link = min(round(0.4 * n), len(st.o_time))
    pick = np.sort(rng.choice(len(st.o_time), n_link, replace=False))
    t_link = st.o_time[pick]
    act_link = pick_active(t_link, start, end, weight, rng)
    ok = act_link >= 0
    pick, t_link, act_link = pick[ok], t_link[ok], act_link[ok]
    user_link = st.o_user[pick]
    p_link = np.maximum(t_link - rng.integers(60, 1800, len(pick)), st.reg[user_link])
    n_un = n - len(pick)
    act_un = rng.choice(n_a, n_un, p=weight / weight.sum())
    t_un = _uniform_in(rng, np.maximum(start[act_un], st.reg_sorted[0]), np.minimum(end[act_un], NOW - 60))
    user_un = st.registered_before(t_un, rng.random(n_un))
    t_un = np.maximum(t_un, st.reg[user_un] + 60)
    act = np.concatenate([act_link, act_un])
    t_all = np.concatenate([p_link, t_un])
    order_id = np.concatenate([st.o_id[pick], np.full(n_un, -1)])
    srt = np.argsort(t_all, kind="stable")
    names = np.array([a for a, _ in _ACTIVITIES])
    rewards = np.array([r for _, r in _ACTIVITIES], dtype=np.int8)
    return build_table(f"{MK}.t_market_activity_partake", {
        "id": np.arange(1, n + 1), "activity_id": 501 + act[srt], "activity_name": take(names, act[srt]),
        "user_no": take(st.user_no, np.concatenate([user_link, user_un])[srt]),
        "partake_time": as_dt(t_all[srt]), "order_id": pa.array(order_id[srt], mask=order_id[srt] < 0),
        "reward_type": rewards[act[srt]], "create_time": as_dt(t_all[srt]), "update_time": as_dt(t_all[srt])})
