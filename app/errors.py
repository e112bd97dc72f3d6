"""Errors a person can read. Every failure that reaches a surface is one of these."""

from __future__ import annotations


class LuckyError(Exception):
    """Base error with a stable code and a sentence for a non-engineer."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class QueryTimeout(LuckyError):
    code = "timeout"


class ConnectionFailed(LuckyError):
    code = "connection_failed"


class UnknownTable(LuckyError):
    code = "unknown_table"


class QueryFailed(LuckyError):
    code = "query_failed"


class Refused(LuckyError):
    """The guardrails refused the statement; ``rules`` lists what fired."""

    code = "refused"

    def __init__(self, message: str, rules: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.rules = rules or []


class DataMissing(LuckyError):
    code = "data_missing"
