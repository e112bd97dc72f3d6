"""Date and time expressions resolved against a fixed today (Saturday 2026-02-14)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.engine.offline.dates import find_dates, previous_period
from app.engine.offline.text import tokenise

TODAY = dt.date(2026, 2, 14)
D = dt.date


def one(text: str) -> tuple[D | None, D]:
    hits = [h for h in find_dates(tokenise(text), TODAY) if h.period is not None]
    assert len(hits) == 1, (text, hits)
    p = hits[0].period
    assert p is not None
    return p.start, p.end


@pytest.mark.parametrize(("text", "start", "end"), [
    ("orders yesterday", D(2026, 2, 13), D(2026, 2, 13)),
    ("orders today", D(2026, 2, 14), D(2026, 2, 14)),
    ("revenue this week", D(2026, 2, 9), D(2026, 2, 14)),
    ("revenue last week", D(2026, 2, 2), D(2026, 2, 8)),
    ("this month", D(2026, 2, 1), D(2026, 2, 14)),
    ("last month", D(2026, 1, 1), D(2026, 1, 31)),
    ("in January", D(2026, 1, 1), D(2026, 1, 31)),
    ("in december", D(2025, 12, 1), D(2025, 12, 31)),
    ("since Christmas", D(2025, 12, 25), D(2026, 2, 14)),
    ("Q4 2025", D(2025, 10, 1), D(2025, 12, 31)),
    ("the fourth quarter of 2025", D(2025, 10, 1), D(2025, 12, 31)),
    ("the last 7 days", D(2026, 2, 7), D(2026, 2, 13)),
    ("on Feb 3", D(2026, 2, 3), D(2026, 2, 3)),
    ("on the 3rd of february", D(2026, 2, 3), D(2026, 2, 3)),
    ("on Friday Feb 13", D(2026, 2, 13), D(2026, 2, 13)),
    ("YTD", D(2026, 1, 1), D(2026, 2, 14)),
    ("2026-02-03", D(2026, 2, 3), D(2026, 2, 3)),
    ("between Feb 2 and Feb 8, 2026", D(2026, 2, 2), D(2026, 2, 8)),
    ("from december 28 to january 3", D(2025, 12, 28), D(2026, 1, 3)),
    ("the week of Jan 26", D(2026, 1, 26), D(2026, 2, 1)),
    ("on thanksgiving", D(2025, 11, 27), D(2025, 11, 27)),
    ("last friday", D(2026, 2, 13), D(2026, 2, 13)),
    ("2 weeks ago", D(2026, 1, 26), D(2026, 2, 1)),
    ("last weekend", D(2026, 2, 7), D(2026, 2, 8)),
    ("feb to date", D(2026, 2, 1), D(2026, 2, 14)),
])
def test_periods(text: str, start: D, end: D) -> None:
    assert one(text) == (start, end)


def test_yesterday_follows_the_reference_date() -> None:
    hits = find_dates(tokenise("yesterday"), D(2025, 3, 1))
    assert hits[0].period is not None and hits[0].period.start == D(2025, 2, 28)


def test_hours_and_weekday_filters() -> None:
    hits = find_dates(tokenise("orders before 10am on mondays"), TODAY)
    assert [(h.kind, h.hours, h.weekday) for h in hits] == [("hours", (0, 10), None), ("weekday", None, 0)]
    assert find_dates(tokenise("between 7 and 9 am"), TODAY)[0].hours == (7, 9)
    assert find_dates(tokenise("after 5pm"), TODAY)[0].hours == (17, 24)
    assert find_dates(tokenise("earlier than 10:00"), TODAY)[0].hours == (0, 10)


def test_words_that_are_not_dates() -> None:
    assert find_dates(tokenise("may I see revenue by store"), TODAY) == []
    assert [h.kind for h in find_dates(tokenise("sales last period"), TODAY)] == ["ambiguous"]


def test_previous_period_of_a_partial_month_uses_the_same_days() -> None:
    this_month = one("this month")
    from app.engine.intent import Period

    prev = previous_period(Period(start=this_month[0], end=this_month[1], label="this month", grain="month"))
    assert (prev.start, prev.end) == (D(2026, 1, 1), D(2026, 1, 14))
