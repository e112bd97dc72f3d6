"""The one-to-three sentence summary of a result, written from the rows without an LLM.

It states the figure (with its unit), the comparison when there is one, and the notable thing
(the leader of a ranking, the peak of a trend, the change between two periods). Formatting of
money, counts, percentages and seconds lives here too, so every surface prints numbers alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Number = int | float | Decimal


@dataclass(frozen=True)
class Col:
    """What the summariser needs to know about a column."""

    name: str
    role: str  # dimension | key | label | metric | share | growth
    format: str  # money | integer | decimal | percent | seconds | text | date | number
    label: str = ""


def fmt(value: Any, kind: str) -> str:
    """A value for people: $1,234.56, 1,234, 12.3%, 217.9 s (3.6 min), Feb 3, 2026."""
    if value is None:
        return "n/a"
    if isinstance(value, dt.datetime):
        return f"{value:%b %-d, %Y}" if value.time() == dt.time(0) else f"{value:%b %-d, %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%b %-d, %Y}"
    if not isinstance(value, int | float | Decimal):
        return str(value)
    v = float(value)
    if kind == "money":
        return f"-${abs(v):,.2f}" if v < 0 else f"${v:,.2f}"
    if kind == "integer":
        return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"
    if kind == "percent":
        return f"{v:,.1f}%"
    if kind == "seconds":
        return f"{v:,.1f} s ({v / 60:.1f} min)" if v >= 60 else f"{v:,.1f} s"
    if v == int(v) and abs(v) < 1e15:
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _num(value: Any) -> float | None:
    """``value`` as a float, or None when it is not a number (NULL, a masked code such as ``u_3f9a1c2b``):
    the summary must describe what it can and never turn an answer into an exception."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _pct_change(new: Any, old: Any) -> float | None:
    n, o = _num(new), _num(old)
    if n is None or o is None or o == 0:
        return None
    return (n - o) / abs(o) * 100


def _signed(p: float) -> str:
    return f"{'+' if p >= 0 else ''}{p:.1f}%"


def summarise(columns: list[Col], rows: list[list[Any]], *, scope: str = "", period: str = "") -> str:
    """1-3 sentences about ``rows``: the figure, the comparison, the notable change.

    A value the summariser cannot read (text where a number was expected) must never turn an answer
    into an error, so any such failure falls back to a plain count of the rows."""
    try:
        return _summarise(columns, rows, scope=scope, period=period)
    except (ValueError, TypeError, ArithmeticError, IndexError, StopIteration):
        where = ", ".join(x for x in (scope, period) if x)
        return f"{len(rows)} row{'s' if len(rows) != 1 else ''} returned{f' ({where})' if where else ''}."


def _summarise(columns: list[Col], rows: list[list[Any]], *, scope: str = "", period: str = "") -> str:
    metrics = [i for i, c in enumerate(columns) if c.role == "metric"]
    labels = [i for i, c in enumerate(columns) if c.role in ("dimension", "label")]
    where = ", ".join(x for x in (scope, period) if x)
    suffix = f" ({where})" if where else ""
    if not rows or all(all(r[i] is None for i in metrics) for r in rows):
        return f"No matching data{suffix}: nothing was recorded for that selection."
    if any(c.role == "share" for c in columns) and not labels:
        return _share(columns, rows[0], suffix)
    if any(c.role == "growth" for c in columns) and not labels:
        return _growth(columns, rows[0], suffix)
    if not labels:
        parts = [f"{columns[i].label or columns[i].name}: {fmt(rows[0][i], columns[i].format)}" for i in metrics]
        return f"{'; '.join(parts)}{suffix}."
    return _table(columns, rows, metrics, labels, suffix)


def _share(columns: list[Col], row: list[Any], suffix: str) -> str:
    share_i = next(i for i, c in enumerate(columns) if c.role == "share")
    parts = [i for i, c in enumerate(columns) if c.role == "metric"]
    text = f"{fmt(row[share_i], 'percent')} of the total{suffix}"
    if len(parts) >= 2:
        p, t = parts[0], parts[1]
        text += f": {fmt(row[p], columns[p].format)} out of {fmt(row[t], columns[t].format)}"
    return text + "."


def _growth(columns: list[Col], row: list[Any], suffix: str) -> str:
    g = next(i for i, c in enumerate(columns) if c.role == "growth")
    ms = [i for i, c in enumerate(columns) if c.role == "metric"]
    cur, prev = ms[0], ms[1] if len(ms) > 1 else ms[0]
    label = columns[cur].label or columns[cur].name
    change = _num(row[g])
    if change is None:
        return (f"{label.capitalize()} was {fmt(row[cur], columns[cur].format)} against "
                f"{fmt(row[prev], columns[prev].format)} the period before{suffix}.")
    direction = "up" if change >= 0 else "down"
    return (f"{label.capitalize()} was {fmt(row[cur], columns[cur].format)} against "
            f"{fmt(row[prev], columns[prev].format)} the period before: {direction} "
            f"{fmt(abs(change), 'percent')}{suffix}.")


def _table(columns: list[Col], rows: list[list[Any]], metrics: list[int], labels: list[int], suffix: str) -> str:
    m = metrics[0]
    mc = columns[m]
    lab = labels[0]
    name = mc.label or mc.name
    values = [(r[lab], r[m]) for r in rows if _num(r[m]) is not None]
    if not values:
        shown = sum(1 for r in rows if r[m] is not None)
        return f"{shown} rows of {name}{suffix}." if shown else f"No matching data{suffix}."
    is_time = columns[lab].name in ("day", "week", "month", "hour", "quarter", "period") or \
        columns[lab].format == "date"
    if is_time and len(values) >= 2 and columns[lab].role == "dimension":
        first, last = values[0], values[-1]
        peak = max(values, key=lambda x: _num(x[1]) or 0.0)
        text = (f"{name.capitalize()} by {columns[lab].name}{suffix}: from {fmt(first[1], mc.format)} "
                f"({fmt(first[0], 'text' if not isinstance(first[0], dt.date) else 'date')}) to "
                f"{fmt(last[1], mc.format)} ({fmt(last[0], 'text')})")
        change = _pct_change(last[1], first[1])
        if change is not None:
            text += f", {_signed(change)}"
        return text + f". The peak was {fmt(peak[1], mc.format)} ({fmt(peak[0], 'text')})."
    if len(values) == 2:
        (a, va), (b, vb) = values
        change = _pct_change(va, vb)
        diff = ""
        if change is not None:
            diff = (f"; {fmt(a, 'text')} is {abs(change):.1f}% {'higher' if change >= 0 else 'lower'} than "
                    f"{fmt(b, 'text')}")
        return (f"{name.capitalize()}{suffix}: {fmt(a, 'text')} {fmt(va, mc.format)} vs {fmt(b, 'text')} "
                f"{fmt(vb, mc.format)}{diff}.")
    top = max(values, key=lambda x: _num(x[1]) or 0.0)
    low = min(values, key=lambda x: _num(x[1]) or 0.0)
    total = sum(_num(v) or 0.0 for _, v in values)
    text = f"{len(values)} rows of {name}{suffix}."
    if mc.format in ("money", "integer") and total:
        text += (f" {fmt(top[0], 'text')} leads with {fmt(top[1], mc.format)} "
                 f"({(_num(top[1]) or 0.0) / total * 100:.1f}% of the {fmt(total, mc.format)} shown)")
    else:
        text += f" Highest: {fmt(top[0], 'text')} at {fmt(top[1], mc.format)}"
    if low is not top:
        text += f"; lowest: {fmt(low[0], 'text')} at {fmt(low[1], mc.format)}"
    return text + "."
