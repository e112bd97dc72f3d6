"""Database health: exact counts, id headroom, growth against a stored snapshot, MySQL server metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import guardrails
from app.executor import Executor
from tests.tools_i.helpers import rows, sql
from tools import t01_db_health
from tools.base import ToolContext, ToolOutput
from tools.registry import get


@pytest.fixture()
def state(tmp_path: Path) -> str:
    """A fresh state database for the snapshots (SQLite here; MariaDB in tests/tools_ii/test_tool_state.py)."""
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def _ctx(ex: Executor, state_url: str) -> ToolContext:
    return ToolContext(executor=ex, target=ex.settings.target, today=ex.settings.today,
                       cache={"state_url": state_url})


def _run(ex: Executor, state_url: str, **params: Any) -> ToolOutput:
    return get("db_health").run(_ctx(ex, state_url), params)


def test_counts_sizes_and_empty_databases(duck: Executor, state: str) -> None:
    out = _run(duck, state, save_snapshot=False)
    tables = {r["table"]: r for r in rows(out, "tables")}
    for name in ("luckyus_sales_order.t_order", "luckyus_iot_platform.t_device", "luckyus_fi_tax.t_tax_invoice"):
        assert tables[name]["rows"] == sql(duck, f"SELECT COUNT(*) FROM {name}")[0][0]
    assert tables["luckyus_sales_order.t_order"]["max_id"] == sql(duck, "SELECT MAX(id) FROM "
                                                                        "luckyus_sales_order.t_order")[0][0]
    assert tables["luckyus_sales_order.t_order"]["bytes"] > 0 and out.headline["engine"].startswith("duckdb")
    empty = {f.keys["database"] for f in out.findings_of("database_empty")}
    assert empty == {"luckyus_fi_tax", "luckyus_isalesmembermarketing"}
    assert not out.findings_of("id_headroom_low") and not out.findings_of("table_growth")


def test_growth_is_measured_against_the_week_old_snapshot(duck: Executor, state: str) -> None:
    first = _run(duck, state, database="luckyus_sales_order")
    counts = {r["table"]: r["rows"] for r in rows(first, "tables")}
    ctx = _ctx(duck, state)
    assert [s["rows"] for s in t01_db_health.load_snapshots(ctx)] == [counts]
    assert first.headline["snapshots_kept"] == 1 and "snapshot_note" not in first.headline
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    week_old = {k: v // 2 for k, v in counts.items()}  # everything doubled since a week ago ...
    week_old["luckyus_sales_order.t_order_item"] = counts["luckyus_sales_order.t_order_item"]  # ... but this
    yesterday = dict(counts)  # a newer snapshot that must not be the baseline for week-over-week growth
    assert t01_db_health.save_snapshot(ctx, week_old, now - dt.timedelta(days=8)) is None  # stored after today's
    assert t01_db_health.save_snapshot(ctx, yesterday, now - dt.timedelta(days=1)) is None
    out = _run(duck, state, database="luckyus_sales_order", save_snapshot=False)
    grown = {f.keys["table"]: f.keys["growth_pct"] for f in out.findings_of("table_growth")}
    assert "luckyus_sales_order.t_order" in grown and "luckyus_sales_order.t_order_item" not in grown
    assert grown["luckyus_sales_order.t_order"] == pytest.approx(
        100 * (counts["luckyus_sales_order.t_order"] - week_old["luckyus_sales_order.t_order"])
        / week_old["luckyus_sales_order.t_order"], abs=0.01)
    assert out.headline["snapshot_age_days"] == pytest.approx(8, abs=0.1)
    assert out.headline["snapshots_kept"] == 3


def test_snapshots_keep_the_newest_120_per_target(duck: Executor, state: str) -> None:
    duck_ctx, other = _ctx(duck, state), _ctx(duck, state)
    other.target = "mysql"
    start = dt.datetime(2026, 1, 1)
    assert t01_db_health.save_snapshot(other, {"t": -1}, start) is None
    for i in reversed(range(125)):  # newest first: the kept ones are chosen by time, not by insertion order
        assert t01_db_health.save_snapshot(duck_ctx, {"t": i}, start + dt.timedelta(hours=i)) is None
    kept = t01_db_health.load_snapshots(duck_ctx)
    assert len(kept) == t01_db_health.SNAPSHOTS_KEPT == 120
    assert [s["rows"]["t"] for s in kept] == list(range(5, 125))  # oldest first, the five oldest dropped
    assert [s["rows"] for s in t01_db_health.load_snapshots(other)] == [{"t": -1}]  # other targets untouched
    full = _run(duck, state, database="luckyus_sales_order")
    assert full.headline["snapshots_kept"] == 120 and len(t01_db_health.load_snapshots(duck_ctx)) == 120


def test_snapshot_outage_is_reported_not_raised(duck: Executor, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    broken = f"sqlite:///{tmp_path / 'file' / 'state.sqlite'}"  # its folder is a file: cannot be created
    out = _run(duck, broken, database="luckyus_sales_order")
    assert out.headline["snapshot_note"].startswith("The snapshot was not saved")
    assert out.headline["snapshots_kept"] == 0 and out.headline["snapshot_age_days"] is None
    assert out.headline["tables"] == 4


def test_metadata_path_is_closed(duck: Executor) -> None:
    ctx = ToolContext(executor=duck)
    with pytest.raises(KeyError):
        t01_db_health.metadata(ctx, "SELECT * FROM information_schema.TABLES")
    with pytest.raises(Exception, match="for mysql"):
        t01_db_health.metadata(ctx, "mysql_processlist")
    # the ordinary path keeps refusing metadata to every principal, the tools' system principal included
    assert not guardrails.check("SELECT * FROM information_schema.TABLES", guardrails.SYSTEM, "mysql").allowed


def test_unknown_database_is_refused(duck: Executor, state: str) -> None:
    from tools.common import ToolInputError

    with pytest.raises(ToolInputError):
        _run(duck, state, database="luckyus_nope", save_snapshot=False)


@pytest.mark.mysql
def test_mariadb_server_metrics_and_same_counts(duck: Executor, maria: Executor, state: str) -> None:
    m = _run(maria, state, save_snapshot=False)
    d = _run(duck, state, save_snapshot=False)
    assert m.headline["engine"].startswith("mysql") and m.headline["max_connections"] > 0
    assert m.headline["connections"] >= 1 and m.headline["connections_pct"] is not None
    assert rows(m, "sessions"), "the processlist shows at least this session"
    key = ("table", "rows", "max_id", "id_type", "id_used_pct")
    assert sorted(tuple(r[k] for k in key) for r in rows(m, "tables")) == \
        sorted(tuple(r[k] for k in key) for r in rows(d, "tables"))
    assert all(r["bytes"] is not None for r in rows(m, "tables"))
