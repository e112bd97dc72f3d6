"""Request dependencies: settings, the caller's principal (API key), rate limits, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.exc import SQLAlchemyError

from app.api.errors import ApiError
from app.api.metrics import RATE_LIMITED
from app.ratelimit import limiter_for
from app.settings import Settings, get_settings
from app.state.keys import principal_for
from guardrails.principal import Principal


def settings_dep() -> Settings:
    return get_settings()


def _bearer(authorization: str | None, x_api_key: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_api_key.strip() if x_api_key else None


def principal_dep(
    request: Request,
    settings: Annotated[Settings, Depends(settings_dep)],
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    x_api_key: Annotated[str | None, Header(description="The API key (alternative to Authorization)")] = None,
) -> Principal:
    """Resolve the caller's key to a principal and apply its rate limit."""
    key = _bearer(authorization, x_api_key)
    if not key:
        raise ApiError(401, "unauthenticated", "An API key is required: send 'Authorization: Bearer <key>'. "
                       "Create one with `lucky keys create`.", {"WWW-Authenticate": "Bearer"})
    try:
        principal = principal_for(settings.state_database_url, key)
    except SQLAlchemyError:
        raise ApiError(503, "state_unavailable", "API keys cannot be checked right now: the service's state "
                       "database is not reachable. Please try again shortly.", {"Retry-After": "5"}) from None
    if principal is None:
        raise ApiError(401, "invalid_key", "This API key is not valid or has been revoked.",
                       {"WWW-Authenticate": "Bearer"})
    decision = limiter_for(settings.rate_limit, settings.redis_url).hit(principal.name)
    if not decision.allowed:
        RATE_LIMITED.labels("api").inc()
        raise ApiError(429, "rate_limited", decision.message, {"Retry-After": str(decision.retry_after_s)})
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_dep)]
SettingsDep = Annotated[Settings, Depends(settings_dep)]
