"""Entity linking: store, product and payment names as people type them, typos included."""

from __future__ import annotations

import pytest

from app.engine.offline.parser import Parser
from tests.engine.conftest import TODAY


def store_of(parser: Parser, text: str) -> list[str]:
    res = parser.parse(text, TODAY)
    assert res.status == "answer", (text, res.status, res.clarification, res.reason)
    assert res.intent is not None
    return [str(v) for c in res.intent.conditions if c.dimension == "store" for v in c.values]


@pytest.mark.parametrize(("text", "store"), [
    ("orders at 8th and bway yesterday", "8th & Broadway"),
    ("orders at 8th & B'way yesterday", "8th & Broadway"),
    ("fulton revenue last week", "102 Fulton"),
    ("revenue at maiden lane this month", "100 Maiden Ln"),
    ("AOV at 100 maiden ln", "100 Maiden Ln"),
    ("orders at 54th and eighth", "54th & 8th"),
    ("orders at 28th and 6th ave", "28th & 6th"),
    ("revenue at fultn yesterday", "102 Fulton"),
    ("sales at 755 broadway", "8th & Broadway"),
])
def test_store_names(parser: Parser, text: str, store: str) -> None:
    assert store_of(parser, text) == [store]


@pytest.mark.parametrize("text", ["sales at Broadway yesterday", "revenue at 3rd ave last week",
                                  "orders at 8th yesterday"])
def test_ambiguous_store_names_ask(parser: Parser, text: str) -> None:
    res = parser.parse(text, TODAY)
    assert res.status == "clarify"
    assert len(res.options) >= 2


def test_broadway_lists_both_broadway_stores(parser: Parser) -> None:
    res = parser.parse("orders at Broadway yesterday", TODAY)
    assert set(res.options) == {"8th & Broadway", "37th & Broadway"}


def test_a_named_option_resolves_the_ambiguity(parser: Parser) -> None:
    res = parser.parse("How many orders did Broadway do yesterday? | I meant 37th & Broadway", TODAY)
    assert res.status == "answer" and res.intent is not None
    assert [c.values for c in res.intent.conditions if c.dimension == "store"] == [["37th & Broadway"]]


@pytest.mark.parametrize(("text", "product"), [
    ("how many iced coconut lattes did we sell last week", "Iced Coconut Latte"),
    ("how many iced coconut late did we sell last week", "Iced Coconut Latte"),
    ("iced cocnut latte units sold last week", "Iced Coconut Latte"),
    ("revenue from the latte yesterday", "Latte"),  # "the": the menu item; bare "latte" may mean every latte
])
def test_products(parser: Parser, text: str, product: str) -> None:
    res = parser.parse(text, TODAY)
    assert res.intent is not None, (res.status, res.clarification)
    assert [c.values for c in res.intent.conditions if c.dimension == "product"] == [[product]]


def test_fuzzy_links_lower_the_confidence(parser: Parser) -> None:
    exact = parser.parse("how many iced coconut lattes did we sell last week", TODAY)
    typo = parser.parse("how many iced coconut late did we sell last week", TODAY)
    assert exact.confidence > typo.confidence > 0.6


@pytest.mark.parametrize(("text", "dim", "values"), [
    ("iphone orders yesterday", "channel", [2]),
    ("android revenue last week", "channel", [1]),
    ("delivery orders last month", "order_type", [2]),
    ("apple pay volume last week", "payment_method", [53]),
])
def test_code_values(parser: Parser, text: str, dim: str, values: list[int]) -> None:
    res = parser.parse(text, TODAY)
    assert res.intent is not None
    assert [c.values for c in res.intent.conditions if c.dimension == dim] == [values]
