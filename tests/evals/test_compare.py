"""The comparator the scorer and the gold check share: hand-made results, each rule once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from evals.compare import Table, cells_equal, compare, normalize, round_digits


def T(columns: list[str], rows: list[list[object]], **kw: object) -> Table:
    return Table(columns, [list(r) for r in rows], **kw)  # type: ignore[arg-type]


GOLD = T(["shop_name", "orders"], [["8th & Broadway", 120], ["102 Fulton", 80], ["221 Grand", 40]])


def test_columns_matched_by_values_not_names_and_extra_columns_allowed() -> None:
    got = T(["store", "n", "share_pct"], [["8th & Broadway", 120, 50.0], ["102 Fulton", 80, 33.3],
                                          ["221 Grand", 40, 16.7]])
    m = compare(GOLD, got)
    assert m.ok, m.why
    assert m.mapping == {"shop_name": "store", "orders": "n"}


def test_missing_gold_column_fails_with_the_column_named() -> None:
    got = T(["store"], [["8th & Broadway"], ["102 Fulton"], ["221 Grand"]])
    m = compare(GOLD, got)
    assert not m.ok
    assert "'orders'" in m.why


def test_unordered_is_multiset_but_rows_must_line_up() -> None:
    shuffled = T(["shop_name", "orders"], [["221 Grand", 40], ["8th & Broadway", 120], ["102 Fulton", 80]])
    assert compare(GOLD, shuffled).ok
    # each column is right as a multiset, but the counts belong to the wrong stores
    swapped = T(["shop_name", "orders"], [["8th & Broadway", 80], ["102 Fulton", 120], ["221 Grand", 40]])
    m = compare(GOLD, swapped)
    assert not m.ok and "line up" in m.why


def test_order_matters_rejects_another_order() -> None:
    shuffled = T(["shop_name", "orders"], [["221 Grand", 40], ["8th & Broadway", 120], ["102 Fulton", 80]])
    assert not compare(GOLD, shuffled, order_matters=True).ok
    assert compare(GOLD, GOLD, order_matters=True).ok


def test_row_count_mismatch() -> None:
    got = T(["shop_name", "orders"], [["8th & Broadway", 120], ["102 Fulton", 80]])
    m = compare(GOLD, got)
    assert not m.ok and "expected 3, got 2" in m.why


def test_multiset_counts_duplicates() -> None:
    gold = T(["v"], [[1], [1], [2]])
    assert not compare(gold, T(["v"], [[1], [2], [2]])).ok
    assert compare(gold, T(["v"], [[2], [1], [1]])).ok


def test_numbers_relative_tolerance() -> None:
    gold = T(["x"], [[1234567.0]])
    assert compare(gold, T(["x"], [[1234567.0 * (1 + 5e-7)]])).ok
    assert not compare(gold, T(["x"], [[1234567.0 * (1 + 5e-6)]])).ok
    assert compare(T(["x"], [[0]]), T(["x"], [[0.0]])).ok


def test_money_decimal_scale_two_rounds_to_cents() -> None:
    gold = T(["revenue"], [[Decimal("612844.31")]])
    assert compare(gold, T(["rev"], [[612844.3149]])).ok  # float from an engine, same cents
    assert not compare(gold, T(["rev"], [[612844.32]])).ok  # one cent off
    assert not compare(gold, T(["rev"], [[612844.3151]])).ok  # rounds to .32


def test_money_declared_by_answer_column_type() -> None:
    gold = T(["aov"], [[4.712345]])  # float average, not detectable as money by itself
    plain = T(["aov"], [[4.71]])
    assert not compare(gold, plain).ok  # 1e-6 relative: 4.71 is not 4.712345
    assert compare(gold, T(["aov"], [[4.71]], money=[True])).ok


def test_round_digits_from_gold_sql_and_half_cent_ties() -> None:
    sql = "SELECT shop_name, ROUND(SUM(pay_money) / COUNT(*), 2) AS aov, ROUND(100 * x, 1) AS pct FROM t"
    assert round_digits(sql, 3) == [None, 2, 1]
    assert round_digits(sql, 2) == [None, None]  # misaligned with the result: no hints
    gold = T(["aov"], [[4.71]], digits=[2])
    assert compare(gold, T(["a"], [[4.7123]])).ok
    assert compare(gold, T(["a"], [[4.705]])).ok  # exactly half a cent: either neighbour
    assert compare(gold, T(["a"], [[4.7149]])).ok
    assert not compare(gold, T(["a"], [[4.7151]])).ok  # 4.72
    assert not compare(gold, T(["a"], [[4.7049]])).ok  # 4.70


def test_nulls_equal_only_nulls() -> None:
    gold = T(["k", "v"], [["a", None], ["b", 2]])
    assert compare(gold, T(["k", "v"], [["b", 2], ["a", None]])).ok
    assert not compare(gold, T(["k", "v"], [["a", 0], ["b", 2]])).ok
    assert not cells_equal(None, "", None)


def test_dates_and_text_numbers_from_json() -> None:
    gold = T(["day", "rev"], [[dt.date(2026, 2, 13), Decimal("10.50")]])
    got = T(["d", "r"], [["2026-02-13T00:00:00", "10.50"]])
    assert compare(gold, got).ok
    assert normalize(dt.datetime(2026, 2, 9)) == "2026-02-09"
    assert normalize(dt.datetime(2026, 2, 9, 7, 30)) == "2026-02-09 07:30:00"
    assert not compare(gold, T(["d", "r"], [["2026-02-14", "10.50"]])).ok


def test_empty_results_match_only_empty() -> None:
    empty = T(["orders"], [])
    assert compare(empty, T(["n"], [])).ok
    assert not compare(empty, T(["n"], [[0]])).ok


def test_text_is_exact() -> None:
    assert not compare(T(["s"], [["iOS"]]), T(["s"], [["ios"]])).ok


@pytest.mark.parametrize("value", [1, 1.0, Decimal("1.000")])
def test_integer_like_numbers_agree(value: object) -> None:
    assert compare(T(["n"], [[1]]), T(["n"], [[value]])).ok
