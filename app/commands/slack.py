"""`lucky slack`: run the Slack app over Socket Mode (no public URL needed)."""

from __future__ import annotations

import typer

from app.commands.common import fail, settings_with


def register(app: typer.Typer) -> None:
    @app.command("slack")
    def slack() -> None:
        """Connect to Slack over Socket Mode and answer /lucky, mentions and DMs."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from app.slack.bolt_app import build_app

        settings = settings_with()
        if not settings.slack_app_token or not settings.slack_bot_token:
            fail("Set LUCKY_SLACK_APP_TOKEN (xapp-...) and LUCKY_SLACK_BOT_TOKEN (xoxb-...) for Socket Mode.")
        SocketModeHandler(build_app(settings), settings.slack_app_token.get_secret_value()).start()
