"""Summary sentences, number formatting, chart specs, PNG rendering and the result cache."""

from __future__ import annotations

import datetime as dt

from app.charts import chart_spec, render_png
from app.engine.cache import MemoryCache, cache_key
from app.summary import Col, fmt, summarise
from guardrails.principal import ANALYST, Principal


def test_formatting() -> None:
    assert fmt(1234.5, "money") == "$1,234.50"
    assert fmt(1234, "integer") == "1,234"
    assert fmt(12.345, "percent") == "12.3%"
    assert fmt(217.9, "seconds") == "217.9 s (3.6 min)"
    assert fmt(dt.date(2026, 2, 3), "date") == "Feb 3, 2026"
    assert fmt(None, "money") == "n/a"


def test_scalar_summary_states_the_figure_and_scope() -> None:
    text = summarise([Col("orders", "metric", "integer", "orders")], [[612]], scope="8th & Broadway",
                     period="yesterday")
    assert text == "orders: 612 (8th & Broadway, yesterday)."


def test_comparison_summary_gives_the_change() -> None:
    cols = [Col("period", "label", "text"), Col("revenue", "metric", "money", "revenue")]
    text = summarise(cols, [["this week", 110.0], ["last week", 100.0]])
    assert "$110.00" in text and "$100.00" in text and "10.0% higher" in text


def test_growth_summary() -> None:
    cols = [Col("growth_pct", "growth", "percent"), Col("revenue", "metric", "money", "revenue"),
            Col("revenue_previous", "metric", "money", "revenue")]
    assert "down 5.0%" in summarise(cols, [[-5.0, 95.0, 100.0]])


def test_ranking_summary_names_the_leader_and_its_share() -> None:
    cols = [Col("store", "dimension", "text", "store"), Col("revenue", "metric", "money", "revenue")]
    text = summarise(cols, [["A", 60.0], ["B", 30.0], ["C", 10.0]])
    assert "A leads with $60.00 (60.0% of the $100.00 shown)" in text and "lowest: C" in text


def test_empty_results_say_so() -> None:
    assert summarise([Col("orders", "metric", "integer")], [[None]], period="today").startswith("No matching data")


def test_chart_kinds() -> None:
    trend = chart_spec([Col("day", "dimension", "date"), Col("revenue", "metric", "money")],
                       [[dt.date(2026, 2, 1), 1.0], [dt.date(2026, 2, 2), 2.0]])
    assert trend is not None and trend["mark"]["type"] == "line" and trend["encoding"]["x"]["type"] == "temporal"
    assert trend["data"]["values"][0] == {"day": "2026-02-01", "revenue": 1.0}
    bars = chart_spec([Col("store", "dimension", "text"), Col("orders", "metric", "integer")], [["A", 1], ["B", 2]])
    assert bars is not None and bars["mark"] == "bar"
    assert chart_spec([Col("orders", "metric", "integer")], [[5]]) is None
    png = render_png(bars)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_cache_key_ignores_spelling_but_not_scope() -> None:
    a = cache_key("select count(*) from t", "fp", "duckdb", ANALYST)
    b = cache_key("SELECT  COUNT(*)\nFROM t", "fp", "duckdb", ANALYST)
    c = cache_key("SELECT COUNT(*) FROM t", "fp", "duckdb", Principal(role="store_manager", shops=(1,)))
    d = cache_key("SELECT COUNT(*) FROM t", "other-data", "duckdb", ANALYST)
    assert a == b and len({a, c, d}) == 3


def test_lru_evicts_the_oldest() -> None:
    cache = MemoryCache(size=2)
    for k in "abc":
        cache.put(k, {"v": k})
    assert cache.get("a") is None and cache.get("c") == {"v": "c"}
