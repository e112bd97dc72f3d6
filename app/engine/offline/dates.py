"""Date and time expressions in a question, resolved against a reference ``today``.

A small grammar of regular expressions over the normalised tokens ("last week", "since
Christmas", "Q4 2025", "on Feb 3", "the last 7 days", "between 7 and 9 am", "on Mondays"), each
resolved with ``dateutil`` arithmetic into a ``Period`` of local business days. Conventions
(notes/SEMANTICS.md): weeks start on Monday; "this week/month/year" run to today; "the last N
days" are the N whole days before today ("including today": the N days ending today); a month or
weekday without a year is the most recent one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from dateutil.easter import easter
from dateutil.relativedelta import MO, TH, relativedelta

from app.engine.intent import Grain, Period

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30,
           "fifteen": 15, "twenty": 20, "ninety": 90, "couple": 2, "couple of": 2, "few": 3}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "last": 4}

_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>20\d\d)"
_NUM = r"(?P<n>\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>day|days|week|weeks|month|months|quarter|quarters|year|years)"
_WD = r"(?P<wd>" + "|".join(WEEKDAYS) + r")"

HitKind = Literal["period", "hours", "weekday", "all_time", "previous", "ambiguous", "since_open"]


@dataclass
class DateHit:
    """One date or time expression found in the tokens: span [start, end) and its meaning."""

    start: int
    end: int
    kind: HitKind
    period: Period | None = None
    hours: tuple[int, int] | None = None
    weekday: int | None = None  # 0 = Monday
    text: str = ""
    options: list[str] = field(default_factory=list)
    parts: list[Period] = field(default_factory=list)  # a range's two ends ("from December to January")
    shift: relativedelta | None = None  # "the same day last week": compare with the period moved back
    back: str | None = None  # "the previous week", "the month before": in a follow-up, the unit before its period


class DateError(ValueError):
    """A date expression that names no real day ("Feb 30")."""


# ---------------------------------------------------------------------- period helpers
def week_start(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def month_period(year: int, month: int, label: str | None = None) -> Period:
    start = dt.date(year, month, 1)
    end = start + relativedelta(months=1) - dt.timedelta(days=1)
    return Period(start=start, end=end, label=label or f"{start:%B %Y}", grain="month")


def quarter_period(year: int, q: int, label: str | None = None) -> Period:
    start = dt.date(year, 3 * q - 2, 1)
    end = start + relativedelta(months=3) - dt.timedelta(days=1)
    return Period(start=start, end=end, label=label or f"Q{q} {year}", grain="quarter")


def year_period(year: int, label: str | None = None) -> Period:
    return Period(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), label=label or str(year), grain="year")


def day_period(d: dt.date, label: str | None = None) -> Period:
    return Period(start=d, end=d, label=label or f"{d:%a %b %-d, %Y}", grain="day")


def week_period(monday: dt.date, label: str, end: dt.date | None = None) -> Period:
    return Period(start=monday, end=end or monday + dt.timedelta(days=6), label=label, grain="week")


def recent_month(month: int, today: dt.date) -> int:
    """The year of the most recent ``month`` that has started by ``today``."""
    return today.year if month <= today.month else today.year - 1


def recent_day(month: int, day: int, today: dt.date) -> dt.date:
    try:
        d = dt.date(today.year, month, day)
    except ValueError as err:
        raise DateError(f"there is no {day} {dt.date(2000, month, 1):%B}") from err
    return d if d <= today else d.replace(year=today.year - 1)


def previous_period(p: Period) -> Period:
    """The period of the same length just before ``p`` (a calendar unit for calendar grains)."""
    if p.start is None:
        raise DateError("an open-ended period has no previous period")
    if p.grain == "month" and p.start.day == 1:
        s = p.start - relativedelta(months=1)
        full_end = s + relativedelta(months=1) - dt.timedelta(days=1)
        partial = p.end < p.start + relativedelta(months=1) - dt.timedelta(days=1)
        end = min(full_end, s + (p.end - p.start)) if partial else full_end
        return Period(start=s, end=end, label=f"{s:%B %Y}" + (" (same days)" if partial else ""),
                      grain="month")
    if p.grain == "quarter":
        s = p.start - relativedelta(months=3)
        return Period(start=s, end=s + relativedelta(months=3) - dt.timedelta(days=1),
                      label=f"Q{(s.month - 1) // 3 + 1} {s.year}", grain="quarter")
    if p.grain == "year":
        s = p.start - relativedelta(years=1)
        return Period(start=s, end=p.end - relativedelta(years=1), label=str(s.year), grain="year")
    n = (p.end - p.start).days + 1
    s = p.start - dt.timedelta(days=n)
    label = {"day": f"{s:%b %-d, %Y}", "week": "the week before"}.get(p.grain, f"the {n} days before")
    return Period(start=s, end=p.end - dt.timedelta(days=n), label=label, grain=p.grain)


def unit_before(p: Period, unit: str | None) -> Period:
    """The whole calendar ``unit`` just before the one ``p`` starts in ("the week before" last week is the
    Monday-to-Sunday week before it); with no unit, the period of the same length just before ``p``."""
    if p.start is None:
        raise DateError("an open-ended period has nothing before it")
    s = p.start
    if unit == "day":
        return day_period(s - dt.timedelta(days=1))
    if unit == "week":
        monday = week_start(s) - dt.timedelta(days=7)
        return week_period(monday, f"the week of {monday:%b %-d, %Y}")
    if unit == "month":
        first = s.replace(day=1) - relativedelta(months=1)
        return month_period(first.year, first.month)
    if unit == "quarter":
        first = dt.date(s.year, 3 * ((s.month - 1) // 3) + 1, 1) - relativedelta(months=3)
        return quarter_period(first.year, (first.month - 1) // 3 + 1)
    if unit == "year":
        return year_period(s.year - 1)
    return previous_period(p)


def same_period_last_year(p: Period) -> Period:
    if p.start is None:
        raise DateError("an open-ended period has no previous year")
    return Period(start=p.start - relativedelta(years=1), end=p.end - relativedelta(years=1),
                  label=f"{p.label} last year", grain=p.grain)


def holidays(year: int) -> dict[str, dt.date]:
    """US retail holidays of ``year`` (the ones people name when asking about sales)."""
    thanksgiving = dt.date(year, 11, 1) + relativedelta(weekday=TH(4))
    return {
        "christmas eve": dt.date(year, 12, 24), "christmas day": dt.date(year, 12, 25),
        "christmas": dt.date(year, 12, 25), "boxing day": dt.date(year, 12, 26),
        "new years eve": dt.date(year, 12, 31), "new years day": dt.date(year, 1, 1),
        "new years": dt.date(year, 1, 1), "new year": dt.date(year, 1, 1),
        "thanksgiving": thanksgiving, "black friday": thanksgiving + dt.timedelta(days=1),
        "cyber monday": thanksgiving + dt.timedelta(days=4),
        "valentines day": dt.date(year, 2, 14), "valentines": dt.date(year, 2, 14),
        "halloween": dt.date(year, 10, 31), "independence day": dt.date(year, 7, 4),
        "july 4th": dt.date(year, 7, 4), "4th of july": dt.date(year, 7, 4), "fourth of july": dt.date(year, 7, 4),
        "labor day": dt.date(year, 9, 1) + relativedelta(weekday=MO(1)),
        "memorial day": dt.date(year, 5, 31) + relativedelta(weekday=MO(-1)),
        "mlk day": dt.date(year, 1, 1) + relativedelta(weekday=MO(3)),
        "martin luther king day": dt.date(year, 1, 1) + relativedelta(weekday=MO(3)),
        "presidents day": dt.date(year, 2, 1) + relativedelta(weekday=MO(3)),
        "easter": easter(year),
    }


def recent_holiday(name: str, today: dt.date) -> dt.date:
    d = holidays(today.year)[name]
    return d if d <= today else holidays(today.year - 1)[name]


_HOLIDAY = r"(?P<hol>" + "|".join(sorted(holidays(2025), key=len, reverse=True)) + r")"


# ---------------------------------------------------------------------- point grammar
def _num(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


_MONS = "|".join(sorted(MONTHS, key=len, reverse=True))
_POINT = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<us>\d{1,2}/\d{1,2}(?:/\d{2,4})?)"
    r"|(?:(?:the )?" + _HOLIDAY + r"(?: (?P<hyear>20\d\d))?)"
    r"|(?:(?:" + "|".join(WEEKDAYS) + r") )?(?:(?P<mon>" + _MONS + r") (?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
    r"(?: (?P<year>20\d\d))?)"
    r"|(?:(?:" + "|".join(WEEKDAYS) + r") )?(?:(?:the )?(?P<day2>[0-3]?\d)(?:st|nd|rd|th)? (?:of )?(?P<mon2>"
    + _MONS + r")(?: (?P<year2>20\d\d))?)"
    r"|(?:(?:q(?P<q>[1-4])|(?:the )?(?P<qo>first|second|third|fourth|1st|2nd|3rd|4th) quarter)"
    r"(?: (?:of )?(?P<qyear>20\d\d))?)"
    r"|(?:(?:(?P<rel>last|this) )?(?P<mon3>" + _MONS + r")(?: (?P<year3>20\d\d))?)"
    r"|(?:(?:(?:the )?calendar (?:year )?|(?:the )?year )?(?P<year4>20[12]\d))"
    r"|(?P<rel_day>day before yesterday|yesterday|today|tonight)"
    r"|(?:(?:(?P<wrel>this|last|past|previous) )?(?P<wd>" + "|".join(WEEKDAYS) + r"))"
)
_POINT_RE = re.compile(_POINT)


def _point_from(m: re.Match[str], today: dt.date, prefix: str = "") -> Period:
    """The day, month, quarter or year that a ``_POINT`` match (possibly prefixed groups) names."""
    g = {k[len(prefix):]: v for k, v in m.groupdict().items() if v is not None and k.startswith(prefix)}
    try:
        return _point_groups(g, today)
    except ValueError as err:
        raise DateError(str(err)) from err


def _point_groups(g: dict[str, str], today: dt.date) -> Period:
    if "iso" in g:
        return day_period(dt.date.fromisoformat(g["iso"]))
    if "us" in g:
        parts = [int(x) for x in g["us"].split("/")]
        if len(parts) == 3:
            return day_period(dt.date(parts[2] + (2000 if parts[2] < 100 else 0), parts[0], parts[1]))
        return day_period(recent_day(parts[0], parts[1], today))
    if "hol" in g:
        name = g["hol"]
        d = holidays(int(g["hyear"]))[name] if "hyear" in g else recent_holiday(name, today)
        return day_period(d, name.title())
    for mk, dk, yk in (("mon", "day", "year"), ("mon2", "day2", "year2")):
        if mk in g and dk in g:
            month, day = MONTHS[g[mk]], int(g[dk])
            if yk in g:
                return day_period(dt.date(int(g[yk]), month, day))
            return day_period(recent_day(month, day, today))
    if "q" in g or "qo" in g:
        q = int(g["q"]) if "q" in g else ORDINALS[g["qo"]]
        if "qyear" in g:
            return quarter_period(int(g["qyear"]), q)
        year = today.year if dt.date(today.year, 3 * q - 2, 1) <= today else today.year - 1
        return quarter_period(year, q)
    if "mon3" in g:
        month = MONTHS[g["mon3"]]
        if "year3" in g:
            return month_period(int(g["year3"]), month)
        year = recent_month(month, today)
        if g.get("rel") == "last" and year == today.year and month == today.month:
            year -= 1
        return month_period(year, month)
    if "year4" in g:
        return year_period(int(g["year4"]))
    if "rel_day" in g:
        word = g["rel_day"]
        offset = {"today": 0, "tonight": 0, "yesterday": 1, "day before yesterday": 2}[word]
        return day_period(today - dt.timedelta(days=offset), word)
    if "wd" in g:
        target = WEEKDAYS[g["wd"]]
        this_week = week_start(today) + dt.timedelta(days=target)
        if g.get("wrel") == "this":
            d = this_week
        else:
            d = this_week if this_week < today else this_week - dt.timedelta(days=7)
        return day_period(d, WEEKDAY_NAMES[target])
    raise DateError(f"cannot read the date in {g}")


def parse_point(text: str, today: dt.date) -> Period | None:
    """A whole string that is one named day, month, quarter or year; None if it is not one."""
    m = _POINT_RE.fullmatch(text)
    return _point_from(m, today) if m else None


# ---------------------------------------------------------------------- relative periods
def _relative(m: re.Match[str], today: dt.date) -> Period:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    word = g.get("which", "")
    unit = g.get("unit1", "")
    if unit == "week":
        monday = week_start(today)
        if word in ("this", "current"):
            return week_period(monday, "this week", end=today)
        if word in ("last", "previous", "prior"):
            return week_period(monday - dt.timedelta(days=7), "last week")
        if word == "week before last":
            return week_period(monday - dt.timedelta(days=14), "the week before last")
        if word == "next":
            raise DateError("future")
    if unit == "weekend":
        sat = week_start(today) + dt.timedelta(days=5)
        if word in ("last", "previous", "past") or (word in ("this", "") and sat > today):
            sat = sat - dt.timedelta(days=7) if word in ("last", "previous", "past") or sat > today else sat
        label = "last weekend" if word in ("last", "previous", "past") else "this weekend"
        return Period(start=sat, end=sat + dt.timedelta(days=1), label=label, grain="custom")
    if unit == "month":
        first = today.replace(day=1)
        if word in ("this", "current"):
            return Period(start=first, end=today, label="this month", grain="month")
        if word in ("last", "previous", "prior"):
            return month_period((first - relativedelta(months=1)).year, (first - relativedelta(months=1)).month,
                                "last month")
        if word == "month before last":
            s = first - relativedelta(months=2)
            return month_period(s.year, s.month, "the month before last")
    if unit == "quarter":
        q = (today.month - 1) // 3 + 1
        start = dt.date(today.year, 3 * q - 2, 1)
        if word in ("this", "current"):
            return Period(start=start, end=today, label="this quarter", grain="quarter")
        if word in ("last", "previous", "prior"):
            s = start - relativedelta(months=3)
            return quarter_period(s.year, (s.month - 1) // 3 + 1, "last quarter")
    if unit == "year":
        if word in ("this", "current"):
            return Period(start=dt.date(today.year, 1, 1), end=today, label="this year", grain="year")
        if word in ("last", "previous", "prior"):
            return year_period(today.year - 1, "last year")
    raise DateError(f"cannot read {m.group(0)!r}")


def _rolling(m: re.Match[str], today: dt.date) -> Period:
    """'the last N days' are the N whole days before today; 'including today' moves the window to end today
    (still N days long), 'full days' / 'not counting today' only restate the default."""
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    n = _num(g["n"]) if "n" in g else 1
    unit = g["unit"].rstrip("s")
    if "incl" in g:
        today = today + dt.timedelta(days=1)  # the same window, one day later: it ends today
    end = today - dt.timedelta(days=1)
    if unit == "day":
        start = today - dt.timedelta(days=n)
    elif unit == "week":
        start = today - dt.timedelta(days=7 * n)
    elif unit == "month":
        start = today - relativedelta(months=n)
    elif unit == "quarter":
        start = today - relativedelta(months=3 * n)
    else:
        start = today - relativedelta(years=n)
    label = f"the last {n} {unit}s" if n != 1 else f"the past {unit}"
    if "incl" in g:
        label += " including today"
    return Period(start=start, end=end, label=label, grain="custom")


def _ago(m: re.Match[str], today: dt.date) -> Period:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    n = _num(g["n"])
    unit = g["unit"].rstrip("s")
    if unit == "day":
        return day_period(today - dt.timedelta(days=n), f"{n} days ago")
    if unit == "week":
        monday = week_start(today) - dt.timedelta(days=7 * n)
        return week_period(monday, f"the week {n} weeks ago")
    if unit == "month":
        s = today.replace(day=1) - relativedelta(months=n)
        return month_period(s.year, s.month, f"{s:%B %Y}")
    if unit == "year":
        return year_period(today.year - n)
    raise DateError(f"cannot read {m.group(0)!r}")


def _to_date(m: re.Match[str], today: dt.date) -> Period:
    unit = m.group("tdu")
    unit = {"ytd": "year", "mtd": "month", "wtd": "week", "qtd": "quarter"}.get(unit, unit)
    if unit == "week":
        return week_period(week_start(today), "week to date", end=today)
    if unit == "month":
        return Period(start=today.replace(day=1), end=today, label="month to date", grain="month")
    if unit == "quarter":
        q = (today.month - 1) // 3 + 1
        return Period(start=dt.date(today.year, 3 * q - 2, 1), end=today, label="quarter to date",
                      grain="quarter")
    return Period(start=dt.date(today.year, 1, 1), end=today, label="year to date", grain="year")


_RELATIVE = (r"(?:(?:the )?(?P<which>this|current|last|previous|prior|next)"
             r" (?P<unit1>weekend|week|month|quarter|year))")
_RELATIVE_ALT = r"(?:(?:the )?(?P<which>week before last|month before last))"
_TODAY_IN = r"(?:up to and including|including|incl|inclusive of|through|thru|to) today"
_TODAY_OUT = r"(?:not counting|not including|excluding|except|without|before) today"
_ROLLING = (r"(?:(?:in |over |during |for )?(?:the )?(?:last|past|previous|trailing|rolling) (?:" + _NUM
            + r" )?(?:(?:full|complete|whole|entire) )?" + _UNIT
            + r"(?: (?:\| )?(?:(?P<incl>" + _TODAY_IN + r")|" + _TODAY_OUT + r")(?: \|)?)?)")
_AGO = _NUM + r" " + _UNIT + r" ago"
_TO_DATE = (r"(?:(?P<tdu>ytd|mtd|wtd|qtd)|(?P<tdu2>year|month|week|quarter) to date"
            r"|(?P<tdmon>" + _MONS + r") to date"
            r"|so far this (?P<tdu3>year|month|week|quarter)|(?:this )?(?P<tdu4>year|month|week) so far)")

HOURS_RE = re.compile(
    r"(?:between|from) (?P<h1>\d{1,2})(?: (?P<ap1>am|pm))? (?:and|to|until) (?P<h2>\d{1,2}) (?P<ap2>am|pm)"
    r"|(?P<dir>after|before|since|until) (?P<h3>\d{1,2}) (?P<ap3>am|pm)"
    r"|(?:at )?(?P<h4>\d{1,2}) (?P<ap4>am|pm)"
    r"|(?:at |for |around |during |over )?(?P<part>noon|lunchtime|lunch time|lunch|in the morning|this morning|"
    r"morning|mornings|in the afternoon|afternoon|afternoons|in the evening|evening|evenings|at night)"
)
_DAYPARTS = {"morning": (0, 12), "mornings": (0, 12), "afternoon": (12, 17), "afternoons": (12, 17),
             "evening": (17, 24), "evenings": (17, 24), "at night": (17, 24), "lunch": (11, 14),
             "lunchtime": (11, 14), "lunch time": (11, 14), "noon": (12, 13)}


def _h(hour: str, ampm: str | None) -> int:
    h = int(hour)
    if ampm == "pm" and h < 12:
        h += 12
    if ampm == "am" and h == 12:
        h = 0
    return h


def _hours(m: re.Match[str]) -> tuple[int, int]:
    g = m.groupdict()
    if g.get("h1"):
        ap1 = g.get("ap1") or g["ap2"]
        h1, h2 = _h(g["h1"], ap1), _h(g["h2"], g["ap2"])
        if not g.get("ap1") and h1 > h2:
            h1 = _h(g["h1"], "am")
        return (h1, h2)
    if g.get("h3"):
        h = _h(g["h3"], g["ap3"])
        return (h, 24) if g["dir"] in ("after", "since") else (0, h)
    if g.get("h4"):
        h = _h(g["h4"], g["ap4"])
        return (h, h + 1)
    part = g["part"].replace("in the ", "").replace("this ", "")
    return _DAYPARTS[part]


# ---------------------------------------------------------------------- scanning
_Resolver = Callable[[re.Match[str], dt.date], Period]


def _patterns() -> list[tuple[str, re.Pattern[str], HitKind, _Resolver | None]]:
    point = _POINT
    since = r"(?:ever )?since (?P<since>" + point.replace("?P<", "?P<s_") + r"|launch|opening|we opened)"
    rng = (r"(?:from |between )?(?P<a>" + point.replace("?P<", "?P<a_") + r") (?:to|and|until|through|till|-)"
           r" (?P<b>" + point.replace("?P<", "?P<b_") + r"|now|date|present)")
    week_of = r"(?:the )?week of (?P<w>" + point.replace("?P<", "?P<w_") + r")"
    return [
        ("range", re.compile(r"(?<!\S)(?:" + rng + r")(?!\S)"), "period", None),
        ("ambiguous", re.compile(r"(?<!\S)(?:the )?(?:first|second|third|fourth|last|1st|2nd|3rd|4th) "
                                 r"(?:week|weekend) (?:of|in) (?:" + _MONS + r")(?: 20\d\d)?(?!\S)"),
         "ambiguous", None),
        ("ambiguous", re.compile(r"(?<!\S)(?:its|their|the|our) (?:first|opening|launch) (?:day|week|weekend|month)s?"
                                 r"(?!\S)"), "ambiguous", None),
        ("week_of", re.compile(r"(?<!\S)(?:" + week_of + r")(?!\S)"), "period", None),
        ("since_open", re.compile(r"(?<!\S)(?:ever )?since (?:(?:it|they|the store|the shop|that store|this store)"
                                  r" (?:first )?opened|(?:its|their) opening)(?!\S)"), "since_open", None),
        ("since", re.compile(r"(?<!\S)(?:" + since + r")(?!\S)"), "period", None),
        ("to_date", re.compile(r"(?<!\S)(?:" + _TO_DATE + r")(?!\S)"), "period", None),
        ("all_time", re.compile(r"(?<!\S)(?:all time|of all time|ever|since launch|since opening|"
                                r"lifetime|in total overall|to date)(?!\S)"), "all_time", None),
        ("shift", re.compile(r"(?<!\S)(?:(?:the )?same (?:day|period|time|week|month|days) (?:last|previous|prior|a) "
                             r"(?P<shift>week|month|year)|(?:a|one) (?P<shift2>week|month|year) (?:earlier|before|ago))"
                             r"(?!\S)"), "previous", None),
        ("relative", re.compile(r"(?<!\S)(?:" + _RELATIVE + "|" + _RELATIVE_ALT.replace("which", "which2")
                                + r")(?!\S)"), "period", None),
        ("rolling", re.compile(r"(?<!\S)(?:" + _ROLLING + r")(?!\S)"), "period", _rolling),
        ("ago", re.compile(r"(?<!\S)(?:" + _AGO + r")(?!\S)"), "period", _ago),
        ("previous", re.compile(r"(?<!\S)(?:(?:the )?(?:previous|prior|preceding) (?:period|one|week|month|year|"
                                r"quarter|day)|the (?:day|week|month|quarter|year) before|the same period before)"
                                r"(?!\S)"),
         "previous", None),
        ("ambiguous", re.compile(r"(?<!\S)(?:last|this|that|the) period(?!\S)"), "ambiguous", None),
        ("weekday_plural", re.compile(r"(?<!\S)(?:on )?(?:every )?(?P<wds>mondays|tuesdays|wednesdays|thursdays|"
                                      r"fridays|saturdays|sundays)(?!\S)"), "weekday", None),
        ("hours", re.compile(r"(?<!\S)(?:" + HOURS_RE.pattern + r")(?!\S)"), "hours", None),
        ("point", re.compile(r"(?<!\S)(?:(?:on|in|for|during|of) )?(?:" + point + r")(?!\S)"), "period", None),
    ]


_PATTERNS = _patterns()




def _resolve(name: str, m: re.Match[str], today: dt.date) -> DateHit | None:
    text = m.group(0)
    if name == "range":
        pa = _point_from(m, today, "a_")
        pb = day_period(today, "today") if m.group("b") in ("now", "date", "present") else _point_from(m, today, "b_")
        if pa.start and pb.start and pb.end < pa.start and not (m.group("b_year") or m.group("b_year2")):
            pa = Period(start=pa.start - relativedelta(years=1), end=pa.end - relativedelta(years=1),
                        label=pa.label, grain=pa.grain)
        assert pa.start is not None
        return DateHit(0, 0, "period", Period(start=pa.start, end=pb.end, label=f"{pa.label} to {pb.label}"),
                       text=text, parts=[pa, pb])
    if name == "since_open":  # the store's opening day is in the data: the parser reads it
        return DateHit(0, 0, "since_open", text=text)
    if name == "week_of":
        d = _point_from(m, today, "w_").start
        assert d is not None
        return DateHit(0, 0, "period", week_period(week_start(d), f"the week of {week_start(d):%b %-d, %Y}"),
                       text=text)
    if name == "since":
        if m.group("since") in ("launch", "opening", "we opened"):
            return DateHit(0, 0, "all_time", text=text)
        p = _point_from(m, today, "s_")
        assert p.start is not None
        return DateHit(0, 0, "period", Period(start=p.start, end=today, label=f"since {p.label}"), text=text)
    if name == "to_date":
        g = m.groupdict()
        if g.get("tdmon"):
            month = MONTHS[g["tdmon"]]
            mp = month_period(recent_month(month, today), month)
            assert mp.start is not None
            return DateHit(0, 0, "period", Period(start=mp.start, end=min(mp.end, today),
                                                  label=f"{mp.label} to date", grain="month"), text=text)
        unit = g.get("tdu") or g.get("tdu2") or g.get("tdu3") or g.get("tdu4")
        fake = re.match(r"(?P<tdu>\w+)", str(unit))
        assert fake is not None
        return DateHit(0, 0, "period", _to_date(fake, today), text=text)
    if name == "all_time":
        return DateHit(0, 0, "all_time", text=text)
    if name == "relative":
        g = m.groupdict()
        if g.get("which2"):
            fake = re.match(r"(?P<which>.+) (?P<unit1>week|month)$", f"{g['which2']} {g['which2'].split()[0]}")
            assert fake is not None
            return DateHit(0, 0, "period", _relative(fake, today), text=text)
        back = g.get("unit1") if g.get("which") in ("previous", "prior") else None
        return DateHit(0, 0, "period", _relative(m, today), text=text, back=back)
    if name == "previous":
        unit = next((w for w in text.split() if w in ("day", "week", "month", "quarter", "year")), None)
        return DateHit(0, 0, "previous", text=text, back=unit)
    if name == "shift":
        unit = m.group("shift") or m.group("shift2")
        delta = {"week": relativedelta(weeks=1), "month": relativedelta(months=1), "year": relativedelta(years=1)}
        return DateHit(0, 0, "previous", text=text, shift=delta[unit])
    if name == "ambiguous":
        if re.search(r"(?:first|opening|launch) (?:day|week|weekend|month)", text) and " of " not in text:
            return DateHit(0, 0, "ambiguous", text=text,
                           options=["name the dates, e.g. 'from Feb 6 to Feb 12'"])
        if "week" in text:
            return DateHit(0, 0, "ambiguous", text=text,
                           options=["the Monday-to-Sunday week that contains that day", "days 1-7 of the month"])
        return DateHit(0, 0, "ambiguous", text=text,
                       options=["yesterday", "last week", "last month", "the last 7 days"])
    if name == "weekday_plural":
        wd = m.group("wds")[:-1]
        return DateHit(0, 0, "weekday", weekday=WEEKDAYS[wd], text=text)
    if name == "hours":
        inner = HOURS_RE.search(text)
        assert inner is not None
        return DateHit(0, 0, "hours", hours=_hours(inner), text=text)
    resolver = dict((n, r) for n, _, _, r in _PATTERNS)[name]
    if resolver is not None:
        return DateHit(0, 0, "period", resolver(m, today), text=text)
    return DateHit(0, 0, "period", _point_from(m, today), text=text)


def find_dates(tokens: list[str], today: dt.date) -> list[DateHit]:
    """Every date/time expression in ``tokens`` (non-overlapping, earliest-longest first)."""
    text = " ".join(tokens)
    starts = [0]
    for tok in tokens[:-1]:
        starts.append(starts[-1] + len(tok) + 1)
    taken = [False] * len(tokens)
    hits: list[DateHit] = []
    for name, pattern, _kind, _ in _PATTERNS:
        for m in pattern.finditer(text):
            i = starts.index(m.start()) if m.start() in starts else None
            if i is None:
                continue
            j = i + len(m.group(0).split())
            if any(taken[i:j]) or _guard(name, m, tokens, i, j):
                continue
            try:
                hit = _resolve(name, m, today)
            except (DateError, ValueError):
                continue
            if hit is None:
                continue
            hit.start, hit.end = i, j
            for k in range(i, j):
                taken[k] = True
            hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


def _guard(name: str, m: re.Match[str], tokens: list[str], i: int, j: int) -> bool:
    """Reject matches that are words, not dates: 'may' the verb, a bare 'march' after 'and'."""
    words = m.group(0).split()
    return bool(name == "point" and len(words) <= 2 and words[-1] in ("may", "march", "mar", "sat")
                and (len(words) == 1 or words[0] not in ("in", "during", "for")))


def describe_hours(hours: tuple[int, int]) -> str:
    def fmt(h: int) -> str:
        if h in (0, 24):
            return "midnight"
        if h == 12:
            return "noon"
        return f"{h % 12} {'am' if h < 12 else 'pm'}"

    return f"between {fmt(hours[0])} and {fmt(hours[1])}"


def label_kind(grain: Grain) -> str:
    return {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}.get(grain, "period")
