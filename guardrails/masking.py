"""Masking personal data in a result, as the Verdict planned it (the executor calls ``apply``).

- partial (a plain copy of a catalog column): phone ``***-***-1234``, email ``j***@x.com``,
  name ``J***``, payment reference ``***4242``, birth date ``1990-**-**``;
- redact (a value *derived* from personal data, e.g. ``SUBSTR(phone, 1, 4)``): ``***``, because a
  partial mask of a derived value could reveal the hidden part;
- hash (user numbers, device ids): ``u_3f9a1c2b``, a keyed HMAC, so the same user always gets the
  same code and "top 10 users" still groups and ranks correctly.

NULL stays NULL (a missing value is not personal data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any, TypeVar

from guardrails.verdict import Verdict

R = TypeVar("R")
_NON_DIGIT = re.compile(r"\D")
REDACTED = "***"


def _phone(v: str) -> str:
    digits = _NON_DIGIT.sub("", v)
    return f"***-***-{digits[-4:]}" if len(digits) >= 7 else REDACTED


def _email(v: str) -> str:
    local, at, domain = v.partition("@")
    if not at or not local or not domain:
        return REDACTED
    return f"{local[0]}***@{domain}"


def _name(v: str) -> str:
    v = v.strip()
    return f"{v[0]}***" if v else REDACTED


def _payment_ref(v: str) -> str:
    return f"***{v[-4:]}" if len(v) >= 10 else REDACTED


def _birthdate(v: str) -> str:
    return f"{v[:4]}-**-**" if re.match(r"^\d{4}-", v) else REDACTED


PARTIAL: dict[str, Callable[[str], str]] = {
    "phone": _phone, "email": _email, "name": _name, "payment_ref": _payment_ref, "birthdate": _birthdate,
}
HASH_PREFIX = {"user_id": "u_", "device_id": "d_"}


def _key() -> bytes:
    from app.settings import get_settings

    return get_settings().pii_hash_key.get_secret_value().encode()


def pseudonym(value: Any, cls: str = "user_id", key: bytes | None = None) -> str:
    """The stable keyed hash that stands for ``value`` (same input, same key -> same code)."""
    digest = hmac.new(key if key is not None else _key(), str(value).encode(), hashlib.sha256).hexdigest()
    return f"{HASH_PREFIX.get(cls, 'x_')}{digest[:8]}"


def mask_value(value: Any, cls: str, mode: str, key: bytes | None = None) -> Any:
    """One value masked for PII class ``cls`` in ``mode`` (partial | redact | hash)."""
    if value is None:
        return None
    if mode == "hash":
        return pseudonym(value, cls, key)
    if mode == "partial" and cls in PARTIAL:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return PARTIAL[cls](text)
    return REDACTED


def plan_for(columns: list[str], verdict: Verdict) -> list[tuple[str, str] | None]:
    """Per result column: (class, mode) or None. Positional when the widths agree, else by name."""
    if verdict.output_pii and len(verdict.output_pii) == len(columns):
        return [(c, m or "redact") if c else None for c, m in zip(verdict.output_pii, verdict.output_mask
                                                                  or [None] * len(columns), strict=True)]
    out: list[tuple[str, str] | None] = []
    lower = {k.lower(): k for k in verdict.masked}
    for name in columns:
        key = lower.get(name.lower())
        out.append((verdict.masked[key], verdict.mask_modes.get(key, "redact")) if key else None)
    if verdict.masked and sum(p is not None for p in out) < len(verdict.masked):
        # A planned column is missing under its name: never guess, redact every column.
        return [("unknown", "redact")] * len(columns)
    return out


def mask_rows(columns: list[str], rows: list[list[Any]], verdict: Verdict,
              key: bytes | None = None) -> list[list[Any]]:
    plan = plan_for(columns, verdict)
    if not any(plan):
        return rows
    k = key if key is not None else _key()
    return [[mask_value(v, p[0], p[1], k) if p else v for v, p in zip(row, plan, strict=False)] for row in rows]


def apply(result: R, verdict: Verdict, *, key: bytes | None = None) -> R:
    """``result`` (the executor's Result) with its personal data masked as ``verdict`` says."""
    columns: list[str] = result.columns  # type: ignore[attr-defined]
    rows: list[list[Any]] = result.rows  # type: ignore[attr-defined]
    masked = mask_rows(columns, rows, verdict, key)
    return dataclasses.replace(result, rows=masked, masked=dict(verdict.masked))  # type: ignore[type-var]


def scrub_error(message: str) -> str:
    """A database error for a statement that reads personal data, without the database's own words
    (DuckDB: "Could not convert string '+1-212-555-0101' to INT64" would print the phone number)."""
    kind = message.split(":", 1)[0] if ":" in message else "The database rejected the query"
    return (f"{kind}: the database's message is hidden because it could quote personal data; "
            "ask an admin to run it if you need the detail.")
