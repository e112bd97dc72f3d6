"""The Slack app (slack-bolt): `/lucky <question>`, mentions and DMs, threads as conversations.

Slash commands are acknowledged at once and answered by a lazy listener, so Slack's 3-second
limit holds however long the answer takes. Retried events (``X-Slack-Retry-Num``) whose event id
was already seen are acknowledged and dropped. Slack users map to principals through
``LUCKY_SLACK_USERS`` (default analyst) and are rate-limited like API keys.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from app.answer import Answer
from app.api.metrics import RATE_LIMITED
from app.ratelimit import limiter_for
from app.service import answer_question
from app.settings import Settings
from app.slack.blocks import answer_blocks, explain_text
from app.slack.memory import SlackMemory
from app.state.history import save_query
from guardrails.principal import Principal

log = logging.getLogger("lucky.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")


def principal_for_user(settings: Settings, user_id: str) -> Principal:
    """Slack user → principal via the configured table ("admin", "store_manager:4,5"); default analyst."""
    spec = settings.slack_users.get(user_id, "analyst")
    role, _, shops = spec.partition(":")
    if role not in {"analyst", "store_manager", "admin"}:
        role = "analyst"
    shop_ids = tuple(int(s) for s in shops.split(",") if s.strip().isdigit())
    if role == "store_manager" and not shop_ids:
        role = "analyst"
    return Principal(role=role, shops=shop_ids, name=f"slack:{user_id}")


def build_app(settings: Settings, client: WebClient | None = None) -> App:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else "xoxb-unset"
    client = client or WebClient(token=token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    memory = SlackMemory(settings.redis_url)
    bot_user: dict[str, str | None] = {}

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        if "id" not in bot_user:
            try:
                bot_user["id"] = client.auth_test(token=token).get("user_id")
            except Exception:
                bot_user["id"] = None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                               bot_user_id=bot_user["id"])

    app = App(signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret
              else "unset", authorize=authorize, process_before_response=True, client=client,
              token_verification_enabled=False)

    @app.middleware
    def drop_retries(req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not memory.first_time(event_id):
            return BoltResponse(status=200, body="")
        return next()

    def post_answer(question: str, user: str, channel: str, thread_ts: str | None, conversation: str) -> None:
        principal = principal_for_user(settings, user)
        decision = limiter_for(settings.rate_limit, settings.redis_url).hit(principal.name)
        if not decision.allowed:
            RATE_LIMITED.labels("slack").inc()
            client.chat_postEphemeral(channel=channel, user=user, text=decision.message)
            return
        answer = answer_question(question, conversation, principal, settings, surface="slack")
        ref = f"{conversation}|{uuid.uuid4().hex[:16]}"  # unique across replicas (a clock is not)
        memory.put_answer(ref, answer, principal.name)
        text = answer.summary or answer.clarification or answer.reason or "Done."
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=answer_blocks(answer, ref))
        if answer.chart and answer.status == "answer":
            from app.charts import render_png

            client.files_upload_v2(channel=channel, thread_ts=thread_ts, content=render_png(answer.chart),
                                   filename="chart.png", title=answer.summary[:80] or "chart")

    def ack_command(ack: Any, command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        ack(text=f"Looking into: _{text}_" if text else "Ask me a question, e.g. `/lucky orders yesterday`.")

    def answer_command(command: dict[str, Any]) -> None:
        question = (command.get("text") or "").strip()
        if question:
            channel, user = command["channel_id"], command["user_id"]
            post_answer(question, user, channel, None, f"slack:{channel}:{user}")

    app.command("/lucky")(ack=ack_command, lazy=[answer_command])

    def on_message(event: dict[str, Any]) -> None:
        question = _MENTION.sub("", event.get("text") or "").strip()
        if not question or event.get("bot_id") or event.get("subtype"):
            return
        thread = event.get("thread_ts") or event["ts"]
        post_answer(question, event["user"], event["channel"], thread, f"slack:{event['channel']}:{thread}")

    @app.event("app_mention")
    def mention(event: dict[str, Any]) -> None:
        on_message(event)

    @app.event("message")
    def direct_message(event: dict[str, Any]) -> None:
        if event.get("channel_type") == "im":
            on_message(event)

    @app.action(re.compile(r"^(show_sql|save_query|explain|clarify_\d+)$"))
    def on_action(ack: Any, body: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        channel = body["channel"]["id"]
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        user = body["user"]["id"]
        if action["action_id"].startswith("clarify_"):
            choice = json.loads(action["value"])
            stored = memory.get_answer(choice["ref"])
            conversation = choice["ref"].split("|", 1)[0]
            question = stored[0].question if stored else ""
            post_answer(f"{question} — {choice['choice']}".strip(" —"), user, channel, thread, conversation)
            return
        stored = memory.get_answer(action["value"])
        if stored is None:
            client.chat_postEphemeral(channel=channel, user=user,
                                      text="That answer has expired; please ask the question again.")
            return
        answer: Answer = stored[0]
        if action["action_id"] == "show_sql":
            client.chat_postMessage(channel=channel, thread_ts=thread, text=f"```{answer.sql or 'no SQL'}```")
        elif action["action_id"] == "save_query":
            qid = save_query(settings.state_database_url, title=answer.question[:120], question=answer.question,
                             sql=answer.sql, owner=f"slack:{user}")
            client.chat_postEphemeral(channel=channel, user=user, text=f"Saved as query `{qid}`.")
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=explain_text(answer))

    return app
