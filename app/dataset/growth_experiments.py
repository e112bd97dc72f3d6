"""A/B experiments: definitions, traffic assignment and exposure records.

Conversion is defined the way a readout would compute it from the tables: the unit is a user in
an experiment; exposure is the user's first ``t_user_hit_experiment_record.hit_time``; the user
converts when a completed order (``t_order.status = 90``) has ``create_time`` in
(first hit, first hit + 7 days]. Two experiments are planted by choosing who is exposed when:
one where B converts clearly better than A (significant at p < 0.01 by a pooled two-proportion
z-test at every scale; the lift is 2.7 % -> 3.1 % when there are enough users and wider when
there are not) and one with no effect. ``t_experiment.status`` 0 = draft, 1 = running,
3 = finished.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, master_rows, take, target_rows
from app.dataset.context import GenContext
from app.dataset.growth_users import DAY, NOW, UserStats, as_dt

EXP = "luckyus_isalesdatamarketing"
EFFECT, NULL = 7, 12
BASE_RATE = 0.027
_SCENES = np.array(["home_banner", "menu_page", "checkout", "push", "coupon_center", "product_detail"])
_GOALS = ["order_conversion_7d", "aov", "coupon_redemption", "retention_30d", "click_through"]
_TOPICS = ["Home banner", "Menu ranking", "Checkout upsell", "Push timing", "Coupon wallet", "Price display",
           "Recommendation slot", "Onboarding flow", "Pickup ETA copy", "Delivery fee display"]


def _iso(seconds: int) -> str:
    return str(np.datetime64(int(seconds), "s")).replace("T", " ")


def z_test(conv_a: int, n_a: int, conv_b: int, n_b: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic and two-sided p-value."""
    p = (conv_a + conv_b) / max(n_a + n_b, 1)
    se = math.sqrt(max(p * (1 - p) * (1 / max(n_a, 1) + 1 / max(n_b, 1)), 1e-18))
    z = (conv_b / max(n_b, 1) - conv_a / max(n_a, 1)) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def _lift_rate(n: int) -> float:
    """The smallest B rate >= 3.1 % that gives z >= 3 (p < 0.003) against 2.7 % with n users per arm."""
    rate = 0.031
    c_a = round(n * BASE_RATE)
    while rate < 0.5 and z_test(c_a, n, round(n * rate), n)[0] < 3.0:
        rate += 0.001
    return rate


def _fill(weights: Arr, caps: Arr, total: int) -> Arr:
    """Integer shares of ``total`` by weight, none above its cap (what a full experiment cannot take moves on)."""
    out = np.zeros(len(weights), dtype=np.int64)
    free = caps > 0
    left = min(total, int(caps.sum()))
    while left > 0 and free.any():
        w = np.where(free, weights, 0.0)
        share = np.floor(w / w.sum() * left).astype(np.int64)
        share[np.argmax(w)] += left - share.sum()
        share = np.minimum(share, caps - out)
        out += share
        left -= int(share.sum())
        free = out < caps
    return out


def _definitions(rng: np.random.Generator, n: int) -> dict[str, Arr]:
    day0 = int(np.datetime64("2025-07-01", "D").astype(np.int64))
    day1 = int(np.datetime64("2026-01-31", "D").astype(np.int64))
    start = rng.integers(day0, day1, n) * DAY + 14 * 3600
    end = start + rng.integers(14, 61, n) * DAY
    names = np.array([f"{_TOPICS[i % len(_TOPICS)]} test v{1 + i // len(_TOPICS)}" for i in range(n)], dtype=object)
    goals = np.array(_GOALS, dtype=object)[rng.integers(0, len(_GOALS), n)]
    layer = rng.integers(1, 7, n)
    draft = np.zeros(n, dtype=bool)
    draft[[n - 1, n - 2, n - 3]] = True
    start[draft] = NOW + rng.integers(3, 20, 3) * DAY
    for i, nm, s, e, lay in ((EFFECT, "Menu layout v2: photo product cards", "2025-12-01", "2026-01-31", 2),
                             (NULL, "Push copy: emoji vs plain text", "2026-01-05", "2026-02-06", 4)):
        names[i], goals[i], layer[i] = nm, "order_conversion_7d", lay
        start[i] = int(np.datetime64(f"{s}T14:00:00", "s").astype(np.int64))
        end[i] = int(np.datetime64(f"{e}T23:59:59", "s").astype(np.int64))
    status = np.where(draft, 0, np.where(end < NOW, 3, 1))
    arms = np.where(rng.random(n) < 0.2, 3, 2)
    arms[[EFFECT, NULL]] = 2
    return {"start": start, "end": end, "name": names, "goal": goals, "layer": layer, "status": status,
            "arms": arms, "draft": draft}


