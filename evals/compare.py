"""Result comparison: does every gold column appear, by values, among the answer's columns?

Used by the scorer (engine result vs gold) and by the gold check (DuckDB vs MariaDB), so both
judge "the same result" by one rule. The rule, also written in ``evals/README.md``:

* Row counts must be equal.
* Each gold column must match some answer column by values: in row order when
  ``order_matters``, as a multiset otherwise. Extra answer columns are ignored, and their names
  never matter (Spider 2.0 style).
* Stricter than a per-column check: the matched columns must also line up *row by row* (the
  projected rows compared as a multiset, or in order), so a store list with the revenues attached
  to the wrong stores is not accepted.
* Cells: NULL equals only NULL. Text compares exactly (after trimming). Dates compare as ISO text
  (a datetime at midnight equals its date, since one engine returns ``DATE - INTERVAL`` as a
  timestamp). Numbers compare within 1e-6 relative (1e-9 absolute), except:
* Money compares to the cent. A column pair is money when either side looks like money: a
  ``Decimal`` with exactly two decimal places (a DECIMAL(p,2) column, a SUM of one, or MySQL's
  ROUND(x, 2)), a column the answer declares as ``money`` in ``column_types``, or a gold column
  whose SQL is ``ROUND(expr, 2)`` (DuckDB returns that as a float). Both values are rounded half-up
  to cents (through their shortest decimal text, so 4.705 as a float is 4.705, not 4.7049999);
  a value lying exactly on a half cent matches either neighbour. More generally a gold column
  written ``ROUND(expr, N)`` is compared at N decimals.
* A numeric value and a text that parses as a number compare as numbers (JSON from the HTTP API
  may carry decimals as strings).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlglot
from sqlglot import exp

REL_TOL = 1e-6
ABS_TOL = 1e-9
MONEY_DIGITS = 2
_MAX_MAPPINGS = 512
_ISO_DT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")

Number = int | float | Decimal
Cell = None | Number | str


@dataclass
class Table:
    """A result to compare. ``money`` / ``digits`` are optional per-column hints."""

    columns: list[str]
    rows: list[list[Any]]
    money: list[bool] = field(default_factory=list)
    digits: list[int | None] = field(default_factory=list)

    def column(self, i: int) -> list[Cell]:
        return [normalize(r[i]) if i < len(r) else None for r in self.rows]

    def is_money(self, i: int) -> bool:
        return i < len(self.money) and self.money[i]

    def digit_hint(self, i: int) -> int | None:
        return self.digits[i] if i < len(self.digits) else None


@dataclass
class Match:
    ok: bool
    why: str = ""
    mapping: dict[str, str] = field(default_factory=dict)  # gold column -> answer column


# ---------------------------------------------------------------------- cells
def normalize(value: Any) -> Cell:
    """One cell as None, a number, or text (dates as ISO text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    if _ISO_DT.match(text):
        text = text.replace("T", " ")
        if text.endswith((" 00:00:00", " 00:00")):
            text = text[:10]
    return text


def as_number(cell: Cell) -> Number | None:
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int | float | Decimal):
        return cell
    try:
        return Decimal(cell.replace(",", "").lstrip("$"))
    except InvalidOperation:
        return None


def _dec(x: Number) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def rounded(x: Number, digits: int) -> set[Decimal]:
    """``x`` rounded half-up to ``digits``; both neighbours when it lies exactly on the half."""
    d = _dec(x)
    q = Decimal(1).scaleb(-digits)
    up = d.quantize(q, rounding=ROUND_HALF_UP)
    down = d.quantize(q, rounding=ROUND_HALF_DOWN)
    return {up, down}


