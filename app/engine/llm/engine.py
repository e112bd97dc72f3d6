"""The LLM engine: retrieved schema context + versioned prompt -> SQL, through the same guardrails.

Any OpenAI-compatible endpoint (LangChain's ``ChatOpenAI`` with ``base_url``/``api_key``/``model``
from the settings). The model sees the semantic model's measures, the schema context retrieved for
the question (trimmed to a token budget) and never a data row: a guardrail refusal or a database
error goes back to it as text for a bounded number of repairs. Questions the offline checks refuse
(writes, personal data) never reach the model. Departmental tools are offered as callable tools
when the chat model supports tool calling.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlglot
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

import prompts
from app.answer import Answer
from app.charts import chart_spec
from app.conversation import Turn, make_store
from app.engine.offline import safety
from app.engine.tools_route import run_tool
from app.errors import LuckyError, QueryTimeout
from app.executor import Executor
from app.settings import Settings
from app.summary import Col, summarise
from guardrails.principal import ANALYST, Principal
from schema_catalog.semantic import SemanticModel, load_semantic_model

CORE_TABLES = ("luckyus_sales_order.t_order", "luckyus_sales_order.t_order_item", "luckyus_opshop.t_shop_info",
               "luckyus_sales_payment.t_trade", "luckyus_opproduction.t_production")
_SQL_BLOCK = re.compile(r"```(?:sql)?\s*(.+?)```", re.S | re.I)
_PII_TEXT = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+?1[ -]?)?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{4}(?!\d)"), "[phone]"),
    (re.compile(r"(?<!\d)(?:\d[ -]?){13,16}(?!\d)"), "[card]"),
    (re.compile(r"\bcus_[A-Za-z0-9]{6,}\b"), "[stripe id]"),
]
_MONEY_WORDS = re.compile(r"revenue|sales|amount|money|fee|aov|price|spend|paid|dollars|volume|discount|tax")

ContextFn = Callable[[str], str]


def redact(text: str) -> str:
    """Remove anything that looks like personal data before text goes into a prompt."""
    for pattern, repl in _PII_TEXT:
        text = pattern.sub(repl, text)
    return text


def semantic_summary(model: SemanticModel) -> str:
    """One line per measure and dimension: the SQL the offline engine would use for it."""
    lines = []
    for m in model.metrics.values():
        src_id, sql = next(iter(m.sql.items()))
        src = model.sources[src_id]
        extra = f" WITHIN GROUP (ORDER BY {m.value})" if m.value else ""
        lines.append(f"  - {m.label}: {sql}{extra} FROM {src.table} {src.alias}")
    for d in model.dimensions.values():
        if d.time:
            lines.append(f"  - by {d.label}: {d.sql} (__local__ = local time of the fact's timestamp)")
            continue
        srcs = model.dimension_sources(d.id)
        value = model.dim_value_sql(d.id, srcs[0]) if srcs else None
        if value:
            lines.append(f"  - by {d.label}: {value}")
    return "\n".join(lines)


def default_filters_text(model: SemanticModel) -> str:
    return "; ".join(f"{f.label}: {f.sql}" for f in model.sources["orders"].filters)


def extract_sql(text: str) -> str | None:
    m = _SQL_BLOCK.search(text)
    if m:
        return m.group(1).strip().rstrip(";")
    stripped = text.strip()
    if re.match(r"(?is)^(select|with)\b", stripped):
        return stripped.split("\n\n")[0].rstrip(";")
    return None


def chat_openai(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return ChatOpenAI(base_url=settings.llm_base_url, api_key=key, model=settings.llm_model or "",  # type: ignore[arg-type, call-arg, unused-ignore]
                      temperature=0, timeout=settings.llm_timeout_s, max_retries=1)


def retrieval_context(settings: Settings) -> ContextFn:
    """Question -> schema context from the catalog's hybrid index (golden examples excluded, so an
    evaluation never sees its own answers); the core tables when no index is built."""
    from schema_catalog.context import build_context

    index: Any = None
    try:
        from schema_catalog.index import CatalogIndex

        index = CatalogIndex(settings.data_dir, state_url=settings.state_database_url, chroma_url=settings.chroma_url)
        golden = tuple(sorted({d.source for d in index.documents if d.source.startswith("golden")}))
    except Exception:
        index, golden = None, ()

    def context(question: str) -> str:
        if index is not None:
            try:
                hits = index.search(question, k=8, exclude_sources=golden).hits
                return build_context(hits, settings.llm_context_tokens)
            except Exception:
                pass
        return build_context(list(CORE_TABLES), settings.llm_context_tokens)

    return context


class LLMEngine:
    """Text-to-SQL with an OpenAI-compatible chat model, the catalog's context and the guardrails."""

    name = "llm"

    def __init__(self, settings: Settings, *, chat_model: BaseChatModel | None = None,
                 executor: Executor | None = None, context: ContextFn | None = None,
                 model: SemanticModel | None = None, use_tools: bool = True) -> None:
        self.settings = settings
        self.chat = chat_model or chat_openai(settings)
        self.executor = executor or Executor(settings)
        self.context = context or retrieval_context(settings)
        self.model = model or load_semantic_model()
        self.conversations = make_store(settings.redis_url)
        self.use_tools = use_tools
        self.prompt_version = 0
        self.last_messages: list[BaseMessage] = []

    # ------------------------------------------------------------------ prompt
    def messages(self, question: str, today: dt.date, turn: Turn | None) -> list[BaseMessage]:
        system, version = prompts.render(
            "sql_system", today=today.isoformat(), weekday=f"{today:%A}",
            default_filters=default_filters_text(self.model), semantic=semantic_summary(self.model),
            context=self.context(question))
        self.prompt_version = version
        user = question
        if turn is not None and turn.sql:
            user = f"Previous question: {turn.question}\nIts SQL: {turn.sql}\n\nFollow-up: {question}"
        return [SystemMessage(redact(system)), HumanMessage(redact(user))]

    def _tools(self) -> list[dict[str, Any]]:
        try:
            from tools.registry import all_tools
        except ImportError:
            return []
        out = []
        for spec in all_tools():
            schema = spec.input_model.model_json_schema()
            out.append({"type": "function", "function": {"name": spec.name, "description": spec.description[:1000],
                                                         "parameters": schema}})
        return out

    def _invoke(self, messages: list[BaseMessage]) -> AIMessage:
        chat: Any = self.chat
        if self.use_tools:
            tools = self._tools()
            if tools:
                try:
                    chat = self.chat.bind_tools(tools)
                except (NotImplementedError, AttributeError, TypeError):
                    chat = self.chat
        reply = chat.invoke(messages)
        return reply if isinstance(reply, AIMessage) else AIMessage(content=str(reply))

    # ------------------------------------------------------------------ asking
    def ask(self, question: str, *, conversation_id: str | None = None, principal: Principal = ANALYST,
            today: dt.date | None = None) -> Answer:
        started = time.perf_counter()
        today = today or self.settings.today
        refusal = safety.check(question, today)
        if refusal is not None:
            answer = Answer(status="refuse", reason=refusal.reason)
        else:
            turn = self.conversations.get(conversation_id) if conversation_id else None
            try:
                answer = self._answer(question, today, principal, turn)
            except LuckyError as err:
                answer = Answer(status="error", reason=err.message)
            except Exception as err:  # the endpoint is down, times out, returns garbage
                answer = Answer(status="error", reason=f"The language model could not be reached: {type(err).__name__}")
            if conversation_id and answer.status == "answer":
                self.conversations.put(conversation_id, Turn(question=question, status="answer", sql=answer.sql))
        answer.engine = self.name
        answer.question = question
        answer.conversation_id = conversation_id
        answer.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        answer.timings["total_ms"] = answer.elapsed_ms
        return answer

    def _answer(self, question: str, today: dt.date, principal: Principal, turn: Turn | None) -> Answer:
        messages = self.messages(question, today, turn)
        self.last_messages = messages
        error = ""
        for attempt in range(self.settings.llm_max_repairs + 1):
            reply = self._invoke(messages)
            messages.append(reply)
            if reply.tool_calls:
                call = reply.tool_calls[0]
                return self._tool(call["name"], call.get("args") or {}, principal, today, question)
            text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
            if re.search(r"(?im)^\s*CLARIFY:", text):
                return Answer(status="clarify", clarification=re.split(r"(?i)CLARIFY:", text, maxsplit=1)[1].strip(),
                              confidence=0.5, understood=f"prompt sql_system.v{self.prompt_version}")
            if re.search(r"(?im)^\s*REFUSE:", text):
                reason = re.split(r"(?i)REFUSE:", text, maxsplit=1)[1].strip()
                return Answer(status="refuse", reason=reason, confidence=0.5)
            sql = extract_sql(text)
            if sql is None:
                error = "The reply contained no SQL block."
            else:
                try:
                    result = self.executor.run(sql, principal=principal, target=self.settings.target)
                except QueryTimeout as err:
                    return Answer(status="error", reason=err.message, sql=sql)
                except LuckyError as err:
                    error = err.message
                else:
                    return self._result(sql, result.columns, result.rows, text, attempt)
            repair, _ = prompts.render("sql_repair", error=redact(error))
            messages.append(HumanMessage(repair))
        return Answer(status="error", reason=f"No usable SQL after {self.settings.llm_max_repairs + 1} attempts: "
                                             f"{error}", confidence=0.0)

    def _tool(self, name: str, args: dict[str, Any], principal: Principal, today: dt.date, question: str) -> Answer:
        try:
            from tools.registry import get
        except ImportError:
            return run_tool(name, period=None, store=None, executor=self.executor, target=self.settings.target,
                            principal=principal, today=today, question=question)
        from tools.base import ToolContext

        try:
            spec = get(name)
            out = spec.run(ToolContext(self.executor, self.settings.target, principal, today), args)
        except (KeyError, ValueError, TypeError, LuckyError) as err:
            return Answer(status="error", tool=name, reason=f"The {name} tool could not run: {err}")
        table = out.tables[0] if out.tables else None
        return Answer(status="answer", tool=spec.name, summary=out.summary or out.title,
                      columns=list(table.columns) if table else [], rows=[list(r) for r in table.rows] if table else [],
                      filters=list(out.filters), chart=out.chart, confidence=0.5,
                      understood=f"the model called the {spec.title} with {args}")

    def _result(self, sql: str, columns: list[str], rows: list[list[Any]], text: str, attempt: int) -> Answer:
        plain = [[float(v) if isinstance(v, Decimal) else v for v in r] for r in rows]
        cols = []
        for i, c in enumerate(columns):
            numeric = all(isinstance(r[i], int | float) or r[i] is None for r in plain) and any(
                r[i] is not None for r in plain)
            kind = ("money" if _MONEY_WORDS.search(c.lower()) else "decimal") if numeric else "text"
            cols.append(Col(c, "metric" if numeric else "dimension", kind, c.replace("_", " ")))
        explanation = next((ln.split(":", 1)[1].strip() for ln in text.splitlines()
                            if ln.lower().startswith("explanation:")), "")
        try:
            pretty = sqlglot.parse_one(sql, read="mysql").sql("mysql")
        except sqlglot.errors.ParseError:
            pretty = sql
        return Answer(status="answer", columns=columns, rows=plain, column_types=[c.format for c in cols], sql=pretty,
                      summary=summarise(cols, plain), understood=explanation, confidence=0.5,
                      chart=chart_spec(cols, plain), timings={"repairs": float(attempt)},
                      filters=[f"prompt sql_system.v{self.prompt_version}"])
