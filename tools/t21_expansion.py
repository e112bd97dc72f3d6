"""Seed tool 21: score a candidate site 0-100, with an interval, from the existing stores alone.

The model is fitted on the open USD stores, each stated in the output:

1. **Ramp.** Weekly revenue by store age (weeks since the store's first trading day) follows
   ``M_j · S_week · (1 − a·exp(−age / τ))`` after the opening week: one ramp (a, τ) for the chain,
   one mature level ``M_j`` per store and one calendar-week season index shared by all stores (so
   the summer-to-winter decline is not mistaken for a ramp); least squares on logs (SciPy). The
   opening week's promotion lift is reported on its own.
2. **Location.** log ``M_j`` against log distance to the nearest other store (GPS, haversine),
   ordinary least squares (closed form, Student t). With a handful of stores the slope is kept only when it is
   significant at 10 %; otherwise the prediction is the stores' mean, and the interval says so.
3. **Cannibalisation.** A Huff gravity model: demand sits at each store's site; a site's demand is
   split between stores in proportion to attractiveness (mature revenue) × distance^−β (β = 2,
   a 300 m floor for a store's own catchment). Demand per site is calibrated so today's split
   reproduces today's revenue (non-negative least squares); adding the candidate re-splits it.
4. **Score.** Net new weekly revenue for the chain (candidate's predicted revenue minus what it
   takes from existing stores) placed on the distribution of the existing stores' mature revenue:
   score = 100 × Φ((log net − mean log M) / sd log M). The interval is the 10th-90th percentile of
   the score over a bootstrap of stores (the distinct stores of each resample; location model,
   gravity calibration and score refitted, mature levels kept), each draw also sampling the
   location model's predictive distribution (Student t).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import Field
from scipy.optimize import least_squares, nnls
from scipy.stats import norm
from scipy.stats import t as student_t

from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import ToolInputError, chart, table
from tools.common2 import LOCAL_DAY, ORDER_FILTER, ORDER_FILTER_TEXT, as_date, haversine_km, rows
from tools.registry import tool

_SHOPS = """
SELECT s.id, s.shop_name, s.status, s.location_latitude AS lat, s.location_longitude AS lon, s.address
FROM luckyus_opshop.t_shop_info AS s
WHERE s.test_flag = 0 AND s.currency_code = 'USD' AND s.location_latitude IS NOT NULL
ORDER BY s.id
"""

_DAILY = f"""
SELECT o.shop_id, {LOCAL_DAY} AS d, COUNT(*) AS orders, SUM(o.pay_money) AS revenue
FROM luckyus_sales_order.t_order AS o
WHERE {ORDER_FILTER} AND o.create_time < :hi AND o.shop_id IN (:shops)
GROUP BY o.shop_id, {LOCAL_DAY}
ORDER BY o.shop_id, d
"""

FLOOR_KM = 0.3


class ExpansionInput(ToolInput):
    site: str | None = Field("180 Varick", description="A shop row not yet opened to score (e.g. 180 Varick)")
    lat: float | None = Field(None, ge=-90, le=90, description="Candidate latitude (overrides site)")
    lon: float | None = Field(None, ge=-180, le=180, description="Candidate longitude (overrides site)")
    beta: float = Field(2.0, gt=0.1, le=5, description="Distance decay of the gravity model")
    min_weeks: int = Field(4, ge=2, le=26, description="Full weeks of trading a store needs to enter the model")
    bootstrap: int = Field(300, ge=0, le=2000, description="Bootstrap resamples for the score interval")
    seed: int = Field(7, description="Bootstrap random seed")


class Ramp:
    """The fitted ramp: level multiplier 1 − a·exp(−age/τ) for weeks after the opening week."""

    def __init__(self, a: float, tau: float, opening_lift: float) -> None:
        self.a, self.tau, self.opening_lift = a, tau, opening_lift

    def factor(self, week: int) -> float:
        return self.opening_lift if week == 0 else 1 - self.a * math.exp(-week / self.tau)

    @property
    def weeks_to_90pct(self) -> float:
        return self.tau * math.log(self.a / 0.1) if self.a > 0.1 else 0.0


def ramp_fit(series: dict[int, list[float]], first_week: dict[int, int] | None = None
             ) -> tuple[Ramp, dict[int, float]]:
    """The chain's ramp and each store's mature weekly revenue M_j, net of the calendar season.

    log R[j, w] = log M_j + log S[calendar week] + log(1 − a·exp(−age / τ)) for ages ≥ 1 week, by least
    squares on logs; S is one index per calendar week shared by all stores (mean log S = 0), which is
    identifiable because the stores opened at different dates. The opening week (grand-opening
    promotions) is left out of the fit and reported as its own lift over the curve.
    ``first_week[j]`` is store j's first calendar week (0 = the earliest); without it, no season term.
    """
    ids = sorted(series)
    start = first_week or {s: 0 for s in ids}
    n_weeks = max(start[s] + len(series[s]) for s in ids)
    use_season = first_week is not None and n_weeks > 1
    obs = [(k, start[s] + age, age, math.log(max(v, 0.0) + 1.0)) for k, s in enumerate(ids)
           for age, v in enumerate(series[s]) if age >= 1]
    store_i = np.array([o[0] for o in obs])
    week_i = np.array([o[1] for o in obs])
    age_a = np.array([o[2] for o in obs], dtype=float)
    y = np.array([o[3] for o in obs])
    n_s = len(ids)

    seen = np.zeros(n_weeks, dtype=bool)
    seen[week_i] = True  # a calendar week nobody traded in (after the opening week) has no index

    def season_of(theta: np.ndarray) -> np.ndarray:
        if not use_season:
            return np.zeros(n_weeks)
        sea = np.where(seen, theta[n_s + 2:], 0.0)
        return np.asarray(np.where(seen, sea - sea[seen].mean(), 0.0))

    def resid(theta: np.ndarray) -> np.ndarray:
        a, tau = theta[n_s], math.exp(theta[n_s + 1])
        pred = theta[:n_s][store_i] + season_of(theta)[week_i] + np.log(1 - a * np.exp(-age_a / tau))
        return np.asarray(y - pred)

    x0 = np.concatenate([[math.log(max(float(np.mean(series[s][1:] or series[s])), 0.0) + 1.0) for s in ids],
                         [0.2, math.log(4.0)], np.zeros(n_weeks if use_season else 0)])
    lo = np.full(len(x0), -np.inf)
    hi = np.full(len(x0), np.inf)
    lo[n_s], hi[n_s] = -1.0, 0.95
    lo[n_s + 1], hi[n_s + 1] = math.log(0.3), math.log(104.0)
    fit = least_squares(resid, x0, bounds=(lo, hi))
    logm = fit.x[:n_s]
    sea = season_of(fit.x)
    lifts = [(series[s][0] + 1.0) / math.exp(logm[k] + sea[start[s]]) for k, s in enumerate(ids) if series[s]]
    ramp = Ramp(float(fit.x[n_s]), math.exp(fit.x[n_s + 1]), float(np.median(lifts)) if lifts else 1.0)
    return ramp, {s: math.exp(logm[k]) - 1.0 for k, s in enumerate(ids)}


def location_fit(logm: np.ndarray, logd: np.ndarray) -> dict[str, Any]:
    """OLS of log M on log nearest-store distance (closed form); the mean when the slope is not significant.

    Returns the coefficients, the slope's two-sided p-value and what the predictive standard error
    needs (residual variance, n, the design's mean and spread).
    """
    n = len(logm)
    mean_m = float(np.mean(logm))
    if n >= 4 and float(np.ptp(logd)) > 0:
        xbar = float(np.mean(logd))
        sxx = float(np.sum((logd - xbar) ** 2))
        b = float(np.sum((logd - xbar) * (logm - mean_m)) / sxx)
        a = mean_m - b * xbar
        s2 = float(np.sum((logm - a - b * logd) ** 2)) / (n - 2)
        p = float(2 * student_t.sf(abs(b) / math.sqrt(s2 / sxx), n - 2)) if s2 > 0 else 0.0
        if p < 0.10:
            return {"kind": "slope", "a": a, "b": b, "p": p, "s2": s2, "n": n, "xbar": xbar, "sxx": sxx, "df": n - 2}
    else:
        p = float("nan")
    s2 = float(np.var(logm, ddof=1)) if n > 1 else 0.0
    return {"kind": "mean", "a": mean_m, "b": 0.0, "p": p, "s2": s2, "n": n, "xbar": 0.0, "sxx": 0.0,
            "df": max(n - 1, 1)}


def predict_logm(model: dict[str, Any], logd: float) -> tuple[float, float, float]:
    """Point prediction of log M at a nearest-store distance and its predictive standard error and df."""
    mid = model["a"] + model["b"] * logd
    extra = (logd - model["xbar"]) ** 2 / model["sxx"] if model["kind"] == "slope" else 0.0
    se = math.sqrt(model["s2"] * (1 + 1 / max(model["n"], 1) + extra))
    return mid, se, float(model["df"])


def huff(attract: np.ndarray, dist: np.ndarray, beta: float) -> np.ndarray:
    """P[k, j]: share of demand at site j going to store k."""
    w = attract[:, None] * np.maximum(dist, FLOOR_KM) ** (-beta)
    return w / w.sum(axis=0, keepdims=True)


def cannibalisation(m: np.ndarray, coords: list[tuple[float, float]], cand: tuple[float, float], m_new: float,
                    beta: float) -> np.ndarray:
    """Weekly revenue each existing store loses to the candidate (gravity model, demand calibrated to ``m``)."""
    n = len(m)
    dist = np.array([[haversine_km(*coords[k], *coords[j]) for j in range(n)] for k in range(n)])
    p0 = huff(m, dist, beta)
    demand, _ = nnls(p0, m)
    d_new = np.array([haversine_km(*cand, *coords[j]) for j in range(n)])
    p1 = huff(np.append(m, m_new), np.vstack([dist, d_new]), beta)
    after = p1[:n] @ demand
    return np.maximum(p0 @ demand - after, 0.0)


def score_site(m: np.ndarray, coords: list[tuple[float, float]], cand: tuple[float, float], beta: float,
               draw: float = 0.0) -> dict[str, Any]:
    """Predicted mature revenue, cannibalisation and the 0-100 score for one candidate.

    ``draw`` moves the prediction by that many predictive standard errors (Student t quantiles), which
    is how the bootstrap carries the location model's own uncertainty into the score interval.
    """
    logm = np.log(m)
    nn = np.array([min(haversine_km(*coords[k], *coords[j]) for j in range(len(m)) if j != k) for k in range(len(m))])
    model = location_fit(logm, np.log(np.maximum(nn, 0.05)))
    d_cand = min(haversine_km(*cand, *c) for c in coords)
    mid, se, df = predict_logm(model, math.log(max(d_cand, 0.05)))
    q = float(student_t.ppf(0.9, df))
    m_new = math.exp(mid + draw * se)
    lost = cannibalisation(m, coords, cand, m_new, beta)
    net = m_new - float(lost.sum())
    sd = float(np.std(logm, ddof=1)) if len(m) > 1 else 1.0
    score = 100 * float(norm.cdf((math.log(net) - float(np.mean(logm))) / sd)) if net > 0 else 0.0
    return {"m_new": m_new, "m_low": math.exp(mid - q * se), "m_high": math.exp(mid + q * se), "lost": lost,
            "net": net, "score": score, "model": model, "nearest_km": d_cand, "df": df}


def _series(daily: list[dict[str, Any]], end: dt.date, min_weeks: int
            ) -> tuple[dict[int, list[float]], dict[int, dt.date], dict[int, int]]:
    """Weekly revenue by store age (7-day buckets from each store's first trading day, full weeks only),
    each store's first day, and the calendar week (from the earliest store's Monday) its first bucket falls in."""
    by: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for r in daily:
        by[int(r["shop_id"])][as_date(r["d"])] = float(r["revenue"])
    series, first = {}, {}
    for s, days in by.items():
        start = min(days)
        first[s] = start
        weeks = ((end - start).days + 1) // 7
        if weeks >= min_weeks:
            series[s] = [sum(days.get(start + dt.timedelta(days=7 * w + i), 0.0) for i in range(7))
                         for w in range(weeks)]
    origin = min(first.values()) if first else end
    origin -= dt.timedelta(days=origin.weekday())
    week0 = {s: (first[s] - origin).days // 7 for s in series}
    return series, first, week0


@tool(name="expansion", title="Expansion site scoring", department="Cross-department", seed_tool=21,
      input_model=ExpansionInput,
      examples=("Score 180 Varick as a new store", "What would a store at 40.7359, -73.9911 cannibalise?"),
      keywords=("expansion", "new store", "site", "location", "cannibalisation", "gravity", "ramp", "score"))
def expansion(ctx: ToolContext, args: ExpansionInput) -> ToolOutput:
    """Scores a candidate location 0-100 with an interval from a model fitted on the existing stores:
    revenue ramp by store age, mature revenue against distance to the nearest store, and gravity-model
    cannibalisation of the stores around it."""
    shops = rows(ctx, _SHOPS)
    open_shops = [s for s in shops if int(s["status"]) == 1]
    if args.lat is not None and args.lon is not None:
        cand, label = (args.lat, args.lon), f"({args.lat:.5f}, {args.lon:.5f})"
    elif args.lat is not None or args.lon is not None:
        raise ToolInputError("Give both lat and lon, or a site name.")
    else:
        want = (args.site or "").strip().lower()
        hit = [s for s in shops if str(s["shop_name"]).lower() == want]
        if not hit:
            names = sorted(str(s["shop_name"]) for s in shops if int(s["status"]) != 1)
            raise ToolInputError(f"No shop row called {args.site!r} with GPS coordinates. Sites not yet open: "
                                 f"{', '.join(names) or 'none'}; or give lat and lon.", names)
        cand, label = (float(hit[0]["lat"]), float(hit[0]["lon"])), str(hit[0]["shop_name"])
    end = ctx.today - dt.timedelta(days=1)
    from tools.common2 import utc_bounds

    _, hi = utc_bounds(end, end)
    daily = rows(ctx, _DAILY, hi=hi, shops=[int(s["id"]) for s in open_shops])
    series, first, week0 = _series(daily, end, args.min_weeks)
    info = {int(s["id"]): s for s in open_shops}
    ids = sorted(series)
    if len(ids) < 3:
        raise ToolInputError("Fewer than three stores have enough trading history to fit the model.")
    ramp_model, mature = ramp_fit(series, week0)
    m = np.array([mature[s] for s in ids])
    coords = [(float(info[s]["lat"]), float(info[s]["lon"])) for s in ids]
    res = score_site(m, coords, cand, args.beta)
    rng = np.random.default_rng(args.seed)
    boot = []
    for _ in range(args.bootstrap):
        pick = sorted(set(rng.integers(0, len(ids), len(ids)).tolist()))
        if len(pick) < 3:
            continue
        draw = float(rng.standard_t(max(len(pick) - 1, 1)))
        boot.append(score_site(m[pick], [coords[k] for k in pick], cand, args.beta, draw)["score"])
    interval = (float(np.percentile(boot, 10)), float(np.percentile(boot, 90))) if boot else (res["score"],) * 2
    loo = _leave_one_out(m, coords, args.beta)
    stores = []
    for k, s in enumerate(ids):
        stores.append({"store": info[s]["shop_name"], "opened": first[s], "weeks": len(series[s]),
                       "mature_weekly_revenue": mature[s], "last_4_weeks_avg": float(np.mean(series[s][-4:])),
                       "km_to_candidate": haversine_km(*cand, *coords[k]), "weekly_loss": float(res["lost"][k]),
                       "loss_share": float(res["lost"][k] / mature[s]), "loo_predicted": loo[k]})
    stores.sort(key=lambda r: r["km_to_candidate"])
    weeks_90 = ramp_model.weeks_to_90pct
    ramp = [{"week": w, "factor": ramp_model.factor(w), "predicted_weekly_revenue": res["m_new"] * ramp_model.factor(w)}
            for w in (0, 1, 2, 4, 8, 13, 26, 52)]
    model = res["model"]
    model_text = (f"log M = {model['a']:.3f} + {model['b']:.3f} · log(nearest km) (slope p = {model['p']:.3f})"
                  if model["kind"] == "slope" else
                  f"mean of log M over {len(ids)} stores (distance slope not significant, p = {model['p']:.2f})")
    top_loss = max(stores, key=lambda r: r["weekly_loss"])
    summary = (f"{label} scores {res['score']:.0f}/100 (80 % interval {interval[0]:.0f}-{interval[1]:.0f}). "
               f"Predicted mature revenue ${res['m_new']:,.0f}/week (80 % prediction interval "
               f"${res['m_low']:,.0f}-${res['m_high']:,.0f}); new stores open at "
               f"{100 * ramp_model.opening_lift:.0f} % of "
               f"maturity in their first week, then {100 * (1 - ramp_model.a):.0f} %, reaching 90 % after "
               f"{weeks_90:.1f} weeks; it would "
               f"take ${res['lost'].sum():,.0f}/week from existing stores (most from {top_loss['store']}, "
               f"{100 * top_loss['loss_share']:.1f} % of its revenue), net ${res['net']:,.0f}/week for the chain. "
               f"Nearest store {res['nearest_km']:.2f} km away. Location model: {model_text}.")
    findings = [Finding(severity=Severity.warning, kind="cannibalisation_risk",
                        title=f"{r['store']} would lose {100 * r['loss_share']:.0f} % of its weekly revenue",
                        where=r["store"], keys={"store": r["store"]},
                        evidence=[{k: r[k] for k in ("km_to_candidate", "mature_weekly_revenue", "weekly_loss")}])
                for r in stores if r["loss_share"] >= 0.15]
    return ToolOutput(
        tool="expansion", title=f"Expansion site score: {label}", summary=summary,
        headline={"site": label, "lat": cand[0], "lon": cand[1], "score": round(res["score"], 1),
                  "score_low": round(interval[0], 1), "score_high": round(interval[1], 1),
                  "predicted_weekly_revenue": round(res["m_new"], 2),
                  "predicted_low": round(res["m_low"], 2), "predicted_high": round(res["m_high"], 2),
                  "cannibalised_weekly_revenue": round(float(res["lost"].sum()), 2),
                  "net_weekly_revenue": round(res["net"], 2), "ramp_tau_weeks": round(ramp_model.tau, 2),
                  "ramp_start_share": round(1 - ramp_model.a, 3),
                  "opening_week_lift": round(ramp_model.opening_lift, 3),
                  "weeks_to_90pct": round(weeks_90, 1), "stores_in_model": len(ids), "model": model["kind"]},
        tables=[table("stores", stores), table("ramp", ramp),
                table("excluded_stores", [{"store": info[s]["shop_name"], "first_day": first.get(s)}
                                          for s in sorted(info) if s not in series])],
        findings=findings,
        chart=chart("bar", stores, "store", "weekly_loss", title=f"Weekly revenue each store would lose to {label}"),
        filters=[*ORDER_FILTER_TEXT, f"open USD stores with GPS and at least {args.min_weeks} full weeks of trading",
                 f"gravity β = {args.beta:g}, {FLOOR_KM * 1000:.0f} m floor"],
    )


def _leave_one_out(m: np.ndarray, coords: list[tuple[float, float]], beta: float) -> list[float | None]:
    """Each store's mature revenue predicted by the location model fitted without it (a calibration check)."""
    out: list[float | None] = []
    for k in range(len(m)):
        keep = [j for j in range(len(m)) if j != k]
        if len(keep) < 3:
            out.append(None)
            continue
        sub = score_site(m[keep], [coords[j] for j in keep], coords[k], beta)
        out.append(sub["m_new"])
    return out
