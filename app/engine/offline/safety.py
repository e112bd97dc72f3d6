"""Questions the engine must not answer: writes, personal data, and things outside the data.

These checks run before any parsing so that "delete all orders" or "customer phone numbers"
are refused with a reason and a pointer to what can be asked, whatever else the question says.
The guardrails would stop a write or a PII column anyway; refusing here gives a clearer answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.engine.offline.text import normalise

CAN_ANSWER = ("I can answer questions about orders, revenue, average order value, items sold, products and "
              "categories, stores, channels, payment methods and fees, production times, coupons, customers "
              "(counts and masked rankings), devices, stock and forecasts - by day, week, month or hour, "
              "for any store, product or period since June 30, 2025.")


@dataclass(frozen=True)
class Refusal:
    code: str  # unsafe | pii | out_of_scope | future | sql
    reason: str


_WRITE_VERBS = r"(?:delete|drop|truncate|insert|update|alter|grant|revoke|wipe|erase|purge|overwrite|" \
               r"modify|remove|destroy|create|replace|rename|cancel|refund|void|reset|merge|upsert|disable|" \
               r"kill|shutdown|restart)"
_WRITE_START = re.compile(r"^(?:please |can you |could you |i want to |i need to |go |lets |let us |now )?"
                          r"(?:" + _WRITE_VERBS + r"\b|(?:change|set|add|edit|mark|make) (?:the |a |an |all |every )?"
                          r"(?:price|prices|status|order|orders|record|records|user|users|menu|store|stores|"
                          r"product|products|coupon|coupons|table|tables|row|rows|customer|customers)\b"
                          r"|give (?:every|all|each|the|a|an|some|these|those)? ?(?:users?|customers?|members?|"
                          r"people|everyone)\b|(?:send|issue|email|text|notify|message) "
                          r"|(?:add|put|launch|introduce) (?:\S+ ){1,8}(?:to|on|onto|into) (?:the |our )?"
                          r"(?:menu|database|table|system|app)\b)")
_WRITE_ANY = re.compile(r"\b(?:delete|drop|truncate|insert into|update \w+ set|alter table|grant|revoke|"
                        r"wipe|erase|purge|drop table|delete from)\b")
_WRITE_OBJECT = re.compile(r"\b(?:delete|remove|wipe|erase|purge|destroy)\b.*\b(?:orders?|rows?|records?|"
                           r"tables?|data|users?|customers?|stores?|products?|everything|all)\b")
_SQL = re.compile(r"^\s*(?:select|with)\b.*\bfrom\b|;\s*(?:drop|delete|update|insert)", re.S)

_PII = re.compile(
    r"\b(?:phone|phones|phone numbers?|telephone|mobile numbers?|cell numbers?|e ?mails?|email address(?:es)?|"
    r"home address(?:es)?|addresses of (?:our |the )?(?:customers?|users?)|(?:customer|user|member)s? address(?:es)?|"
    r"where (?:do|does) (?:customers?|users?|\w+) live|credit card numbers?|card numbers?|last ?4|last four digits|"
    r"card details|cvv|stripe (?:customer )?ids?|passwords?|ssn|social security|date of birth|birth ?days?|"
    r"birth dates?|dob|full names?|real names?|first names?|last names?|surnames?|names of (?:our |the )?"
    r"(?:customers?|users?|members?|guests?|people)|(?:customer|user|member)s? names?|who (?:is|are) (?:user|customer)|"
    r"personal (?:data|information|details|info)|contact (?:details|info|information)|ip address(?:es)?|"
    r"unmasked|raw user ids?|nick ?names?|identify (?:the )?(?:customers?|users?))\b")

_OUT_OF_SCOPE = re.compile(
    r"\b(?:weather|temperature|rain|raining|snow|forecast(?:ed)? (?:weather|temperature)|stock price|share price|"
    r"stock market|nasdaq|ticker|competitors?|starbucks|dunkin|blue bottle|peet|news|politics|election|"
    r"recipe|recipes|joke|jokes|poem|poems|song|songs|haiku|haikus|limerick|sonnet|lyrics|rap|slogan|tagline|"
    r"essay|short story|bedtime story|ceo|salary|salaries|payroll|wages|employees?|staff names|hiring|"
    r"profit|profits|profitability|margin|margins|net income|ebitda|cogs|cost of goods|gross profit|"
    r"market share|valuation|investors?|lawsuit|horoscope|sports?|football|translate|capital of|china|chinese|"
    r"singapore|malaysia|hong kong|japan|korea|uk|london|europe|instagram|facebook|tiktok|twitter|followers|"
    r"rent|lease|landlord|nps|net promoter|yelp|reviews?|rating|ratings|glassdoor)\b")

_FUTURE = re.compile(
    r"\b(?:tomorrow|next (?:week|month|year|quarter|weekend|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|few days|\d+ days)|will (?:we|it|they|sales|revenue|orders)|going to (?:sell|make|be)|"
    r"predict|predicts|predicted|forecast (?:for|of) (?:next|the future)|in the future|upcoming|projected|"
    r"projection|projections)\b")
_INJECTION = re.compile(r"\b(?:ignore|disregard|forget) (?:all |your |the |any |previous |prior )*(?:instructions|"
                        r"rules|guardrails|system prompt)|\bjailbreak\b|\bdeveloper mode\b|\bsystem prompt\b")
_YEAR = re.compile(r"\b(20\d\d)\b")


def check(question: str, today: dt.date | None = None) -> Refusal | None:
    """A refusal for questions that must not be answered from the data, else None."""
    text = normalise(question)
    if _INJECTION.search(text):
        return Refusal("unsafe", "I can't change how I work or reveal configuration. " + CAN_ANSWER)
    if today is not None and any(int(y) > today.year for y in _YEAR.findall(text)):
        return Refusal("future", "That year hasn't happened yet; I only know the data up to yesterday. "
                                 + CAN_ANSWER)
    if _SQL.search(text):
        return Refusal("sql", "That looks like SQL. Ask in plain English here, or run read-only SQL with "
                              "`lucky sql`, which applies the same guardrails.")
    if _WRITE_START.search(text) or _WRITE_ANY.search(text) or _WRITE_OBJECT.search(text):
        return Refusal("unsafe", "Ask Lucky only reads data; it cannot change, delete or add anything. "
                                 + CAN_ANSWER)
    if _PII.search(text):
        return Refusal("pii", "I can't share personal details such as names, phone numbers, emails, addresses "
                              "or card data. I can give counts, and rankings of customers with masked ids. "
                              + CAN_ANSWER)
    if _FUTURE.search(text):
        return Refusal("future", "I only know what has already happened (data up to yesterday); I can't "
                                 "predict the future. " + CAN_ANSWER)
    m = _OUT_OF_SCOPE.search(text)
    if m:
        return Refusal("out_of_scope", f"I don't have data about {m.group(0)!s}. " + CAN_ANSWER)
    return None
