"""What an HTTP caller may set on a tool, and what the server sets for them.

The tools' own input models are written for a trusted operator at the CLI. Over HTTP two things
change: (1) fields that name *where to connect* are filled by the server, never by the caller —
otherwise ``redis_console``'s ``url`` lets anyone holding a key make the service open a TCP
connection to any host and port (SSRF); (2) dates far outside any business calendar are refused
with a sentence before a tool does date arithmetic on them (``0001-01-01 - 1 day`` overflows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, create_model
from pydantic.fields import FieldInfo

from app.api.errors import ApiError
from app.settings import Settings
from tools.base import ToolInput, ToolSpec

DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
"""Dates a tool may be asked about: wide enough for any business question, far from the calendar's edges."""

REDIS_DBS = 16
"""Redis's default number of databases (``databases 16``); SELECT beyond it fails on a stock server."""


def _redis_urls(settings: Settings) -> str:
    """The Redis instances the console may inspect: the allow-list, else the service's own Redis."""
    allowed = settings.redis_console_urls.get_secret_value() if settings.redis_console_urls else ""
    urls = [u.strip() for u in (allowed or settings.redis_url or "").split(",") if u.strip()]
    if not urls:
        raise ApiError(503, "redis_not_configured", "The Redis console has no Redis to inspect: set "
                       "LUCKY_REDIS_URL or LUCKY_REDIS_CONSOLE_URLS on the server.")
    for url in urls:
        if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
            raise ApiError(503, "redis_not_configured", "LUCKY_REDIS_CONSOLE_URLS must list redis:// URLs.")
    return ",".join(urls)


SERVER_FIELDS: dict[str, dict[str, Callable[[Settings], Any]]] = {
    "redis_console": {"url": lambda s: SecretStr(_redis_urls(s))},
}
"""tool -> field -> how the server fills it. These fields are not in the HTTP schema at all."""

FIELD_LIMITS: dict[str, dict[str, dict[str, Any]]] = {
    "redis_console": {"db": {"le": REDIS_DBS - 1}},
}
"""Tighter bounds the API puts on a tool's field until the tool's own model carries them."""


def api_model(spec: ToolSpec) -> type[ToolInput]:
    """The tool's input model as HTTP callers see it: server-set fields removed, limits tightened."""
    hidden = SERVER_FIELDS.get(spec.name, {})
    limits = FIELD_LIMITS.get(spec.name, {})
    if not hidden and not limits:
        return spec.input_model
    fields: dict[str, Any] = {}
    for name, info in spec.input_model.model_fields.items():
        if name in hidden:
            continue
        if name in limits:
            info = FieldInfo.merge_field_infos(info, Field(**limits[name]))
        fields[name] = (info.annotation, info)
    model: type[ToolInput] = create_model(spec.input_model.__name__, __base__=ToolInput,
                                          __doc__=spec.input_model.__doc__, **fields)
    return model


def check_dates(spec: ToolSpec, body: ToolInput) -> None:
    """Refuse a date outside DATE_MIN..DATE_MAX with a sentence naming the field."""
    for name, value in body:
        if isinstance(value, dt.date) and not DATE_MIN <= value <= DATE_MAX:
            day = value.date() if isinstance(value, dt.datetime) else value
            raise ApiError(422, "invalid_tool_input",
                           f"The {spec.title} tool cannot run for {name} = {day.isoformat()}: dates must be "
                           f"between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}.")


def tool_input(spec: ToolSpec, body: ToolInput, settings: Settings) -> ToolInput:
    """The tool's own input: what the caller sent (checked) plus what the server fills."""
    check_dates(spec, body)
    hidden = SERVER_FIELDS.get(spec.name, {})
    if not hidden and type(body) is spec.input_model:
        return body
    params = body.model_dump()
    params.update({name: fill(settings) for name, fill in hidden.items()})
    return spec.input_model.model_validate(params)
