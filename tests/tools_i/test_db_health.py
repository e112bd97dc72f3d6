"""Database health: exact counts, id headroom, growth against a local snapshot, MySQL server metadata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import guardrails
from app.executor import Executor
from tests.tools_i.helpers import rows, run, sql
from tools import t01_db_health
from tools.base import ToolContext


@pytest.fixture()
def snapdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(t01_db_health, "snapshot_dir", lambda ctx: tmp_path)
    return tmp_path


def test_counts_sizes_and_empty_databases(duck: Executor, snapdir: Path) -> None:
    out = run(duck, "db_health", save_snapshot=False)
    tables = {r["table"]: r for r in rows(out, "tables")}
    for name in ("luckyus_sales_order.t_order", "luckyus_iot_platform.t_device", "luckyus_fi_tax.t_tax_invoice"):
        assert tables[name]["rows"] == sql(duck, f"SELECT COUNT(*) FROM {name}")[0][0]
    assert tables["luckyus_sales_order.t_order"]["max_id"] == sql(duck, "SELECT MAX(id) FROM "
                                                                        "luckyus_sales_order.t_order")[0][0]
    assert tables["luckyus_sales_order.t_order"]["bytes"] > 0 and out.headline["engine"].startswith("duckdb")
    empty = {f.keys["database"] for f in out.findings_of("database_empty")}
    assert empty == {"luckyus_fi_tax", "luckyus_isalesmembermarketing"}
    assert not out.findings_of("id_headroom_low") and not out.findings_of("table_growth")


def test_growth_is_measured_against_the_week_old_snapshot(duck: Executor, snapdir: Path) -> None:
    first = run(duck, "db_health", database="luckyus_sales_order")
    counts = {r["table"]: r["rows"] for r in rows(first, "tables")}
    assert json.loads((snapdir / "snapshots-duckdb.json").read_text())[-1]["rows"] == counts
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    week_old = {k: v // 2 for k, v in counts.items()}  # everything doubled since a week ago ...
    week_old["luckyus_sales_order.t_order_item"] = counts["luckyus_sales_order.t_order_item"]  # ... but this
    yesterday = dict(counts)  # a newer snapshot that must not be the baseline for week-over-week growth
    (snapdir / "snapshots-duckdb.json").write_text(json.dumps([
        {"taken_at": (now - dt.timedelta(days=8)).isoformat(timespec="seconds"), "rows": week_old},
        {"taken_at": (now - dt.timedelta(days=1)).isoformat(timespec="seconds"), "rows": yesterday}]))
    out = run(duck, "db_health", database="luckyus_sales_order", save_snapshot=False)
    grown = {f.keys["table"]: f.keys["growth_pct"] for f in out.findings_of("table_growth")}
    assert "luckyus_sales_order.t_order" in grown and "luckyus_sales_order.t_order_item" not in grown
    assert grown["luckyus_sales_order.t_order"] == pytest.approx(
        100 * (counts["luckyus_sales_order.t_order"] - week_old["luckyus_sales_order.t_order"])
        / week_old["luckyus_sales_order.t_order"], abs=0.01)
    assert out.headline["snapshot_age_days"] == pytest.approx(8, abs=0.1)


def test_metadata_path_is_closed(duck: Executor) -> None:
    ctx = ToolContext(executor=duck)
    with pytest.raises(KeyError):
        t01_db_health.metadata(ctx, "SELECT * FROM information_schema.TABLES")
    with pytest.raises(Exception, match="for mysql"):
        t01_db_health.metadata(ctx, "mysql_processlist")
    # the ordinary path keeps refusing metadata to every principal, the tools' system principal included
    assert not guardrails.check("SELECT * FROM information_schema.TABLES", guardrails.SYSTEM, "mysql").allowed


def test_unknown_database_is_refused(duck: Executor) -> None:
    from tools.common import ToolInputError

    with pytest.raises(ToolInputError):
        run(duck, "db_health", database="luckyus_nope", save_snapshot=False)


@pytest.mark.mysql
def test_mariadb_server_metrics_and_same_counts(duck: Executor, maria: Executor, snapdir: Path) -> None:
    m = run(maria, "db_health", save_snapshot=False)
    d = run(duck, "db_health", save_snapshot=False)
    assert m.headline["engine"].startswith("mysql") and m.headline["max_connections"] > 0
    assert m.headline["connections"] >= 1 and m.headline["connections_pct"] is not None
    assert rows(m, "sessions"), "the processlist shows at least this session"
    key = ("table", "rows", "max_id", "id_type", "id_used_pct")
    assert sorted(tuple(r[k] for k in key) for r in rows(m, "tables")) == \
        sorted(tuple(r[k] for k in key) for r in rows(d, "tables"))
    assert all(r["bytes"] is not None for r in rows(m, "tables"))
