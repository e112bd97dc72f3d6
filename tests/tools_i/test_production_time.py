"""Production time: the planted outliers exactly, nearest-rank percentiles against raw durations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "production_time", period="all", by="store")


def test_outliers_are_the_planted_ones(out, small_data: Path) -> None:
    fact = manifest(small_data)["production_outlier"]
    got = {f.keys["production_id"]: f.keys["seconds"] for f in out.findings_of("production_outlier")}
    assert got == {f["production_id"]: f["seconds"] for f in fact["facts"]}
    assert out.headline["max_outlier_s"] == fact["max_s"]


def test_percentiles_are_nearest_rank_of_raw_seconds(out, duck: Executor) -> None:
    raw: dict[str, list[int]] = {}
    for name, secs in sql(duck, """
        SELECT s.shop_name, CAST(epoch(p.done_time) - epoch(p.accept_time) AS BIGINT)
        FROM luckyus_opproduction.t_production p JOIN luckyus_opshop.t_shop_info s ON s.id = p.shop_id
        WHERE p.accept_time IS NOT NULL AND p.done_time > p.accept_time AND s.test_flag = 0"""):
        if secs <= 1800:
            raw.setdefault(name, []).append(int(secs))
    for r in rows(out, "by_store"):
        xs = sorted(raw[r["store"]])
        assert r["productions"] == len(xs)
        assert r["p50_s"] == xs[math.ceil(0.5 * len(xs)) - 1]
        assert r["p95_s"] == xs[math.ceil(0.95 * len(xs)) - 1]
        assert r["avg_s"] == pytest.approx(sum(xs) / len(xs), abs=0.05)


def test_breakdowns_cover_the_same_productions(duck: Executor) -> None:
    by_hour = run(duck, "production_time", period="last 30 days", by="hour")
    by_day = run(duck, "production_time", period="last 30 days", by="weekday")
    assert sum(r["productions"] for r in rows(by_hour, "by_hour")) == \
        sum(r["productions"] for r in rows(by_day, "by_weekday")) == by_hour.headline["productions"]
    assert {r["weekday"] for r in rows(by_day, "by_weekday")} <= {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}


def test_bottleneck_rule_unit() -> None:
    from tools.t12_production_time import bottlenecks

    overall = {"A": {"n": 1000, "p50_s": 200}}
    hours = [{"k": "A", "k2": 8, "n": 200, "p50_s": 260, "p95_s": 400},   # +30 %, busy: bottleneck
             {"k": "A", "k2": 9, "n": 200, "p50_s": 220, "p95_s": 300},   # +10 %: no
             {"k": "A", "k2": 21, "n": 5, "p50_s": 400, "p95_s": 500}]    # slow but quiet: no
    assert [b["hour"] for b in bottlenecks(hours, overall, 20, 3, 30)] == [8]


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    for by in ("product", "machine_type"):
        assert comparable(run(duck, "production_time", period="all", by=by)) == \
            comparable(run(maria, "production_time", period="all", by=by))