def _planted(rng: np.random.Generator, st: UserStats, ws: int, we: int, n_arm: int, rate_a: float,
             rate_b: float) -> tuple[Arr, Arr, Arr]:
    """Users, first-hit times and arms (0=A, 1=B) realising the given 7-day conversion rates."""
    conv = [round(n_arm * rate_a), round(n_arm * rate_b)]
    # converters: a completed order in the window, the hit up to 7 days before it
    cand = np.flatnonzero((st.o_time >= ws + 600) & (st.o_time <= we) & (st.reg[st.o_user] < st.o_time - 600))
    cand = cand[rng.permutation(len(cand))]
    _, first = np.unique(st.o_user[cand], return_index=True)
    cand = cand[np.sort(first)][: sum(conv)]
    cu, ct = st.o_user[cand], st.o_time[cand]
    ch = np.maximum.reduce([ct - rng.integers(300, 7 * DAY - 300, len(cand)), np.full(len(cand), ws),
                            st.reg[cu] + 60])
    # non-converters: a hit with no completed order in the following 7 days
    need = 2 * n_arm - len(cand)
    pool = np.flatnonzero(st.reg < we - DAY)
    pool = np.setdiff1d(pool, cu)
    pool = pool[rng.permutation(len(pool))]
    lo = np.maximum(ws, st.reg[pool] + 60)
    t = lo + (rng.random(len(pool)) * np.maximum(we - lo, 1)).astype(np.int64)
    quiet = st.orders_between(pool, t, t + 7 * DAY) == 0
    nu, nt = pool[quiet][:need], t[quiet][:need]
    n_a_non = min(n_arm - conv[0], len(nu))
    users = np.concatenate([cu[: conv[0]], nu[:n_a_non], cu[conv[0]:], nu[n_a_non:]])
    times = np.concatenate([ch[: conv[0]], nt[:n_a_non], ch[conv[0]:], nt[n_a_non:]])
    arm = np.concatenate([np.zeros(conv[0] + n_a_non, dtype=np.int64), np.ones(len(users) - conv[0] - n_a_non,
                                                                                   dtype=np.int64)])
    return users, times, arm


def readout(st: UserStats, users: Arr, first_hit: Arr, arm: Arr) -> dict[str, Any]:
    """Recompute the readout from orders, as a tool would (used for the manifest)."""
    conv = st.orders_between(users, first_hit, first_hit + 7 * DAY) > 0
    out: dict[str, Any] = {}
    for a, name in ((0, "A"), (1, "B")):
        m = arm == a
        out[name] = {"users": int(m.sum()), "converted": int(conv[m].sum()),
                     "rate": round(float(conv[m].mean()) if m.any() else 0.0, 5)}
    z, p = z_test(out["A"]["converted"], out["A"]["users"], out["B"]["converted"], out["B"]["users"])
    out["z"], out["p_value"] = round(z, 3), float(f"{p:.3g}")
    return out


