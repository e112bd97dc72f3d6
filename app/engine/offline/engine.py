"""The offline engine: parse -> intent -> SQL -> guardrails/executor -> answer. No LLM anywhere.

One instance per dataset and target: the semantic model, the names read from the data and the
lexicon built from both are loaded once and reused by every question. ``ask`` never raises for a
bad question; it answers, asks back, refuses, or reports an error a person can read.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.answer import Answer
from app.charts import chart_spec
from app.conversation import Turn, make_store
from app.engine.cache import cache_key, make_cache
from app.engine.intent import Condition, Intent
from app.engine.offline.builder import Builder, BuildError, BuiltQuery
from app.engine.offline.entities import EntityCatalog, load_entities
from app.engine.offline.lexicon import build_lexicon
from app.engine.offline.parser import Parser, ParseResult
from app.engine.tools_route import run_tool
from app.errors import LuckyError, Refused
from app.executor import Executor
from app.settings import Settings
from app.summary import Col, summarise
from guardrails.principal import ANALYST, Principal
from schema_catalog.semantic import SemanticModel, load_semantic_model

TZ_NOTE = "New York time"


class OfflineEngine:
    """Answers questions from the semantic model alone."""

    name = "offline"

    def __init__(self, settings: Settings, executor: Executor | None = None,
                 model: SemanticModel | None = None) -> None:
        self.settings = settings
        self.executor = executor or Executor(settings)
        self.model = model or load_semantic_model()
        self.builder = Builder(self.model)
        self.cache = make_cache(settings.redis_url)
        self.conversations = make_store(settings.redis_url)
        self._parser: Parser | None = None
        self._catalog: EntityCatalog | None = None

    # ------------------------------------------------------------------ setup
    @property
    def catalog(self) -> EntityCatalog:
        if self._catalog is None:
            known = tuple(str(k) for k in self.model.code_synonyms("store"))
            self._catalog = load_entities(self.executor, self.settings.target, known)
        return self._catalog

    @property
    def parser(self) -> Parser:
        if self._parser is None:
            tools = dict(self.model.tools)  # the registry itself is imported only to run a tool
            lexicon = build_lexicon(self.model, self.catalog, tools)
            self._parser = Parser(self.model, lexicon, self.catalog, tools)
        return self._parser

    # ------------------------------------------------------------------ asking
    def ask(self, question: str, *, conversation_id: str | None = None, principal: Principal = ANALYST,
            today: dt.date | None = None) -> Answer:
        started = time.perf_counter()
        today = today or self.settings.today
        turn = self.conversations.get(conversation_id) if conversation_id else None
        unknown: list[str] = []
        try:
            answer, intent = self._answer(question, turn, principal, today, unknown)
        except LuckyError as err:
            answer, intent = Answer(status="error", question=question, reason=err.message), None
        answer.engine = self.name
        answer.question = question
        answer.conversation_id = conversation_id
        answer.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        answer.timings["total_ms"] = answer.elapsed_ms
        if conversation_id:
            self._remember(conversation_id, question, answer, intent, turn, unknown)
        return answer

    def _remember(self, cid: str, question: str, answer: Answer, intent: Intent | None, prev: Turn | None,
                  unknown: list[str] | None = None) -> None:
        if answer.status == "clarify":
            still = bool(prev and prev.pending)
            pending = f"{prev.pending} {question}" if prev and prev.pending else question
            words = list(prev.unknown if prev and still else []) + list(unknown or [])
            self.conversations.put(cid, Turn(question=question, status="clarify", pending=pending, unknown=words,
                                             intent=prev.intent if prev else None, sql=prev.sql if prev else None))
        elif answer.status == "answer" and intent is not None:
            self.conversations.put(cid, Turn(question=question, status="answer", intent=intent, sql=answer.sql,
                                             columns=answer.columns))
        elif prev is not None and answer.status == "answer" and answer.tool is None:
            self.conversations.put(cid, prev)

    def _parse(self, question: str, turn: Turn | None, today: dt.date) -> ParseResult:
        t = time.perf_counter()
        if turn is not None and turn.pending:
            # the reply explains the words the clarification was about ("the pop-up?" -> "the Columbia one")
            combined = self.parser.parse(f"{turn.pending} | {question}", today, ignore=frozenset(turn.unknown))
            if combined.status in ("answer", "tool"):
                combined.explanation += " (with your clarification)"
                return combined
        res = self.parser.parse(question, today, previous=turn.intent if turn else None)
        res.explanation = res.explanation or ""
        self._parse_ms = (time.perf_counter() - t) * 1000
        return res

    def _answer(self, question: str, turn: Turn | None, principal: Principal,
                today: dt.date, unknown: list[str] | None = None) -> tuple[Answer, Intent | None]:
        """The answer and the intent it came from; ``unknown`` receives the words a clarification is about."""
        t0 = time.perf_counter()
        self._parse_ms = 0.0
        res = self._parse(question, turn, today)
        parse_ms = (time.perf_counter() - t0) * 1000
        if res.status == "refuse":
            return Answer(status="refuse", reason=res.reason, understood=res.explanation,
                          confidence=res.confidence, timings={"parse_ms": round(parse_ms, 2)}), None
        if res.status == "clarify":
            if unknown is not None:
                unknown.extend(res.unknown)
            return Answer(status="clarify", clarification=res.clarification, options=res.options,
                          understood=res.explanation, confidence=res.confidence,
                          timings={"parse_ms": round(parse_ms, 2)}), None
        if res.status == "show_sql":
            if turn is None or not turn.sql:
                return Answer(status="clarify", clarification="There is no previous answer in this conversation "
                                                              "to show the SQL of. What would you like to know?"), None
            return Answer(status="answer", sql=turn.sql, summary="The SQL behind the previous answer.",
                          understood="show the SQL of the previous answer", confidence=0.95), turn.intent
        if res.status == "tool":
            assert res.tool is not None
            return run_tool(res.tool, period=res.tool_period, store=res.tool_store, executor=self.executor,
                            target=self.settings.target, principal=principal, today=today,
                            question=question), None
        assert res.intent is not None
        intent = res.intent
        outside = self._outside_data(intent, today)
        if outside is not None:
            return outside, None
        scoped = self._scope(intent, principal)
        if isinstance(scoped, Answer):
            return scoped, None
        try:
            built = self.builder.build(scoped, today)
        except BuildError as err:
            return Answer(status="refuse", reason=str(err), understood=intent.explanation,
                          confidence=intent.confidence), None
        build_ms = (time.perf_counter() - t0) * 1000 - parse_ms
        answer = self._execute(built, scoped, principal)
        answer.timings.update({"parse_ms": round(parse_ms, 2), "build_ms": round(build_ms, 2)})
        return answer, intent

    def first_day(self) -> dt.date | None:
        """The local business day of the first order: the data holds nothing before it."""
        first = self.catalog.first_order
        if first is None:
            return None
        return first.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.model.timezone)).date()

    def _outside_data(self, intent: Intent, today: dt.date) -> Answer | None:
        """A refusal when the question's period lies wholly after today or before the data starts: a zero
        there would be a confident answer about days nobody recorded (a yearless "Dec 15" asked on Dec 10
        reads as last year's, which may predate the data)."""
        period = intent.period
        if period is None or self.model.sources[intent.source].time is None:
            return None
        first = self.first_day()
        if period.start is not None and period.start > today:
            why = f"{period.describe()} is after today ({today:%b %-d, %Y}), so there is no data for it yet."
        elif first is not None and period.end < first:
            why = (f"There is no data for {period.describe()}: the records start on {first:%b %-d, %Y}. "
                   "Give the date with its year if you meant another one.")
        else:
            return None
        return Answer(status="refuse", reason=why, understood=intent.explanation, confidence=0.9)

    # ------------------------------------------------------------------ row-level scope
    def _scope(self, intent: Intent, principal: Principal) -> Intent | Answer:
        """A store manager sees their own stores: asking about another is refused, the rest is filtered."""
        if principal.role != "store_manager":
            return intent
        allowed = {s.id: s.name for s in self.catalog.stores if s.id in principal.shops}
        names = set(allowed.values())
        members = intent.compare.members if intent.compare and intent.compare.kind == "members" else []
        for c in intent.conditions + members:
            if c.dimension == "store" and not c.negate:
                outside = [str(v) for v in c.values if str(v) not in names]
                if outside:
                    mine = ", ".join(sorted(names)) or "no stores"
                    return Answer(status="refuse", confidence=0.95, understood=intent.explanation,
                                  reason=f"You can see data for {mine} only; {', '.join(outside)} is outside "
                                         "your stores.")
        if intent.source not in self.model.dimension_sources("store_id"):
            return Answer(status="refuse", confidence=0.9, understood=intent.explanation,
                          reason="That measure is not kept per store, so it can't be limited to your stores.")
        scoped = intent.model_copy(deep=True)
        scoped.conditions.append(Condition(kind="dim", dimension="store_id", values=list(principal.shops),
                                           labels=sorted(names)))
        return scoped

    # ------------------------------------------------------------------ running and answering
    def _execute(self, built: BuiltQuery, intent: Intent, principal: Principal) -> Answer:
        target = self.settings.target
        sql = built.tree.sql(dialect="mysql")
        key = cache_key(sql, self.catalog.fingerprint, target, principal, normalised=True)
        t = time.perf_counter()
        cached = self.cache.get(key)
        if cached is None:
            try:
                result = self.executor.run(built.tree, principal=principal, target=target)
            except Refused as err:
                return Answer(status="refuse", reason=err.message, sql=sql, understood=intent.explanation,
                              confidence=intent.confidence)
            cached = {"columns": result.columns, "rows": result.rows, "truncated": result.truncated,
                      "masked": dict(result.masked)}
            self.cache.put(key, cached)
            hit = False
        else:
            hit = True
        exec_ms = (time.perf_counter() - t) * 1000
        by_name = {c.name: c for c in built.columns}
        columns: list[str] = list(cached["columns"])
        rows = [[_plain(v) for v in r] for r in cached["rows"]]
        cols = [self._col(by_name.get(c), c) for c in columns]
        filters = self._filters(built, intent)
        scope = self._scope_text(intent)
        period = intent.period.describe() if intent.period else (
            "all time" if not (intent.compare and intent.compare.kind == "periods") else "")
        title = self.parser.explain(intent)
        return Answer(
            status="answer", columns=columns, rows=rows, column_types=[c.format for c in cols],
            truncated=bool(cached["truncated"]), sql=sql, summary=summarise(cols, rows, scope=scope, period=period),
            filters=filters, understood=intent.explanation, confidence=intent.confidence,
            chart=chart_spec(cols, rows, title=title[:80]),
            timings={"execute_ms": round(exec_ms, 2), "cache_hit": 1.0 if hit else 0.0},
        )

    def _col(self, out: Any, name: str) -> Col:
        if out is None:
            return Col(name, "text", "text", name)
        if out.role == "metric" and out.ref in self.model.metrics:
            label = self.model.metrics[out.ref].label
        elif out.ref in self.model.dimensions:
            label = self.model.dimensions[out.ref].label
        else:
            label = name.replace("_", " ")
        return Col(out.name, out.role, out.format, label)

    def _filters(self, built: BuiltQuery, intent: Intent) -> list[str]:
        labels = list(built.filters)
        src = self.model.sources[built.source]
        if src.time is not None and src.time_kind == "utc":
            labels.append(TZ_NOTE)
        for c in intent.conditions:
            if c.dimension == "store_id":
                labels.append(f"limited to your stores ({', '.join(c.labels)})")
        return labels

    def _scope_text(self, intent: Intent) -> str:
        parts = []
        for c in intent.conditions:
            if c.dimension == "store_id":
                continue
            parts.append(c.describe())
        return ", ".join(p for p in parts if p)


def _plain(v: Any) -> Any:
    """JSON-friendly cells: Decimal -> int/float, dates stay dates (the Answer serialises them)."""
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        return int(v) if isinstance(exponent, int) and exponent >= 0 else float(v)
    return v
