"""The router: offline first; the LLM engine only below a confidence threshold, and only if configured.

The offline engine is exact when it is sure, and it says when it is not (clarify / low confidence).
Only then, and only when an OpenAI-compatible endpoint is configured, is the question handed to
the LLM engine. Refusals for safety (writes, personal data) are final: the LLM never sees them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.answer import Answer
from app.engine.offline.engine import OfflineEngine
from app.settings import Settings
from guardrails.principal import ANALYST, Principal

CONFIDENCE_THRESHOLD = 0.6


class UnconfiguredLLM:
    """Stands in for the LLM engine when no endpoint is configured: it says so instead of guessing."""

    name = "llm"

    def ask(self, question: str, *, conversation_id: str | None = None, principal: Principal = ANALYST,
            today: dt.date | None = None) -> Answer:
        return Answer(status="refuse", question=question, engine=self.name, conversation_id=conversation_id,
                      reason="No LLM endpoint is configured (set LUCKY_LLM_BASE_URL, LUCKY_LLM_MODEL and "
                             "LUCKY_LLM_API_KEY); the offline engine answers without one.")


def llm_configured(settings: Settings) -> bool:
    return bool(getattr(settings, "llm_base_url", None) and getattr(settings, "llm_model", None))


def llm_engine(settings: Settings) -> Any:
    """The LLM engine for these settings (a stand-in that refuses when none is configured)."""
    if llm_configured(settings):
        from app.engine.llm.engine import LLMEngine

        return LLMEngine(settings)
    return UnconfiguredLLM()


class RouterEngine:
    name = "auto"

    def __init__(self, offline: OfflineEngine, settings: Settings, llm: Any = None) -> None:
        self.offline = offline
        self.settings = settings
        self.llm = llm if llm is not None else (llm_engine(settings) if llm_configured(settings) else None)

    def ask(self, question: str, *, conversation_id: str | None = None, principal: Principal = ANALYST,
            today: dt.date | None = None) -> Answer:
        first = self.offline.ask(question, conversation_id=conversation_id, principal=principal, today=today)
        unsure = first.status == "clarify" or (first.status == "answer" and first.confidence < CONFIDENCE_THRESHOLD)
        unknown = first.status == "refuse" and "don't know how to answer" in (first.reason or "")
        if self.llm is None or not (unsure or unknown):
            return first
        second = self.llm.ask(question, conversation_id=conversation_id, principal=principal, today=today)
        if second.status == "answer":
            second.understood = f"{second.understood} (the offline engine was unsure: " \
                                f"{first.clarification or first.reason or first.understood})"
            return second
        return first
