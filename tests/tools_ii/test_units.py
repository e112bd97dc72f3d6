"""Pure parts of the issue-9 tools: statistics, rules and the anomaly state store (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from app.errors import ConnectionFailed
from tools import anomaly_store
from tools.common2 import haversine_km, mask_pii, mask_user, robust_z, two_proportions, utc_bounds
from tools.t04_customer360 import churn_p
from tools.t10_menu import quadrant
from tools.t15_staffing import staff_for
from tools.t16_inventory import _runs
from tools.t21_expansion import cannibalisation, huff, ramp_fit, score_site
from tools.t24_anomalies import anomaly_id, us_holidays

NYC = [(40.7308, -73.9910), (40.7466, -73.9903), (40.7641, -73.9875), (40.7096, -74.0070), (40.7070, -74.0077),
       (40.7528, -73.9874), (40.7540, -74.0010), (40.7343, -73.9871), (40.7190, -73.9940)]


def test_utc_bounds_follow_new_york_dst() -> None:
    assert utc_bounds(dt.date(2026, 1, 10), dt.date(2026, 1, 10)) == (dt.datetime(2026, 1, 10, 5),
                                                                      dt.datetime(2026, 1, 11, 5))
    lo, hi = utc_bounds(dt.date(2025, 7, 1), dt.date(2025, 7, 2))
    assert (lo, hi) == (dt.datetime(2025, 7, 1, 4), dt.datetime(2025, 7, 3, 4))


def test_robust_z_ignores_one_outlier_in_the_history() -> None:
    hist = [100, 102, 98, 101, 99, 5000]
    z, med, _ = robust_z(130, hist)
    assert med == pytest.approx(100.5) and z > 4  # a mean/sd test would call 130 normal
    mean, sd = np.mean(hist), np.std(hist)
    assert abs(130 - mean) / sd < 1


def test_two_proportion_test_matches_the_textbook() -> None:
    z, p = two_proportions(270, 10_000, 330, 10_000)
    assert z == pytest.approx(2.49, abs=0.01) and p == pytest.approx(0.0128, abs=0.001)
    assert two_proportions(0, 0, 1, 10) == (0.0, 1.0)


def test_masking_uses_the_guardrails_keyed_pseudonym() -> None:
    from guardrails.masking import pseudonym

    assert mask_user("U000123") == pseudonym("U000123", "user_id") != mask_user("U000124")
    assert mask_user("U000123").startswith("u_")
    assert mask_pii("+1-212-555-0187", "phone") == "***-***-0187"
    assert mask_pii("jane@example.com", "email") == "j***@example.com"


def test_churn_p_is_the_poisson_lower_tail() -> None:
    assert churn_p(9, 0, 60 / 90) == pytest.approx(np.exp(-6))
    assert churn_p(9, 6, 60 / 90) > 0.5


def test_menu_quadrant_rule() -> None:
    pairs = [(True, True), (True, False), (False, True), (False, False)]
    assert [quadrant(p, m) for p, m in pairs] == ["star", "plow horse", "puzzle", "dog"]


def test_staff_for_rounds_up_and_keeps_minimum() -> None:
    assert staff_for(0, 200, 0.75, 1, trading=False) == 0
    assert staff_for(0, 200, 0.75, 1) == 1  # a trading hour is never left unstaffed
    assert staff_for(1, 200, 0.75, 1) == 1
    assert staff_for(40, 216, 0.75, 1) == 4  # 40 × 216 s = 2.4 h of work / 0.75 = 3.2 -> 4
    assert staff_for(40 * 1.2, 216, 0.75, 1) >= staff_for(40, 216, 0.75, 1)


def test_runs_group_consecutive_days() -> None:
    d = dt.date(2026, 1, 1)
    days = [d, d + dt.timedelta(1), d + dt.timedelta(2), d + dt.timedelta(5)]
    assert [len(r) for r in _runs(days)] == [3, 1]


def test_holiday_calendar() -> None:
    h = us_holidays(2025)
    assert dt.date(2025, 11, 27) in h and dt.date(2025, 11, 28) in h  # Thanksgiving and the day after
    assert dt.date(2025, 9, 1) in h and dt.date(2025, 12, 25) in h and dt.date(2025, 7, 4) in h
    assert dt.date(2025, 9, 29) not in h and dt.date(2025, 12, 5) not in h
    assert dt.date(2026, 1, 19) in us_holidays(2026)  # MLK day
    assert anomaly_id("a", "b", "2026-01-01") == anomaly_id("a", "b", dt.date(2026, 1, 1)) != anomaly_id("a", "c",
                                                                                                           "2026-01-01")


def test_huff_shares_sum_to_one_and_fall_with_distance() -> None:
    dist = np.array([[0.3, 1.0], [1.0, 0.3], [0.5, 5.0]])
    p = huff(np.array([1.0, 1.0, 1.0]), dist, 2.0)
    assert np.allclose(p.sum(axis=0), 1.0)
    assert p[2, 0] > p[2, 1]  # the third store is near site 0, far from site 1


def test_cannibalisation_is_local() -> None:
    m = np.array([5000, 4000, 3000, 3500, 2500, 2000, 1800, 1500, 2200], dtype=float)
    far = cannibalisation(m, NYC, (40.95, -73.40), 3000.0, 2.0)
    near = cannibalisation(m, NYC, NYC[3], 3000.0, 2.0)
    assert far.sum() < 0.01 * m.sum()
    assert int(np.argmax(near / m)) == 3 and near[3] / m[3] > 0.3
    assert (near >= 0).all()


def test_ramp_fit_recovers_ramp_and_levels_net_of_season() -> None:
    a, tau = 0.4, 4.0
    start = {0: 0, 1: 6, 2: 12}
    level = {0: 3000.0, 1: 5000.0, 2: 2000.0}
    weeks = 30
    raw = np.array([0.15 * np.sin(w / 4) for w in range(weeks)])
    season = np.exp(raw - raw.mean())
    series = {k: [level[k] * season[start[k] + age] * (1.6 if age == 0 else 1 - a * np.exp(-age / tau))
                  for age in range(weeks - start[k])] for k in level}
    ramp, mature = ramp_fit(series, start)
    assert ramp.a == pytest.approx(a, abs=0.01) and ramp.tau == pytest.approx(tau, rel=0.03)
    for k, m in level.items():
        assert mature[k] == pytest.approx(m, rel=0.02)
    assert ramp.opening_lift == pytest.approx(1.6, rel=0.02)
    assert ramp.weeks_to_90pct == pytest.approx(tau * np.log(a / 0.1), rel=0.05)


def test_score_is_bounded_and_isolated_sites_score_higher_than_crowded_ones() -> None:
    m = np.array([5000, 4000, 3000, 3500, 2500, 2000, 1800, 1500, 2200], dtype=float)
    crowded = score_site(m, NYC, NYC[0], 2.0)
    open_area = score_site(m, NYC, (40.7790, -73.9550), 2.0)
    for s in (crowded, open_area):
        assert 0 <= s["score"] <= 100 and s["m_low"] <= s["m_new"] <= s["m_high"]
    assert open_area["net"] > crowded["net"]


def _fake_ctx(path: Path) -> Any:
    return SimpleNamespace(state_url=f"sqlite:///{path}", cache={}, executor=None)


def test_anomaly_state_is_kept_per_id(tmp_path: Path) -> None:
    ctx = _fake_ctx(tmp_path / "s.sqlite")
    a = {"id": "an_1", "area": "orders", "metric": "store_orders", "scope": "X", "date": "2026-01-08",
         "title": "drop", "severity": "warning"}
    assert anomaly_store.record(ctx, []) == {}
    assert anomaly_store.record(ctx, [a])["an_1"]["status"] == "open"
    changed = anomaly_store.set_status(ctx, "an_1", "dismissed", "known outage", "ops")
    assert changed is not None and changed["status"] == "dismissed"
    again = anomaly_store.set_status(ctx, "an_1", "dismissed", "known outage", "ops")  # same values: still found
    assert again is not None and (again["note"], again["actor"]) == ("known outage", "ops")
    assert anomaly_store.record(ctx, [a])["an_1"]["status"] == "dismissed"  # a rescan keeps the decision
    assert anomaly_store.set_status(ctx, "an_unknown", "acknowledged", "", "ops") is None
    b = {**a, "id": "an_2", "date": "2026-01-09"}
    anomaly_store.record(ctx, [b])
    assert [r["id"] for r in anomaly_store.listing(ctx, "open")] == ["an_2"]
    anomaly_store.set_status(ctx, "an_2", "dismissed", "", "ops")
    assert anomaly_store.dismissals(ctx) == {("store_orders", "X"): 2}
    assert [r["id"] for r in anomaly_store.listing(ctx)] == ["an_2", "an_1"]  # newest day first
    with pytest.raises(ValueError):
        anomaly_store.set_status(ctx, "an_1", "deleted", "", "ops")


def test_anomaly_state_outage_is_a_sentence() -> None:
    ctx: Any = SimpleNamespace(state_url="mysql+pymysql://root@127.0.0.1:1/none", cache={}, executor=None)
    with pytest.raises(ConnectionFailed, match="state database did not answer"):
        anomaly_store.listing(ctx)


def test_haversine_known_distance() -> None:
    assert haversine_km(40.7308, -73.9910, 40.7466, -73.9903) == pytest.approx(1.757, abs=0.02)
