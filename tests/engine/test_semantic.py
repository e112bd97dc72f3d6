"""The semantic model loads, is checked against the physical schema, and feeds the catalog index."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from schema_catalog.semantic import SEMANTIC_PATH, SemanticError, load_semantic_model, semantic_documents


def test_model_covers_the_asked_for_metrics_and_dimensions() -> None:
    m = load_semantic_model()
    for mid in ("orders", "revenue", "aov", "items_sold", "production_time", "production_p50", "production_p95",
                "payment_volume", "fees", "fee_rate", "tax_collected", "coupon_redemptions", "coupon_discount",
                "new_users", "customers", "devices_online", "devices_offline", "stock_on_hand", "days_of_supply",
                "forecast_error"):
        assert mid in m.metrics, mid
    for did in ("store", "store_number", "neighbourhood", "product", "category", "channel", "order_type",
                "payment_method", "hour", "day", "weekday", "week", "month", "user"):
        assert did in m.dimensions, did
    assert "sales" in m.metrics["revenue"].synonyms and "takings" in m.metrics["revenue"].synonyms
    assert "iphone" in m.values["channel"][2]
    assert [f.id for f in m.sources["orders"].filters] == ["completed", "usd", "no_test_shops"]


def _broken(tmp_path: Path, edit: str, replacement: str) -> Path:
    text = SEMANTIC_PATH.read_text().replace(edit, replacement, 1)
    assert text != SEMANTIC_PATH.read_text()
    path = tmp_path / "semantic.yaml"
    path.write_text(text)
    return path


def test_a_missing_column_fails_the_load(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'orders: "ROUND(SUM(o.pay_money), 2)"', 'orders: "ROUND(SUM(o.paid_money), 2)"')
    with pytest.raises(SemanticError, match="paid_money"):
        load_semantic_model(path)


def test_an_unknown_alias_fails_the_load(tmp_path: Path) -> None:
    path = _broken(tmp_path, "items: \"oi.spu_name LIKE 'Iced %'\"", "items: \"x.spu_name LIKE 'Iced %'\"")
    with pytest.raises(SemanticError, match="unknown alias"):
        load_semantic_model(path)


def test_a_metric_on_an_unknown_source_fails(tmp_path: Path) -> None:
    raw = yaml.safe_load(SEMANTIC_PATH.read_text())
    raw["metrics"]["orders"]["sql"]["nowhere"] = "COUNT(*)"
    path = tmp_path / "semantic.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SemanticError, match="unknown source"):
        load_semantic_model(path)


def test_documents_are_flat_for_chroma() -> None:
    docs = semantic_documents()
    ids = [d[0] for d in docs]
    assert len(ids) == len(set(ids))
    assert "metric:revenue" in ids and "dimension:store" in ids and "segment:iced" in ids
    for _id, text, meta in docs:
        assert text and all(isinstance(v, str | int) for v in meta.values())
    revenue = dict((d[0], d) for d in docs)["metric:revenue"]
    assert "SUM(o.pay_money)" in revenue[1] and "luckyus_sales_order.t_order" in str(revenue[2]["tables"])
