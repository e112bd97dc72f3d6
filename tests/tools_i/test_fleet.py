"""Fleet: the planted outages exactly (device and time), the degraded machine at a scale where it is visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.executor import Executor
from tests.tools_i.helpers import comparable, manifest, rows, run, sql
from tools.t14_fleet import degraded_test


@pytest.fixture(scope="module")
def out(duck: Executor):
    return run(duck, "fleet")


def test_planted_outages_found_with_their_time(out, small_data: Path) -> None:
    facts = manifest(small_data)["device_offline"]["facts"]
    got = {f.keys["device_no"]: f.keys["offline_at"] for f in out.findings_of("device_went_offline")}
    assert got == {f["device_no"]: f["offline_at"] for f in facts}
    for f in facts:
        last_cup = next(x.keys["last_cup"] for x in out.findings_of("device_went_offline")
                        if x.keys["device_no"] == f["device_no"])
        assert last_cup == f["last_cup_time"]
    assert all(f.severity == "critical" for f in out.findings_of("device_went_offline"))


def test_no_degraded_machine_that_was_not_planted(out, small_data: Path) -> None:
    planted = manifest(small_data)["device_degraded"]["facts"]
    flagged = {f.keys["device_no"] for f in out.findings_of("device_degraded")}
    assert flagged <= {f["device_no"] for f in planted}
    if planted[0]["drop_pct"] and planted[0]["drop_pct"] > 20:  # visible at this scale by the manifest's measure
        assert flagged == {planted[0]["device_no"]}


def test_fleet_summary_equals_sql(out, duck: Executor) -> None:
    total, offline = sql(duck, "SELECT COUNT(*), SUM(CASE WHEN online_status = 0 THEN 1 ELSE 0 END) "
                               "FROM luckyus_iot_platform.t_device")[0]
    assert out.headline["devices"] == total and out.headline["offline"] == offline
    assert out.headline["offline_pct"] == round(100 * offline / total, 1)
    by_type = {r["machine_type"]: r for r in rows(out, "by_machine_type")}
    assert len(by_type) == 14 and sum(r["devices"] for r in by_type.values()) == total
    blenders = by_type["Blender"]
    assert blenders["offline"] == sql(duck, "SELECT COUNT(*) FROM luckyus_iot_platform.t_device WHERE "
                                            "machine_type = 'Blender' AND online_status = 0")[0][0]


def test_degraded_rule_unit() -> None:
    assert degraded_test(50, 100.0, 20, 0.01) is not None      # half the cups, plenty of volume
    assert degraded_test(5, 10.0, 20, 0.01) is None            # half the cups, but too few to tell
    assert degraded_test(85, 100.0, 20, 0.01) is None          # 15 % drop: below the 20 % rule
    assert degraded_test(0, None, 20, 0.01) is None            # no baseline


@pytest.mark.slow
def test_planted_degradation_found_at_mid_scale(mid_duck: Executor, mid_data: Path) -> None:
    out = run(mid_duck, "fleet")
    planted = manifest(mid_data)["device_degraded"]["facts"]
    assert {f.keys["device_no"] for f in out.findings_of("device_degraded")} == {planted[0]["device_no"]}
    assert {f.keys["device_no"] for f in out.findings_of("device_went_offline")} == \
        {f["device_no"] for f in manifest(mid_data)["device_offline"]["facts"]}


@pytest.mark.mysql
def test_same_result_on_mariadb(duck: Executor, maria: Executor) -> None:
    assert comparable(run(duck, "fleet", shop="28th & 6th")) == comparable(run(maria, "fleet", shop="28th & 6th"))
    assert comparable(run(duck, "fleet")) == comparable(run(maria, "fleet"))
