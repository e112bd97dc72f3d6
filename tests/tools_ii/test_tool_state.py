"""The tools' state (anomaly acknowledgements, db_health snapshots) lives in the shared state database.

Replicas keep nothing on their own disk: what one replica acknowledges or snapshots, another sees,
on SQLite (one file, several workers) and on MariaDB (the state server of a multi-host deployment).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.executor import Executor
from app.settings import Settings
from tools import anomaly_store, t01_db_health
from tools.base import ToolContext, ToolOutput
from tools.registry import get

SCAN: dict[str, Any] = {"since": "2025-07-01", "until": "2026-02-13", "areas": "payments"}


def _replica(base: Settings, data_dir: Path, state_url: str) -> Executor:
    """A replica: its own copy of the dataset, the shared state URL in its settings (no test override)."""
    data_dir.mkdir()
    for name in ("lucky.duckdb", "dataset.json", "manifest.json"):
        shutil.copy(Path(base.data_dir) / name, data_dir / name)
    return Executor(base.model_copy(update={"target": "duckdb", "data_dir": data_dir, "state_url": state_url,
                                            "state_dir": data_dir / "var"}))


def _tool(ex: Executor, name: str, **params: Any) -> ToolOutput:
    return get(name).run(ToolContext(executor=ex, target=ex.settings.target, today=ex.settings.today), params)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mysql)])
def test_two_replicas_see_the_same_acknowledgements_and_snapshots(
        backend: str, small_settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}" if backend == "sqlite" else request.getfixturevalue("mysql_state")
    a = _replica(small_settings, tmp_path / "replica-a", url)
    b = _replica(small_settings, tmp_path / "replica-b", url)
    try:
        scan = _tool(a, "anomalies", **SCAN)
        assert scan.findings, "the planted refund spike gives at least one anomaly to acknowledge"
        aid = scan.findings[0].keys["anomaly_id"]
        ack = _tool(b, "anomalies", action="ack", id=aid, note="seen on replica b")  # b never scanned
        assert ack.headline == {"id": aid, "status": "acknowledged"}
        again = next(f for f in _tool(a, "anomalies", **SCAN).findings if f.keys["anomaly_id"] == aid)
        assert again.title.endswith("[acknowledged]")
        stored = {r["id"]: r for r in anomaly_store.listing(ToolContext(executor=a))}
        assert (stored[aid]["status"], stored[aid]["note"]) == ("acknowledged", "seen on replica b")
        _tool(a, "anomalies", action="dismiss", id=aid, note="expected")
        metric, scope = stored[aid]["metric"], stored[aid]["scope"]
        assert anomaly_store.dismissals(ToolContext(executor=b)) == {(metric, scope): 1}

        first = _tool(a, "db_health", database="luckyus_sales_order")
        second = _tool(b, "db_health", database="luckyus_sales_order")
        assert first.headline["snapshot_age_days"] is None and first.headline["snapshots_kept"] == 1
        assert second.headline["snapshot_age_days"] is not None, "b measured growth against a's snapshot"
        assert second.headline["snapshots_kept"] == 2
        assert len(t01_db_health.load_snapshots(ToolContext(executor=a))) == 2
        for replica in ("replica-a", "replica-b"):  # nothing written beside the data or in a local state dir
            assert sorted(p.name for p in (tmp_path / replica).iterdir()) == \
                ["dataset.json", "lucky.duckdb", "manifest.json"]
    finally:
        a.dispose()
        b.dispose()


@pytest.mark.mysql
def test_anomaly_state_and_snapshots_on_mariadb(mysql_state: str, duck: Executor) -> None:
    ctx = ToolContext(executor=duck, target="duckdb", today=duck.settings.today, cache={"state_url": mysql_state})
    a = {"id": "an_a1", "area": "orders", "metric": "store_orders", "scope": "8th & Broadway", "date": "2026-01-08",
         "title": "Orders at 8th & Broadway dropped", "severity": "warning"}
    b = {**a, "id": "an_a2", "date": "2026-01-09"}
    assert {k: v["status"] for k, v in anomaly_store.record(ctx, [a, b]).items()} == {"an_a1": "open",
                                                                                       "an_a2": "open"}
    row = anomaly_store.set_status(ctx, "an_a1", "dismissed", "promoción — expected", "ops")
    assert row is not None and row["note"] == "promoción — expected"
    assert anomaly_store.set_status(ctx, "an_a1", "dismissed", "promoción — expected", "ops") is not None
    assert anomaly_store.set_status(ctx, "an_never", "acknowledged", "", "ops") is None
    rescan = anomaly_store.record(ctx, [{**a, "title": "a rescan's title"}, b])  # insert-or-ignore keeps the first
    assert (rescan["an_a1"]["status"], rescan["an_a1"]["title"]) == ("dismissed", a["title"])
    anomaly_store.set_status(ctx, "an_a2", "dismissed", "", "ops")
    assert anomaly_store.dismissals(ctx) == {("store_orders", "8th & Broadway"): 2}
    assert [r["id"] for r in anomaly_store.listing(ctx, "dismissed")] == ["an_a2", "an_a1"]

    out = get("db_health").run(ctx, {"database": "luckyus_sales_order"})
    counts = _rows(out)
    assert [s["rows"] for s in t01_db_health.load_snapshots(ctx)] == [counts]
    taken = t01_db_health.load_snapshots(ctx)[0]["taken_at"]
    for i in range(125):
        assert t01_db_health.save_snapshot(ctx, {"t": i}, _at(taken, -(i + 1))) is None
    kept = t01_db_health.load_snapshots(ctx)
    assert len(kept) == 120 and kept[-1]["rows"] == counts  # the newest (the tool's own) stays, the oldest go
    assert [s["rows"]["t"] for s in kept[:-1]] == list(range(118, -1, -1))
    with sa.create_engine(mysql_state).connect() as conn:  # really in MariaDB, in this database
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM tool_health_snapshots").scalar() == 120
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM tool_anomalies").scalar() == 2


def _rows(out: ToolOutput) -> dict[str, int]:
    t = next(t for t in out.tables if t.name == "tables")
    i, n = t.columns.index("table"), t.columns.index("rows")
    return {r[i]: r[n] for r in t.rows}


def _at(iso: str, hours: int) -> dt.datetime:
    return dt.datetime.fromisoformat(iso) + dt.timedelta(hours=hours)
