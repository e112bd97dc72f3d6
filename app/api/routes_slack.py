"""Slack over HTTP: Slack's events, commands and interactions, signature-verified by slack-bolt."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.deps import SettingsDep
from app.api.errors import ApiError

router = APIRouter(tags=["slack"])
_handlers: dict[str, Any] = {}


def _handler(settings: SettingsDep) -> Any:
    from slack_bolt.adapter.fastapi import SlackRequestHandler

    from app.slack.bolt_app import build_app

    key = f"{settings.slack_api_url}|{settings.state_database_url}|{settings.data_dir}"
    if key not in _handlers:
        _handlers[key] = SlackRequestHandler(build_app(settings))
    return _handlers[key]


@router.post("/slack/events", include_in_schema=False)
async def slack_events(request: Request, settings: SettingsDep) -> Response:
    if settings.slack_signing_secret is None:
        raise ApiError(503, "slack_not_configured", "Slack is not configured: set LUCKY_SLACK_SIGNING_SECRET and "
                       "LUCKY_SLACK_BOT_TOKEN.")
    response: Response = await _handler(settings).handle(request)
    return response
