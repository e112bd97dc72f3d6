"""Normalising and tokenising a question so that every later step sees one spelling.

People write "8th & B'way", "what's", "Q4-2025", "iced lattes?" and "year-over-year"; the parser
wants lowercase tokens with the punctuation that carries meaning (dates, money, percent) kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CONTRACTIONS = [
    (r"\bwhat's\b", "what is"), (r"\bhow's\b", "how is"), (r"\bwho's\b", "who is"),
    (r"\bwhere's\b", "where is"), (r"\bthat's\b", "that is"), (r"\bit's\b", "it is"),
    (r"\blet's\b", "let us"), (r"\bcan't\b", "can not"), (r"\bwon't\b", "will not"),
    (r"n't\b", " not"), (r"\bi'm\b", "i am"), (r"\bwe're\b", "we are"), (r"\bthey're\b", "they are"),
    (r"\bi'd\b", "i would"), (r"\bwe've\b", "we have"), (r"\bo'clock\b", "oclock"),
    (r"\bnew year's\b", "new years"), (r"\bvalentine's\b", "valentines"),
]
_ABBREVIATIONS = {
    "b'way": "broadway", "bway": "broadway", "bdwy": "broadway", "bwy": "broadway",
    "yday": "yesterday", "yest": "yesterday", "tmrw": "tomorrow", "tmr": "tomorrow",
    "wk": "week", "wks": "weeks", "mo": "month", "mos": "months", "mth": "month", "mths": "months",
    "yr": "year", "yrs": "years", "hr": "hour", "hrs": "hours", "mins": "minutes", "min": "minutes",
    "avg": "average", "vs": "versus", "v": "versus", "vs.": "versus", "thru": "through",
    "num": "number", "no.": "number", "tot": "total", "ttl": "total", "qty": "quantity", "pct": "percent",
    "amt": "amount",
    "xmas": "christmas", "x-mas": "christmas", "st.": "st", "ave.": "ave", "ln.": "ln",
    "avenue": "ave", "lane": "ln", "street": "st", "&": "and", "+": "and", "w/": "with",
    "sat": "saturday", "sun": "sunday", "tues": "tuesday", "weds": "wednesday",
    "thurs": "thursday", "fri": "friday", "mon": "monday",
}
_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}|\d+/\d+(?:/\d+)?|\$?\d+(?:[.,]\d+)+%?|[a-z0-9]*[a-z][a-z0-9]*(?:'[a-z]+)?"
                    r"|\$?\d+%?|[%$|]")


@dataclass(frozen=True)
class Token:
    text: str
    index: int


def normalise(question: str) -> str:
    """Lowercase, unify quotes and dashes, expand contractions and symbols; one space between words."""
    s = unicodedata.normalize("NFKC", question).lower()
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u2013", "-")
    s = s.replace("\u2014", " ").replace("b'way", "broadway")
    for pat, rep in _CONTRACTIONS:
        s = re.sub(pat, rep, s)
    s = re.sub(r"(\w)'s\b", r"\1", s)  # possessives: "today's", "fulton's"
    s = s.replace("&", " and ").replace("w/o", "without").replace("w/", "with ")
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s)  # a.m. -> am
    s = re.sub(r"\b(\d{1,2}):00\b", _clock, s)  # 10:00 -> 10 am, 15:00 -> 3 pm
    s = re.sub(r"\bearlier than\b|\bno later than\b", "before", s)
    s = re.sub(r"\blater than\b", "after", s)
    s = re.sub(r"(?:>|\bover\b|\babove\b|\bmore than\b|\blonger than\b|\bgreater than\b) ?(?:30|thirty) ?"
               r"(?:min|mins|minutes|minute)\b|\b(?:over|more than|longer than) (?:half an hour|a half hour)\b",
               " over30min ", s)
    s = re.sub(r"\(?\b(?:mon|monday) ?(?:-|to|through|thru) ?(?:sun|sunday)\b\)?", " ", s)
    s = s.replace(">=", " at least ").replace("<=", " at most ").replace("->", " to ")
    s = s.replace(">", " over ").replace("<", " under ").replace("#", " number ")
    s = re.sub(r"\bpctile\b|\bpercentile\b", "percentile", s)
    s = _DAY_RANGE.sub(_day_range, s)  # "dec 1-7" -> "dec 1 to dec 7"
    s = re.sub(r"[()\[\]:;!?\u2014]|(?<=\s)-(?=\s)", " | ", s)  # clause boundaries stop phrase matching
    s = re.sub(r"(?<=\d)(am|pm)\b", r" \1", s)  # 7am -> 7 am
    s = re.sub(r"(?<![\d-])(\d+)-(?=[a-z])", r"\1 ", s)  # 7-day -> 7 day
    s = re.sub(r"(?<=[a-z])-(?=[a-z0-9])", " ", s)  # year-over-year, q4-2025
    s = re.sub(r"\bq([1-4]) ?'?(\d{2})\b(?!\d)", lambda m: f"q{m.group(1)} 20{m.group(2)}", s)
    return " ".join(s.split())


_MONTH_WORDS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
                "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec")
_DAY_RANGE = re.compile(r"\b(" + _MONTH_WORDS + r") ([0-3]?\d)(?:st|nd|rd|th)? ?(?:-|to|through|thru|until) ?"
                        r"([0-3]?\d)(?:st|nd|rd|th)?\b(?:,? (20\d\d)\b)?(?! ?(?:am|pm|[ap]\.m|:|\d|/))")


def _day_range(m: re.Match[str]) -> str:
    """A range of days inside one month ("Dec 1-7", "Nov 3 to 9") written as two full dates, so the date
    reader sees "dec 1 to dec 7"; a second number not after the first is left alone."""
    mon, a, b = m.group(1), int(m.group(2)), int(m.group(3))
    if not 1 <= a < b <= 31:
        return m.group(0)
    year = f" {m.group(4)}" if m.group(4) else ""
    return f"{mon} {a}{year} to {mon} {b}{year}"


def _clock(m: re.Match[str]) -> str:
    h = int(m.group(1))
    if h == 0:
        return "12 am"
    if h < 12:
        return f"{h} am"
    return "12 pm" if h == 12 else f"{h - 12} pm"


def tokenise(question: str) -> list[str]:
    """The normalised question as tokens, abbreviations expanded."""
    out: list[str] = []
    for raw in _TOKEN.findall(normalise(question)):
        tok = _ABBREVIATIONS.get(raw, raw)
        out.extend(tok.split())
    return out


def singular(word: str) -> str:
    """A plural's singular for lookups ('lattes' -> 'latte', 'stores' -> 'store'); others unchanged."""
    if len(word) <= 3 or not word.isalpha() or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def key(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Lookup key of a phrase: each word singular."""
    return tuple(singular(w) for w in words)


def phrase_key(text: str) -> tuple[str, ...]:
    return key(tokenise(text))
