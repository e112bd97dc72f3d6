"""The LLM engine's plumbing with a scripted chat model: prompt, guardrails, repair loop, router.

No test here says anything about a real model's accuracy; the model's replies are written below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

import prompts
from app.engine.llm.engine import LLMEngine, extract_sql, redact
from app.engine.offline.engine import OfflineEngine
from app.engine.router import RouterEngine
from app.executor import Executor
from guardrails.principal import ADMIN

TODAY = dt.date(2026, 2, 14)
GOOD = ("```sql\nSELECT COUNT(*) AS orders FROM luckyus_sales_order.t_order o WHERE o.status = 90\n```\n"
        "Explanation: completed orders")


class Recording(GenericFakeChatModel):
    """A scripted chat model that remembers every prompt it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def scripted(*replies: str) -> Recording:
    return Recording(messages=iter([AIMessage(content=r) for r in replies]))


@pytest.fixture()
def make(duck: Executor) -> Iterator[Any]:
    def build(*replies: str) -> LLMEngine:
        return LLMEngine(duck.settings, chat_model=scripted(*replies), executor=duck,
                         context=lambda q: "luckyus_sales_order.t_order: one row per order (status 90 = completed)",
                         use_tools=False)
    yield build


def test_sql_from_the_model_runs_through_the_guardrails(make: Any, duck: Executor) -> None:
    engine = make(GOOD)
    ans = engine.ask("how many completed orders ever?", principal=ADMIN, today=TODAY)
    expected = duck.run("SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE o.status = 90", principal=ADMIN)
    assert ans.status == "answer" and ans.engine == "llm" and ans.rows == expected.rows
    assert ans.understood == "completed orders" and ans.confidence < 0.6
    system = engine.chat.seen[0][0].content
    assert "2026-02-14 (Saturday)" in system and "luckyus_sales_order.t_order: one row per order" in system
    assert "revenue: ROUND(SUM(o.pay_money), 2)" in system


def test_a_rejected_statement_is_repaired(make: Any) -> None:
    engine = make("```sql\nSELECT COUNT(*) FROM luckyus_sales_order.t_nope\n```", GOOD)
    ans = engine.ask("orders?", principal=ADMIN, today=TODAY)
    assert ans.status == "answer" and ans.timings["repairs"] == 1.0
    repair = engine.chat.seen[1][-1].content
    assert "could not be used" in repair and "t_nope" in repair


def test_writes_from_the_model_are_refused_and_repairs_are_bounded(make: Any) -> None:
    engine = make(*["```sql\nDELETE FROM luckyus_sales_order.t_order\n```"] * 3)
    ans = engine.ask("tidy up the orders table", principal=ADMIN, today=TODAY)
    assert ans.status == "error" and "3 attempts" in (ans.reason or "")
    assert len(engine.chat.seen) == engine.settings.llm_max_repairs + 1


def test_clarify_and_refuse_replies(make: Any) -> None:
    assert make("CLARIFY: Which store?").ask("store numbers", today=TODAY).status == "clarify"
    refused = make("REFUSE: no weather data").ask("orders when it rained", today=TODAY)
    assert refused.status == "refuse" and refused.reason == "no weather data"


def test_unsafe_questions_never_reach_the_model(make: Any) -> None:
    engine = make(GOOD)
    assert engine.ask("delete all orders", today=TODAY).status == "refuse"
    assert engine.ask("customer phone numbers please", today=TODAY).status == "refuse"
    assert engine.chat.seen == []


def test_prompts_are_redacted_and_versioned() -> None:
    assert redact("call 212-555-0199 or mail a.b@example.com, card 4242 4242 4242 4242") == \
        "call [phone] or mail [email], card [card]"
    text, version = prompts.render("sql_repair", error="boom")
    assert "boom" in text and version == max(prompts.versions("sql_repair"))
    with pytest.raises(KeyError):
        prompts.render("sql_system")


def test_extract_sql() -> None:
    assert extract_sql("```sql\nSELECT 1;\n```") == "SELECT 1"
    assert extract_sql("SELECT 2") == "SELECT 2"
    assert extract_sql("I think you want revenue") is None


def test_router_uses_the_llm_only_when_the_offline_engine_is_unsure(duck: Executor) -> None:
    chat = scripted(GOOD)
    llm = LLMEngine(duck.settings, chat_model=chat, executor=duck, context=lambda q: "", use_tools=False)
    router = RouterEngine(OfflineEngine(duck.settings, executor=duck), duck.settings, llm=llm)
    sure = router.ask("How many orders did 8th & Broadway do yesterday?", principal=ADMIN, today=TODAY)
    assert sure.engine == "offline" and chat.seen == []
    unsafe = router.ask("delete all orders", principal=ADMIN, today=TODAY)
    assert unsafe.status == "refuse" and chat.seen == []
    unsure = router.ask("revenue from oat milk drinks yesterday", principal=ADMIN, today=TODAY)
    assert unsure.engine == "llm" and len(chat.seen) == 1
