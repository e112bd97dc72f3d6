"""Growth tables: marketing, CDP, experiments and CRM profile/history, consistent with the orders.

``generate_growth(ctx)`` returns ``{"db.table": pa.Table}`` for luckyus_sales_marketing
(t_coupon_template, t_coupon_record, t_coupon_record_expired, t_user_group_label,
t_market_activity_partake), luckyus_isales_cdp (t_realtime_user_group_log, t_user_state,
t_user_event_track), luckyus_isalesdatamarketing (t_experiment, t_user_hit_experiment_record,
t_user_traffic_distribution) and luckyus_sales_crm (t_user_profile, t_user_history).
Transaction tables get seed rows x scale (x bulk_scale for bulk tables); the template and
experiment masters keep their seed size (1,262 and 40) at any scale.

``apply_churn(ctx)`` plants a churned cohort in the ORDERS when the core generator has not planted
its own (``ctx.manifest["_churn_cohort"]``): call it after building ``ctx.orders`` and before
writing any table that carries an order's user. It only re-assigns users, so order counts,
revenue, shops and channels are unchanged.

Manifest kinds added to ``ctx.manifest`` (the project's manifest shape: ``{"description": str,
"facts": [ {...} ]}``; figures are recomputed from the generated rows):

* ``churn_cohort``: the cohort the orders carry (the core's ``_churn_cohort`` user indexes, else
  ours from ``apply_churn``; ``applied`` False if neither). When the core already describes it,
  its fact gains ``cohort`` / ``earlier_cohorts``: completed orders per active user per 30 days
  in the 61 days before vs after the collapse, for the cohort and for earlier registrants;
  otherwise the whole fact is ours (register_month, register_from/to, shop_id/shop_name where
  most of the cohort orders, collapse_from, users, ``user_nos_sample`` of users whose orders
  stopped).
* ``coupon_template_winner`` / ``coupon_template_loser``: template_id, template_name,
  distributed, redeemed, redemption_rate, revenue_usd, marketing_cost_usd, roi, net_usd.
* ``ab_experiment_effect`` / ``ab_experiment_null``: experiment_id, experiment_name, start/end,
  per-arm ``{"users", "converted", "rate"}`` under "A" and "B", z and p_value.
* ``cdp_segments``: users per lifecycle stage (state_value, group_id) as of 2026-02-14.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.context import GenContext
from app.dataset.growth_coupons import activity_partake, coupons
from app.dataset.growth_experiments import experiments
from app.dataset.growth_segments import event_track, group_labels, group_log, user_history, user_profile, user_state
from app.dataset.growth_users import DAY, UserStats, epoch, user_stats

COHORT_MONTH = "2025-09"
CHURN_CUTOFF = "2025-12-01"
CHURN_MOVE = 0.85  # share of the cohort's orders after the cutoff handed to other users
_BEFORE = "2025-10-01"
_END = "2026-02-14"


def _cohort(ctx: GenContext) -> Any:
    month = np.asarray(ctx.users.register_time).astype("datetime64[M]")
    return month == np.datetime64(COHORT_MONTH, "M")


def apply_churn(ctx: GenContext) -> int:
    """Re-assign most of the cohort's orders after the cutoff to other users of the same shop.

    Each moved order goes to the user of a recent earlier order at the same shop (so the new
    user already existed and shops that user). Returns how many orders moved.
    """
    rng = ctx.rng("growth.churn")
    orders = ctx.orders
    cohort = _cohort(ctx)
    user = np.asarray(orders.user, dtype=np.int64)
    t = epoch(orders.create_time)
    cut = int(np.datetime64(f"{CHURN_CUTOFF}T05:00:00", "s").astype(np.int64))
    in_cohort = cohort[user]
    move = in_cohort & (t >= cut) & (rng.random(len(user)) < CHURN_MOVE)
    shop = np.asarray(orders.shop, dtype=np.int64)
    moved = 0
    new_user = user.copy()
    for s in np.unique(shop[move]).tolist():
        at = np.flatnonzero(shop == s)
        at = at[np.argsort(t[at], kind="stable")]
        donors = np.flatnonzero(~in_cohort[at])  # positions (in shop time order) of possible donors
        targets = np.flatnonzero(move[at])
        j = np.searchsorted(donors, targets)  # donors strictly before each target
        ok = j > 0
        back = 1 + np.floor(rng.random(int(ok.sum())) * np.minimum(j[ok], 500)).astype(np.int64)
        new_user[at[targets[ok]]] = user[at[donors[j[ok] - back]]]
        moved += int(ok.sum())
    orders.user = new_user
    ctx.manifest["_churn_applied"] = moved
    return moved


def _planted_cohort(ctx: GenContext) -> tuple[Any, str, bool]:
    """The churn cohort (user mask), its cutoff date, and whether the orders carry it.

    The core generator may plant its own cohort (``ctx.manifest["_churn_cohort"]``: user indexes,
    collapse from ``gen_users.CHURN_FROM``); otherwise ``apply_churn`` planted ours.
    """
    core = ctx.manifest.get("_churn_cohort")
    if core is not None:
        mask = np.zeros(len(ctx.users.user_no), dtype=bool)
        mask[np.asarray(core, dtype=np.int64)] = True
        try:
            from app.dataset import gen_users
            cutoff = str(getattr(gen_users, "CHURN_FROM", "2025-11-01"))
        except ImportError:
            cutoff = "2025-11-01"
        return mask, cutoff, True
    return _cohort(ctx), CHURN_CUTOFF, "_churn_applied" in ctx.manifest


def _churn_fact(ctx: GenContext, st: UserStats) -> dict[str, Any]:
    cohort, cutoff, applied = _planted_cohort(ctx)
    cut = int(np.datetime64(f"{cutoff}T05:00:00", "s").astype(np.int64))
    b0 = cut - 61 * DAY
    end = int(np.datetime64(f"{_END}T05:00:00", "s").astype(np.int64))
    users = np.arange(st.n)
    before = st.orders_between(users, np.full(st.n, b0), np.full(st.n, cut))
    after = st.orders_between(users, np.full(st.n, cut), np.full(st.n, end))
    months = np.asarray(ctx.users.register_time).astype("datetime64[M]")
    month = ""
    if cohort.any():
        vals, counts = np.unique(months[cohort], return_counts=True)
        month = str(vals[np.argmax(counts)])
    shops = st.fav_shop[cohort & (st.fav_shop >= 0)]
    k = int(np.bincount(shops).argmax()) if len(shops) else -1
    home = {"shop_id": int(ctx.shops.id[k]), "shop_name": str(ctx.shops.name[k])} if k >= 0 else {}
    reg_days = np.asarray(ctx.users.register_time)[cohort].astype("datetime64[D]")
    older = ~cohort & (st.reg < b0)

    def rate(mask: Any) -> dict[str, Any]:
        active = mask & (before > 0)
        n = int(active.sum())
        per_b = float(before[active].sum()) / max(n, 1) / ((cut - b0) / (30 * DAY))
        per_a = float(after[active].sum()) / max(n, 1) / ((end - cut) / (30 * DAY))
        return {"active_users_before": n, "orders_per_user_30d_before": round(per_b, 3),
                "orders_per_user_30d_after": round(per_a, 3), "ratio_after_before": round(per_a / max(per_b, 1e-9), 3)}

    heavy = np.flatnonzero(cohort & (before >= 2) & (after <= 1))
    heavy = heavy[np.argsort(-before[heavy], kind="stable")][:20]
    return {"description": f"Users registered in {month} (most ordering at {home.get('shop_name')}) whose "
                           f"order frequency collapses from {cutoff}: completed orders per 30 days of users active "
                           "in the 61 days before, before vs after, against users registered before that window.",
            "facts": [{"applied": applied, "register_month": month,
                       "register_from": str(reg_days.min()) if len(reg_days) else "",
                       "register_to": str(reg_days.max()) if len(reg_days) else "", **home, "collapse_from": cutoff,
                       "users": int(cohort.sum()), "cohort": rate(cohort), "earlier_cohorts": rate(older),
                       "user_nos_sample": [str(x) for x in np.asarray(ctx.users.user_no)[heavy]]}]}


def generate_growth(ctx: GenContext) -> dict[str, pa.Table]:
    """Every growth table, and the growth planted facts in ``ctx.manifest``."""
    st = user_stats(ctx)
    out, cp = coupons(ctx, st)
    coupon_share = np.bincount(cp["used_user"], minlength=st.n) / np.maximum(st.n_orders, 1)
    out["luckyus_sales_marketing.t_market_activity_partake"] = activity_partake(ctx, st)
    out["luckyus_sales_marketing.t_user_group_label"] = group_labels(ctx, st, coupon_share)
    out["luckyus_isales_cdp.t_realtime_user_group_log"] = group_log(ctx, st)
    state, seg_fact = user_state(ctx, st, coupon_share)
    out["luckyus_isales_cdp.t_user_state"] = state
    out["luckyus_isales_cdp.t_user_event_track"] = event_track(ctx, st)
    exp_tables, exp_facts = experiments(ctx, st)
    out.update(exp_tables)
    out["luckyus_sales_crm.t_user_profile"] = user_profile(ctx, st)
    out["luckyus_sales_crm.t_user_history"] = user_history(ctx, st)
    churn = _churn_fact(ctx, st)
    core = ctx.manifest.get("churn_cohort")
    if isinstance(core, dict) and core.get("facts"):  # the core described its cohort: add our statistics
        stats = churn["facts"][0]
        core["facts"][0].update({k: stats[k] for k in ("applied", "cohort", "earlier_cohorts")})
        core["description"] = core.get("description", "") + " cohort / earlier_cohorts: " + churn["description"]
    else:
        ctx.manifest["churn_cohort"] = churn
    ctx.manifest.update(cp["facts"])
    ctx.manifest.update(exp_facts)
    ctx.manifest["cdp_segments"] = seg_fact
    return out
