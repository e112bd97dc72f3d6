"""build_context: most relevant first, inside the token budget, never half a key set or code list."""

from __future__ import annotations

import pytest

from schema_catalog import load_catalog
from schema_catalog.context import build_context, column_line, count_tokens, table_blocks
from schema_catalog.documents import IndexDoc

CAT = load_catalog()
ORDER = "luckyus_sales_order.t_order"
ITEM = "luckyus_sales_order.t_order_item"
SHOP = "luckyus_opshop.t_shop_info"


def _doc(kind: str, table: str, column: str | None = None) -> IndexDoc:
    return IndexDoc(id=f"{kind}:{table}.{column}", kind=kind, text="x", tables=(table,),  # type: ignore[arg-type]
                    column=column)


def test_counting_uses_the_offline_cl100k_encoding() -> None:
    from schema_catalog.context import _encoding

    # cl100k_base ids of "hello world", read from the packaged file (the online name would download)
    assert _encoding().encode("hello world") == [15339, 1917]
    assert count_tokens("SELECT COUNT(*) FROM t_order") == len(_encoding().encode("SELECT COUNT(*) FROM t_order"))


def test_order_and_whole_tables_when_budget_is_large() -> None:
    text = build_context([_doc("column", ITEM, "spu_name"), _doc("table", ORDER), SHOP], 20_000)
    assert text.index(f"## {ITEM},") < text.index(f"## {ORDER},") < text.index(f"## {SHOP},")
    for col in CAT.table(ORDER).columns:
        assert f"- {col.name} " in text
    assert count_tokens(text) <= 20_000


@pytest.mark.parametrize("budget", [60, 120, 200, 350, 600, 900, 1500, 3000])
def test_budget_is_respected_and_blocks_are_whole(budget: int) -> None:
    items = [_doc("codes", ORDER, "status"), _doc("column", ITEM, "pay_money"), _doc("table", SHOP),
             _doc("table", "luckyus_sales_payment.t_trade"), "luckyus_sales_payment.t_pay_channel"]
    text = build_context(items, budget)
    assert count_tokens(text) <= budget
    for block in filter(None, text.split("\n\n")):
        name = block.splitlines()[0].removeprefix("## ").split(",")[0]
        t = CAT.table(name)
        lines = block.splitlines()[2:]
        present = [ln.split()[1] for ln in lines]
        # every key column is there whenever the table is
        assert set(t.key_columns()) <= set(present), (budget, name)
        # every present column line is complete: all its codes, exactly as rendered on its own
        for ln in lines:
            col = t.column(ln.split()[1])
            assert ln == column_line(t, col)
            if col.codes:
                assert all(f"{k}={v}" in ln for k, v in col.codes.items())


def test_shrinks_a_table_before_dropping_it() -> None:
    full, mid, core = table_blocks(CAT.table(ORDER), {"pay_money"})
    assert count_tokens(full) > count_tokens(mid) > count_tokens(core)
    text = build_context([_doc("column", ORDER, "pay_money")], count_tokens(mid) + 2)
    assert text == mid
    assert "- pay_money " in text and "- status " in text  # relevant + coded columns survive
    text = build_context([_doc("column", ORDER, "pay_money")], count_tokens(core) + 2)
    assert text == core and "- status " not in text and "- pay_money " in text


def test_too_small_budget_gives_nothing_rather_than_a_fragment() -> None:
    assert build_context([_doc("table", ORDER)], 10) == ""


def test_later_smaller_blocks_still_fill_the_budget() -> None:
    # Even t_order's smallest block is too big for the budget, the small config table is not: it gets in.
    small_table = "luckyus_iunifiedreconcile.t_reconcile_config"
    small = count_tokens(table_blocks(CAT.table(small_table), set())[0])
    order_core = table_blocks(CAT.table(ORDER), set())[-1]
    assert count_tokens(order_core) > small + 4
    text = build_context([ORDER, small_table], small + 4)
    assert text.startswith(f"## {small_table},") and f"## {ORDER}," not in text


def test_examples_render_with_their_sql() -> None:
    ex = IndexDoc(id="example:x:1", kind="example", text="Question: Orders yesterday?", tables=(ORDER,),
                  source="x", sql="SELECT COUNT(*) FROM luckyus_sales_order.t_order")
    text = build_context([ex], 5000)
    assert text.startswith("## Example\nQ: Orders yesterday?\nSQL: SELECT COUNT(*)")
    assert f"## {ORDER}," in text and f"## {SHOP}," not in text


def test_search_result_puts_ranked_tables_first_then_examples() -> None:
    from schema_catalog.index import Hit, SearchResult

    ex = IndexDoc(id="example:x:1", kind="example", text="Question: fees?", tables=(ORDER,), source="x",
                  sql="SELECT 1 FROM luckyus_sales_order.t_order\n")
    hits = [Hit(ex, 0.05, 1, 1), Hit(_doc("column", "luckyus_sales_payment.t_channel_fee", "total_fee"), 0.04, 2, 2)]
    result = SearchResult("fees?", hits, [("luckyus_sales_payment.t_channel_fee", 0.04), (SHOP, 0.03)], 1.0)
    text = build_context(result, 20_000)
    blocks = text.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        "## luckyus_sales_payment.t_channel_fee, ~502,000 rows", "## luckyus_opshop.t_shop_info, ~517 rows",
        "## Example"]
    assert blocks[-1].endswith("SQL: SELECT 1 FROM luckyus_sales_order.t_order")
    # under pressure the matched column survives the shrinking of its table
    fee_core = table_blocks(CAT.table("luckyus_sales_payment.t_channel_fee"), {"total_fee"})[-1]
    small = build_context(result, count_tokens(fee_core) + 1)
    assert small == fee_core and "- total_fee " in small