def numbers_equal(a: Number, b: Number, digits: int | None) -> bool:
    if digits is not None:
        return bool(rounded(a, digits) & rounded(b, digits))
    fa, fb = float(a), float(b)
    return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def cells_equal(a: Cell, b: Cell, digits: int | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    na, nb = as_number(a), as_number(b)
    if na is None or nb is None:
        return False
    return numbers_equal(na, nb, digits)


# -------------------------------------------------------------------- columns
def looks_like_money(cells: Sequence[Cell]) -> bool:
    """A Decimal column with exactly two decimal places (DECIMAL(p,2), SUM of it, MySQL ROUND(x,2))."""
    return any(isinstance(c, Decimal) and c.as_tuple().exponent == -MONEY_DIGITS for c in cells)


def _is_numeric(cells: Sequence[Cell]) -> bool:
    vals = [c for c in cells if c is not None]
    return bool(vals) and all(as_number(c) is not None for c in vals)


def _sort_key(cell: Cell, digits: int | None) -> tuple[int, Any]:
    if cell is None:
        return (0, 0)
    n = as_number(cell) if not isinstance(cell, str) or _looks_numeric_text(cell) else None
    if n is not None:
        if digits is not None:
            return (1, float(min(rounded(n, digits))))
        f = float(n)
        return (1, float(f"{f:.9g}"))
    return (2, str(cell))


def _looks_numeric_text(text: str) -> bool:
    return as_number(text) is not None


def _vectors_equal(g: list[Cell], a: list[Cell], digits: int | None, ordered: bool) -> bool:
    if len(g) != len(a):
        return False
    if not ordered:
        g = sorted(g, key=lambda c: _sort_key(c, digits))
        a = sorted(a, key=lambda c: _sort_key(c, digits))
    return all(cells_equal(x, y, digits) for x, y in zip(g, a, strict=True))


def _precision(gold: Table, gi: int, g_cells: list[Cell], got: Table, ai: int, a_cells: list[Cell]) -> int | None:
    hint = gold.digit_hint(gi)
    if hint is not None:
        return hint
    money = (gold.is_money(gi) or got.is_money(ai) or looks_like_money(g_cells) or looks_like_money(a_cells))
    if money and (_is_numeric(g_cells) or not any(c is not None for c in g_cells)):
        return MONEY_DIGITS
    return None


def _preview(cells: list[Cell], n: int = 3) -> str:
    shown = ", ".join("NULL" if c is None else str(c) for c in cells[:n])
    return f"[{shown}{', ...' if len(cells) > n else ''}]"


# --------------------------------------------------------------------- tables
def compare(gold: Table, got: Table, *, order_matters: bool = False) -> Match:
    """Is every gold column present, by values, in ``got`` with the rows lined up?"""
    if len(gold.rows) != len(got.rows):
        return Match(False, f"row count differs: expected {len(gold.rows)}, got {len(got.rows)}")
    g_cols = [gold.column(i) for i in range(len(gold.columns))]
    a_cols = [got.column(j) for j in range(len(got.columns))]
    candidates: list[list[tuple[int, int | None]]] = []
    for gi, g in enumerate(g_cols):
        found = []
        for ai, a in enumerate(a_cols):
            digits = _precision(gold, gi, g, got, ai, a)
            if _vectors_equal(g, a, digits, order_matters):
                found.append((ai, digits))
        if not found:
            how = "in this order" if order_matters else "as a multiset"
            return Match(False, f"expected column {gold.columns[gi]!r} {_preview(g)} not found {how} among "
                                f"the answer's columns {got.columns}")
        candidates.append(found)
    for combo in itertools.islice(itertools.product(*candidates), _MAX_MAPPINGS):
        if _rows_line_up(g_cols, a_cols, list(combo), order_matters):
            mapping = {gold.columns[gi]: got.columns[ai] for gi, (ai, _) in enumerate(combo)}
            return Match(True, "", mapping)
    return Match(False, "every expected column is present, but the rows do not line up "
                        "(values are attached to the wrong labels)")


def _rows_line_up(g_cols: list[list[Cell]], a_cols: list[list[Cell]], combo: list[tuple[int, int | None]],
                  ordered: bool) -> bool:
    if not g_cols:
        return True
    digits = [d for _, d in combo]
    g_rows = list(zip(*g_cols, strict=True))
    a_rows = list(zip(*(a_cols[ai] for ai, _ in combo), strict=True))
    if not ordered:
        def key(row: tuple[Cell, ...]) -> tuple[tuple[int, Any], ...]:
            return tuple(_sort_key(c, d) for c, d in zip(row, digits, strict=True))
        g_rows.sort(key=key)
        a_rows.sort(key=key)
    return all(cells_equal(x, y, d) for gr, ar in zip(g_rows, a_rows, strict=True)
               for x, y, d in zip(gr, ar, digits, strict=True))


# ----------------------------------------------------------------- gold hints
def round_digits(sql: str, n_columns: int) -> list[int | None]:
    """Per output column of ``sql``: N when the projection is ``ROUND(expr, N)``, else None."""
    try:
        tree = sqlglot.parse_one(sql, read="mysql")
    except sqlglot.errors.ParseError:
        return [None] * n_columns
    while isinstance(tree, exp.SetOperation):
        tree = tree.this
    if not isinstance(tree, exp.Select):
        return [None] * n_columns
    out: list[int | None] = []
    for proj in tree.expressions:
        node = proj.unalias()
        digits = None
        if isinstance(node, exp.Round):
            dec = node.args.get("decimals")
            if isinstance(dec, exp.Literal) and dec.is_int:
                digits = int(dec.name)
            elif dec is None:
                digits = 0
        out.append(digits)
    return out if len(out) == n_columns else [None] * n_columns
