"""The replenishment system's forecasts: goods demand per store/day and orders per store/hour.

A forecast for day P issued L days ahead (``lead_days`` 1..7) blends what the store will really
use (the sales-implied demand) with the mean of the four previous same weekdays, times
log-normal noise that widens with the lead, so accuracy is realistic (MAPE around 10-25 %)
and worsens with lead time. Days after 2026-02-13 (the 7-day outlook) use the weekday mean
only. Forecasts exist only for open stores, from their opening day.

``wh_goods_daily_demand_pred``: the champion model ``dmd-v3`` covers the tracked goods first;
when the row budget allows, the shadow ``dmd-v4-shadow`` and the retired ``dmd-v2`` add rows for
the same keys (compare models by ``model_version``). Planted large errors: a few store x goods
x days where the champion was far off at every lead.

``t_order_predict_alg_v2``: one run per day predicts each open hour of the next 7 days; a row
is (store, date, hour) from one run (``create_time`` = the run, local 01:00); the budget keeps
the latest run (the 7-day outlook from 2026-02-14) and then the shortest leads, newest dates
first. The latest run per key is the one to use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, decimal_from_units, take, target_rows
from app.dataset.context import GenContext
from app.dataset.supply_goods import Goods
from app.dataset.supply_stock import DAY, Calendar, Plan, Sales, Stock

RP = "luckyus_ireplenishment"
MODELS = (("dmd-v3", 0.0), ("dmd-v4-shadow", -0.01), ("dmd-v2", 0.05))  # name, extra noise
LEADS = 7


def _weekday_mean(x: Arr, n_days: int) -> Arr:
    """Mean of the 4 previous same weekdays along axis 1 (zeros where there is no history)."""
    S = x.shape[0]
    ext = np.zeros((S, n_days, *x.shape[2:]))
    ext[:, : x.shape[1]] = x
    acc = np.zeros_like(ext)
    cnt = np.zeros(n_days)
    for w in range(1, 5):
        acc[:, 7 * w:] += ext[:, : n_days - 7 * w]
        cnt[7 * w:] += 1
    shape = (1, n_days) + (1,) * (x.ndim - 2)
    return np.asarray(acc / np.maximum(cnt, 1).reshape(shape))


def _error_days(st: Stock, p: Plan, g_pos: dict[int, int]) -> list[tuple[int, int, int, float]]:
    """Move each planted forecast error to the busiest ordinary day within 5 days of its date
    (not a stock-out or anomaly day), so the error is plain against a real consumption."""
    out = []
    for k, g, d, f in p.forecast_errors:
        gi = g_pos[g]
        lo, hi = max(0, d - 5), min(st.demand.shape[1], d + 6)
        dem = st.demand[k, lo:hi, gi]
        plain = (st.cons[k, lo:hi, gi] == dem) & (st.extra[k, lo:hi, gi] == 0) & st.active[k, lo:hi]
        out.append((k, g, lo + int(np.argmax(np.where(plain, dem, -1))), f))
    return out


def demand_forecast(ctx: GenContext, cal: Calendar, goods: Goods, st: Stock, p: Plan
                    ) -> tuple[pa.Table, dict[str, Any]]:
    rng = ctx.rng("supply.forecast")
    S, Dh, G = st.demand.shape
    Dall = len(cal.days)
    actual = st.demand.astype(np.float64)
    sw = _weekday_mean(actual, Dall)
    base = sw.copy()
    base[:, :Dh] = 0.7 * actual + 0.3 * sw[:, :Dh]
    factor = np.ones((S, Dall, G))
    g_pos = {int(g): i for i, g in enumerate(st.tracked.tolist())}
    errors = _error_days(st, p, g_pos)
    for kk, gg, dd, f in errors:
        factor[kk, dd, g_pos[gg]] = f
    first = list(dict.fromkeys(g_pos[g] * S + k for k, g, _, _ in p.forecast_errors))  # planted (goods, store)
    rank = np.array(first + [i for i in range(G * S) if i not in first], dtype=np.int64)
    lead = np.arange(1, LEADS + 1)
    P = np.arange(Dall)
    valid_kp = cal.trading(Dall)  # (S, Dall)
    valid_pl = (P[:, None] - lead[None, :]) <= Dh  # issued by 2026-02-14 at the latest
    mask = valid_kp[:, :, None] & valid_pl[None, :, :]  # (S, Dall, L)
    budget = target_rows(ctx, f"{RP}.wh_goods_daily_demand_pred")
    parts = []
    left = budget
    for m, (_name, extra) in enumerate(MODELS):
        if left <= 0:
            break
        sigma = 0.06 + 0.025 * lead + extra  # (L,)
        noise = np.exp(rng.normal(0.02, 1.0, (S, Dall, G, LEADS)) * sigma)
        pred = base[..., None] * noise * (factor[..., None] if m == 0 else 1.0)  # (S, Dall, G, L)
        full = np.broadcast_to(mask[:, :, None, :], pred.shape)
        # (goods, store) pairs in priority order (planted forecast errors first), then day, lead
        by_pair = np.transpose(full, (2, 0, 1, 3)).reshape(G * S, Dall * LEADS)
        idx = np.flatnonzero(by_pair[rank].ravel())[:left]
        pair, rest = np.divmod(idx, Dall * LEADS)
        g, k = np.divmod(rank[pair], S)
        d, li = np.divmod(rest, LEADS)
        parts.append((np.full(len(idx), m), k, d, g, li, np.round(pred[k, d, g, li]).astype(np.int64)))
        left -= len(idx)
    m_, k, d, g, li, q = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((li, g, k, d, m_))
    m_, k, d, g, li, q = m_[order], k[order], d[order], g[order], li[order], q[order]
    issued = cal.day_epoch()[d] - (li + 1) * DAY + 2 * 3600 - cal.offset[k, d]
    table = build_table(f"{RP}.wh_goods_daily_demand_pred", {
        "id": np.arange(1, len(k) + 1), "shop_id": cal.shop_id[k], "goods_code": take(goods.code, st.tracked[g]),
        "pred_date": cal.days[d], "lead_days": (li + 1).astype(np.int8), "pred_qty": decimal_from_units(q, 3),
        "model_version": take(np.array([x[0] for x in MODELS]), m_), "create_time": issued.astype("datetime64[s]"),
        "update_time": issued.astype("datetime64[s]")})
    champion = m_ == 0
    facts = []
    for kk, gg, dd, f in errors:
        gi = g_pos[gg]
        row = np.flatnonzero(champion & (k == kk) & (g == gi) & (d == dd) & (li == 0))
        pred1 = q[row[0]] / 1000 if len(row) else None
        facts.append({"shop_id": int(cal.shop_id[kk]), "shop_name": str(cal.shop_name[kk]),
                      "goods_code": str(goods.code[gg]), "goods_name": str(goods.name[gg]),
                      "pred_date": str(cal.days[dd]), "lead_days": 1, "predicted_qty": pred1,
                      "actual_qty": int(st.cons[kk, dd, gi]) / 1000, "planted_factor": f})
    fact = {"description": "Forecast days with large errors: the champion model's prediction "
                           "(wh_goods_daily_demand_pred, model_version = champion_model) was far off at every lead; "
                           "actual = consumption = -SUM(change_qty) of change_type 1 rows in "
                           "t_shop_goods_stock_change_<weekday> for the store, goods and biz_date.",
            "facts": facts, "champion_model": MODELS[0][0], "models": [x[0] for x in MODELS],
            "goods_covered": len(np.unique(g[champion]))}
    return table, {"forecast_error": fact}


def order_forecast(ctx: GenContext, cal: Calendar, s: Sales) -> pa.Table:
    rng = ctx.rng("supply.order_forecast")
    S, Dall, _ = s.orders_kdh.shape
    Dh = cal.n_hist
    actual = s.orders_kdh.astype(np.float64)
    hours = np.flatnonzero(actual.sum(axis=(0, 1)) >= max(1.0, 0.001 * actual.sum()))
    sw = _weekday_mean(actual[:, :Dh], Dall)
    base = sw.copy()
    base[:, :Dh] = 0.6 * actual[:, :Dh] + 0.4 * sw[:, :Dh]
    lead = np.arange(1, LEADS + 1)
    P = np.arange(Dall)
    valid = cal.trading(Dall)[:, :, None] & ((P[None, :, None] - lead[None, None, :]) <= Dh)  # (S, Dall, L)
    budget = target_rows(ctx, f"{RP}.t_order_predict_alg_v2")
    H = len(hours)
    full = np.broadcast_to(valid[:, :, :, None], (S, Dall, LEADS, H))
    # priority: the latest run (the 7-day outlook) first, then shortest lead, newest day, store, hour
    pri = np.transpose(full, (2, 1, 0, 3))[:, ::-1]  # (L, Dall reversed, S, H)
    idx = np.flatnonzero(pri.ravel())
    li, rest = np.divmod(idx, Dall * S * H)
    dr, rest = np.divmod(rest, S * H)
    k, hi = np.divmod(rest, H)
    d = Dall - 1 - dr
    latest = (d - li - 1) == Dh  # issued on 2026-02-14
    keep = np.concatenate([np.flatnonzero(latest), np.flatnonzero(~latest)])[:budget]
    li, k, hi, d = li[keep], k[keep], hi[keep], d[keep]
    idx = idx[keep]
    h = hours[hi]
    noise = np.exp(rng.normal(0.0, 1.0, len(idx)) * (0.08 + 0.03 * (li + 1)))
    pred = np.round(base[k, d, h] * noise * 100).astype(np.int64)
    order = np.lexsort((h, k, li, d))
    k, d, h, li, pred = k[order], d[order], h[order], li[order], pred[order]
    run = cal.day_epoch()[d] - (li + 1) * DAY + 3600 - cal.offset[k, d]
    return build_table(f"{RP}.t_order_predict_alg_v2", {
        "id": np.arange(1, len(k) + 1), "shop_id": cal.shop_id[k], "pred_date": cal.days[d],
        "pred_hour": h.astype(np.int8), "pred_order_cnt": decimal_from_units(pred, 2), "model_version": "ord-v2.3",
        "create_time": run.astype("datetime64[s]"), "update_time": run.astype("datetime64[s]")})
