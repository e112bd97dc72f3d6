"""Briefing, expansion and anomaly detection: planted anomalies found, nothing else claimed, state kept."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import poisson

from app.executor import Executor
from tests.tools_ii.conftest import Runner
from tests.tools_ii.helpers import planted, rows, run, scalar
from tools.common import ToolInputError

FILTER = ("o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN "
          "(SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")
NY = "CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')"
FULL: dict[str, Any] = {"since": "2025-07-01", "until": "2026-02-13", "min_severity": "warning"}


# ----------------------------------------------------------------------------- anomalies
def _detectable(fact: dict[str, Any]) -> bool:
    """Whether a planted order-volume day can be told from noise at this scale (Poisson, p < 1e-4)."""
    med = fact.get("median_same_weekday") or fact.get("median_same_weekday_8w") or 0
    if fact["kind"] == "spike":
        return float(poisson.sf(fact["orders"] - 1, med)) < 1e-4
    return float(poisson.cdf(fact["orders"], med)) < 1e-4


def test_planted_anomalous_days_are_found(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("anomalies", **FULL)
    days = planted(facts, "anomalous_day")
    checked = 0
    for fact in days:
        if not _detectable(fact):
            continue
        metric = "anomaly_chain_orders" if "shop_id" not in fact else "anomaly_store_orders"
        hits = [f for f in out.findings_of(metric) if f.keys["date"] == fact["business_date"]]
        assert hits, f"planted {fact['kind']} on {fact['business_date']} not found"
        if "shop_id" in fact:
            assert hits[0].keys["shop_id"] == fact["shop_id"]
        checked += 1
    assert checked >= 1
    (spike,) = planted(facts, "refund_spike")
    refunds = out.findings_of("anomaly_refunds")
    assert [(f.keys["date"], f.keys["shop_id"]) for f in refunds] == [(spike["business_date"], spike["shop_id"])]


def test_no_order_or_payment_anomaly_that_was_not_planted(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("anomalies", **FULL)
    planted_days = {f["business_date"] for f in planted(facts, "anomalous_day")}
    for kind in ("anomaly_chain_orders", "anomaly_store_orders", "anomaly_hourly_orders", "anomaly_fee_rate"):
        stray = [f.title for f in out.findings_of(kind) if f.keys["date"] not in planted_days]
        assert not stray, stray
    inv = {(f.keys["shop_id"], f.keys["goods_code"], f.keys["date"]) for f in out.findings_of("anomaly_consumption")}
    assert inv == {(p["shop_id"], p["goods_code"], p["biz_date"]) for p in planted(facts, "consumption_anomaly")}


def test_impossible_production_times_cover_the_planted_outliers(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("anomalies", since="2025-07-01", until="2026-02-13", min_severity="info", areas="production")
    found = {(f.keys["shop_id"], p) for f in out.findings_of("anomaly_impossible_production_time")
             for p in f.keys["production_nos"]}
    outliers = planted(facts, "production_outlier")
    assert len(found) == len(outliers) and {s for s, _ in found} == {o["shop_id"] for o in outliers}


def test_acknowledge_dismiss_and_feedback(duck: Executor, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    scan = run(duck, "anomalies", state=state, **FULL)
    first = scan.findings[0]
    aid = first.keys["anomaly_id"]
    assert run(duck, "anomalies", state=state, action="ack", id=aid, note="looked").headline["status"] == \
        "acknowledged"
    assert "[acknowledged]" in next(f.title for f in run(duck, "anomalies", state=state, **FULL).findings
                                    if f.keys["anomaly_id"] == aid)
    run(duck, "anomalies", state=state, action="dismiss", id=aid, note="known")
    again = run(duck, "anomalies", state=state, **FULL)
    assert aid not in {f.keys["anomaly_id"] for f in again.findings}
    shown = run(duck, "anomalies", state=state, include_dismissed=True, **FULL)
    assert aid in {f.keys["anomaly_id"] for f in shown.findings}
    with pytest.raises(ToolInputError):
        run(duck, "anomalies", state=state, action="dismiss", id="an_0000000000")
    stored = rows(run(duck, "anomalies", state=state, action="list"), "stored_anomalies")
    assert {r["id"]: r["status"] for r in stored}[aid] == "dismissed"


# ----------------------------------------------------------------------------- briefing
def test_briefing_figures_text_and_slack_blocks(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("briefing", date="2026-02-13")
    rev, n = duck.run(f"""SELECT SUM(o.pay_money), COUNT(*) FROM luckyus_sales_order.t_order o WHERE {FILTER}
        AND o.create_time >= '2026-02-13 05:00:00' AND o.create_time < '2026-02-14 05:00:00'""").rows[0]
    last = scalar(duck, f"""SELECT SUM(o.pay_money) FROM luckyus_sales_order.t_order o WHERE {FILTER}
        AND o.create_time >= '2026-02-06 05:00:00' AND o.create_time < '2026-02-07 05:00:00'""")
    h = out.headline
    assert h["revenue"] == pytest.approx(float(rev), abs=0.005) and h["orders"] == n
    assert h["vs_last_week"] == pytest.approx(float(rev) / float(last) - 1, abs=1e-9)
    md = out.documents["markdown"]
    for section in ("## 1. Revenue & orders", "## 2. Operational health", "## 3. Customers",
                    "## 4. Alerts & exceptions", "## 5. 7-day outlook"):
        assert section in md
    assert f"${float(rev):,.2f}" in md or f"${float(rev):,.0f}" in md
    blocks = out.documents["slack_blocks"]
    json.dumps(blocks)
    assert blocks[0]["type"] == "header" and all(len(b["text"]["text"]) <= 3000 for b in blocks
                                                  if b["type"] == "section" and "text" in b)


def test_briefing_on_planted_days_raises_the_alert(duck_tool: Runner, facts: dict[str, Any]) -> None:
    (spike,) = planted(facts, "refund_spike")
    out = duck_tool("briefing", date=spike["business_date"])
    assert any(f.kind == "anomaly_refunds" and f.keys["shop_id"] == spike["shop_id"] for f in out.findings)
    assert "Refund spike" in out.documents["markdown"]
    day = next(f for f in planted(facts, "anomalous_day") if f["kind"] == "spike")
    out = duck_tool("briefing", date=day["business_date"])
    assert any(f.kind == "briefing_alert" and f.keys["scope"] == "chain" for f in out.findings)


# ----------------------------------------------------------------------------- expansion
def test_expansion_scores_180_varick_with_an_interval(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("expansion")
    h = out.headline
    assert h["site"] == "180 Varick" and 0 <= h["score_low"] <= h["score_high"] <= 100 and 0 <= h["score"] <= 100
    assert h["predicted_low"] <= h["predicted_weekly_revenue"] <= h["predicted_high"]
    assert h["net_weekly_revenue"] == pytest.approx(h["predicted_weekly_revenue"] - h["cannibalised_weekly_revenue"],
                                                    abs=0.02)
    store = next(r for r in rows(out, "stores") if r["store"] == "8th & Broadway")
    first = dt.date.fromisoformat(store["opened"])
    lo = first + dt.timedelta(days=7 * (store["weeks"] - 4))
    hi = first + dt.timedelta(days=7 * store["weeks"])
    rev = scalar(duck, f"""SELECT SUM(o.pay_money) FROM luckyus_sales_order.t_order o
        JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id WHERE {FILTER} AND s.shop_name = '8th & Broadway'
        AND DATE({NY}) >= '{lo}' AND DATE({NY}) < '{hi}'""")
    assert store["last_4_weeks_avg"] == pytest.approx(float(rev) / 4, abs=0.01)


def test_gravity_cannibalisation_is_local(duck_tool: Runner, duck: Executor) -> None:
    lat, lon = duck.run("SELECT location_latitude, location_longitude FROM luckyus_opshop.t_shop_info "
                        "WHERE shop_name = '221 Grand'").rows[0]
    near = duck_tool("expansion", lat=float(lat), lon=float(lon), bootstrap=50)
    worst = max(rows(near, "stores"), key=lambda r: r["loss_share"])
    assert worst["store"] == "221 Grand" and worst["loss_share"] > 0.2
    far = duck_tool("expansion", lat=40.95, lon=-73.40, bootstrap=50)
    assert far.headline["cannibalised_weekly_revenue"] < 0.01 * far.headline["predicted_weekly_revenue"]
    with pytest.raises(ToolInputError):
        duck_tool("expansion", site="Nowhere St")