def experiments(ctx: GenContext, st: UserStats) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    rng = ctx.rng("growth.experiments")
    n_e = master_rows(f"{EXP}.t_experiment")
    d = _definitions(rng, n_e)
    ids = 3001 + np.arange(n_e)
    n_dist = target_rows(ctx, f"{EXP}.t_user_traffic_distribution")
    n_hit = target_rows(ctx, f"{EXP}.t_user_hit_experiment_record")
    facts: dict[str, Any] = {}
    dist_parts: list[tuple[Arr, Arr, Arr, Arr]] = []  # experiment, user, bucket, time
    hit_parts: list[tuple[Arr, Arr, Arr, Arr, Arr]] = []  # experiment, user, group, time, scene
    for exp, share, kind in ((EFFECT, 0.3, "ab_experiment_effect"), (NULL, 0.2, "ab_experiment_null")):
        n_arm = int(min(0.3 * st.n, share * n_dist, 0.4 * n_hit) // 2)
        rate_b = _lift_rate(n_arm) if exp == EFFECT else BASE_RATE + 1 / max(n_arm, 1)
        rate_a = BASE_RATE
        u, t, arm = _planted(rng, st, int(d["start"][exp]), int(d["end"][exp]), n_arm, rate_a, rate_b)
        bucket = np.where(arm == 0, rng.integers(0, 50, len(u)), rng.integers(50, 100, len(u)))
        dist_parts.append((np.full(len(u), exp), u, bucket, t - rng.integers(1, 600, len(u))))
        scene = np.full(len(u), 1 if exp == EFFECT else 3)
        hit_parts.append((np.full(len(u), exp), u, arm, t, scene))
        what = ("B converts better than A (a real effect)" if exp == EFFECT else "A and B convert alike (no effect)")
        facts[kind] = {
            "description": f"A/B experiment where {what}. Unit = user; exposure = the user's first hit_time in "
                           "t_user_hit_experiment_record; converted = a status-90 t_order with create_time in "
                           "(first hit, first hit + 7 days]; pooled two-proportion z-test (= chi-square, no "
                           "continuity correction).",
            "facts": [{"experiment_id": int(ids[exp]), "experiment_name": str(d["name"][exp]),
                       "start_time": _iso(d["start"][exp]), "end_time": _iso(d["end"][exp]),
                       "planted_rates": {"A": rate_a, "B": round(rate_b, 4)}, **readout(st, u, t, arm)}]}
        # repeat exposures after the first hit (never earlier), inside the window
        rep = rng.choice(len(u), size=min(len(u) // 2, max(0, n_hit // 10)), replace=False)
        rt = t[rep] + (rng.random(len(rep)) * np.maximum(min(int(d["end"][exp]), NOW) - t[rep], 1)).astype(np.int64)
        hit_parts.append((np.full(len(rep), exp), u[rep], arm[rep], rt, scene[rep]))
    # the other experiments: random eligible users, random arms by bucket
    others = np.flatnonzero(~d["draft"] & ~np.isin(np.arange(n_e), [EFFECT, NULL]))
    left = max(0, n_dist - sum(len(p[1]) for p in dist_parts))
    elig_n = np.searchsorted(st.reg_sorted, np.minimum(d["end"][others], NOW) - DAY)
    per = _fill(rng.dirichlet(np.ones(len(others)) * 2), elig_n, left)
    other_rows: list[tuple[int, Arr]] = []
    for exp, k in zip(others.tolist(), per.tolist(), strict=True):
        elig = st.reg_order[: np.searchsorted(st.reg_sorted, min(int(d["end"][exp]), NOW) - DAY)]
        if k <= 0:
            continue
        u = np.sort(rng.choice(elig, k, replace=False))
        bucket = rng.integers(0, 100, k)
        lo = np.maximum(int(d["start"][exp]), st.reg[u] + 60)
        dist_parts.append((np.full(k, exp), u, bucket, lo))
        other_rows.append((exp, u))
    left_hits = max(0, n_hit - sum(len(p[1]) for p in hit_parts))
    if other_rows and left_hits:
        all_e = np.concatenate([np.full(len(u), e) for e, u in other_rows])
        all_u = np.concatenate([u for _, u in other_rows])
        pick = rng.integers(0, len(all_u), left_hits)
        he, hu = all_e[pick], all_u[pick]
        lo = np.maximum(d["start"][he], st.reg[hu] + 60)
        hi = np.minimum(d["end"][he], NOW - 60)
        ht = lo + (rng.random(left_hits) * np.maximum(hi - lo, 1)).astype(np.int64)
        hit_parts.append((he, hu, np.full(left_hits, -1), ht, rng.integers(0, len(_SCENES), left_hits)))
    # ---- tables
    de, du, db, dt_ = (np.concatenate(x) for x in zip(*dist_parts, strict=True))
    arms = d["arms"][de]
    dgroup = np.minimum(db * arms // 100, arms - 1)
    dkey = de * (st.n + 1) + du
    korder = np.argsort(dkey, kind="stable")
    he, hu, hg, ht, hs = (np.concatenate(x) for x in zip(*hit_parts, strict=True))
    unknown = hg < 0  # other experiments: the arm of the user's assignment
    pos = korder[np.searchsorted(dkey[korder], he[unknown] * (st.n + 1) + hu[unknown])]
    hg[unknown] = dgroup[pos]
    letters = np.array(["A", "B", "C"])
    hs_order = np.argsort(ht, kind="stable")
    hits = build_table(f"{EXP}.t_user_hit_experiment_record", {
        "id": np.arange(1, len(ht) + 1), "experiment_id": ids[he[hs_order]], "group_name": take(letters, hg[hs_order]),
        "user_no": take(st.user_no, hu[hs_order]), "scene": take(_SCENES, hs[hs_order]),
        "hit_time": as_dt(ht[hs_order])})
    dist = build_table(f"{EXP}.t_user_traffic_distribution", {
        "id": np.arange(1, len(de) + 1), "experiment_id": ids[de], "layer_id": d["layer"][de],
        "user_no": take(st.user_no, du), "bucket": db, "group_name": take(letters, dgroup),
        "create_time": as_dt(dt_), "update_time": as_dt(dt_)})
    exp_t = build_table(f"{EXP}.t_experiment", {
        "id": np.arange(1, n_e + 1), "experiment_id": ids, "experiment_name": d["name"].astype(str),
        "layer_id": d["layer"], "goal_metric": d["goal"].astype(str), "start_time": as_dt(d["start"]),
        "end_time": np.where(d["status"] == 3, as_dt(d["end"]), np.datetime64("NaT")), "status": d["status"],
        "create_time": as_dt(d["start"] - 5 * DAY), "update_time": as_dt(np.minimum(d["end"], NOW))})
    return {f"{EXP}.t_experiment": exp_t, f"{EXP}.t_user_hit_experiment_record": hits,
            f"{EXP}.t_user_traffic_distribution": dist}, facts
