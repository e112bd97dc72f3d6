"""Run a suite against an engine: ask each case, run gold and engine SQL, judge, time.

Gold SQL runs through the one executor (so through the guardrails) with a principal built from
the case's ``role`` / ``shops``, on the same target as the engine's SQL. Follow-ups are asked in
their parent's conversation right after it; when that is not possible (a parent with several
follow-ups, or a parent filtered out) the parent chain is replayed, unscored, in a fresh one.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from app.answer import Answer
from app.errors import ConnectionFailed, DataMissing, LuckyError, QueryTimeout
from app.executor import Executor
from evals.compare import Table, round_digits
from evals.engine_protocol import AskEngine
from evals.scoring import Judgement, Outcome, judge_rows, judge_status
from evals.suite import Case, Suite, asking_order
from guardrails.principal import SYSTEM, Principal


class CaseResult(BaseModel):
    """One scored case, as the report and ``--json`` show it."""

    id: str
    question: str
    expect: str
    tags: list[str] = Field(default_factory=list)
    outcome: Outcome
    confidently_wrong: bool = False
    why: str = ""
    status: str | None = None
    engine: str | None = None
    sql: str | None = None
    tool: str | None = None
    expected_tool: str | None = None
    gold_sql: str | None = None
    gold_rows: int | None = None
    answer_rows: int | None = None
    mapping: dict[str, str] = Field(default_factory=dict)
    latency_ms: float | None = None
    conversation_id: str | None = None
    follow_up_of: str | None = None
    role: str = "analyst"


@dataclass
class RunOptions:
    target: str
    today: dt.date
    url_mode: bool = False  # compare the answer's rows instead of re-running its SQL
    url_role: str = "analyst"  # the role behind the --url API key; other roles are skipped
    warm_up: bool = True  # ask the first question once, unscored and untimed, before the run


Progress = Callable[[CaseResult], None]


class Runner:
    """Scores cases of one suite with one engine on one target."""

    def __init__(self, engine: AskEngine, executor: Executor, options: RunOptions) -> None:
        self.engine = engine
        self.executor = executor
        self.options = options
        self._gold: dict[tuple[str, Principal], Table | str] = {}
        self._shop_ids: dict[str, int] | None = None
        self._run = uuid.uuid4().hex[:8]
        self._n = 0

    # ----------------------------------------------------------------- public
    def run(self, suite: Suite, cases: list[Case] | None = None,
            progress: Progress | None = None) -> list[CaseResult]:
        ordered = asking_order(suite, cases if cases is not None else suite.cases)
        conv_of: dict[str, str] = {}
        last_turn: dict[str, str] = {}
        results: list[CaseResult] = []
        if self.options.warm_up and ordered:  # one-time start-up (lexicons, pools) is not a case's latency
            first = next((c for c in ordered if self._skip_reason(c) is None), None)
            if first is not None:
                self._ask(first, self._new_conversation())
        for case in ordered:
            result = self._skip_reason(case)
            if result is None:
                conv = self._conversation_for(suite, case, conv_of, last_turn)
                result = self._score(case, conv)
                conv_of[case.id] = conv
                last_turn[conv] = case.id
            results.append(result)
            if progress:
                progress(result)
        return results

    # ---------------------------------------------------------- conversations
    def _new_conversation(self) -> str:
        self._n += 1
        return f"eval-{self._run}-{self._n}"

    def _conversation_for(self, suite: Suite, case: Case, conv_of: dict[str, str],
                          last_turn: dict[str, str]) -> str:
        if case.follow_up_of is None:
            return self._new_conversation()
        parent_conv = conv_of.get(case.follow_up_of)
        if parent_conv is not None and last_turn.get(parent_conv) == case.follow_up_of:
            return parent_conv
        conv = self._new_conversation()
        for earlier in suite.ancestors(case):  # replay, unscored, so the follow-up has its context
            self._ask(earlier, conv)
        return conv

    # ---------------------------------------------------------------- scoring
    def _skip_reason(self, case: Case) -> CaseResult | None:
        if self.options.url_mode and (case.role != self.options.url_role or case.shops):
            return self._result(case, Judgement("skipped", f"needs role {case.role}"
                                                 f"{' with shops ' + str(list(case.shops)) if case.shops else ''};"
                                                 f" --url asks as {self.options.url_role}"), None, None, None)
        return None

    def _ask(self, case: Case, conversation_id: str) -> tuple[Answer, float]:
        started = time.perf_counter()
        try:
            answer = self.engine.ask(case.question, conversation_id=conversation_id,
                                     principal=self.principal(case), today=self.options.today)
        except Exception as err:  # an engine crash is scored as an error, never fatal to the run
            answer = Answer(status="error", question=case.question, reason=f"{type(err).__name__}: {err}")
        return answer, (time.perf_counter() - started) * 1000

    def _score(self, case: Case, conversation_id: str) -> CaseResult:
        answer, latency = self._ask(case, conversation_id)
        judgement = judge_status(case, answer)
        gold_n = got_n = None
        if judgement is None:
            assert case.sql is not None
            gold = self.gold(case)
            if isinstance(gold, str):
                judgement = Judgement("gold_error", f"gold SQL failed: {gold}")
            else:
                gold_n = len(gold.rows)
                got = self._answer_table(case, answer)
                if isinstance(got, Judgement):
                    judgement = got
                else:
                    got_n = len(got.rows)
                    judgement = judge_rows(case, gold, got)
        result = self._result(case, judgement, answer, latency, conversation_id)
        result.gold_rows, result.answer_rows = gold_n, got_n
        return result

    def _result(self, case: Case, j: Judgement, answer: Answer | None, latency: float | None,
                conversation_id: str | None) -> CaseResult:
        return CaseResult(
            id=case.id, question=case.question, expect=case.expect, tags=list(case.tags), outcome=j.outcome,
            confidently_wrong=j.confidently_wrong, why=j.why, mapping=j.mapping,
            status=answer.status if answer else None, engine=answer.engine if answer else None,
            sql=answer.sql if answer else None, tool=answer.tool if answer else None,
            expected_tool=case.tool, gold_sql=case.sql, latency_ms=latency, conversation_id=conversation_id,
            follow_up_of=case.follow_up_of, role=case.role,
        )

    # ------------------------------------------------------------------ data
    def principal(self, case: Case) -> Principal:
        ids = tuple(self._shop_id(s) for s in case.shops)
        return Principal(role=case.role, shops=ids, name=f"eval:{case.role}")

    def _shop_id(self, shop: int | str) -> int:
        if isinstance(shop, int):
            return shop
        if self._shop_ids is None:
            res = self.executor.run("SELECT id, shop_name FROM luckyus_opshop.t_shop_info",
                                    principal=SYSTEM, target=self.options.target)
            self._shop_ids = {str(name): int(i) for i, name in res.rows}
        if shop not in self._shop_ids:
            raise LuckyError(f"unknown shop {shop!r} in a case's `shops`")
        return self._shop_ids[shop]

    def gold(self, case: Case) -> Table | str:
        """The gold result for ``case`` (cached per SQL and principal), or the error text."""
        assert case.sql is not None
        try:
            principal = self.principal(case)
        except LuckyError as err:
            return err.message
        key = (case.sql, principal)
        if key not in self._gold:
            try:
                res = self.executor.run(case.sql, principal=principal, target=self.options.target)
                self._gold[key] = Table(res.columns, res.rows, digits=round_digits(case.sql, len(res.columns)))
            except LuckyError as err:
                self._gold[key] = err.message
        return self._gold[key]

    def _answer_table(self, case: Case, answer: Answer) -> Table | Judgement:
        """The engine's result: its SQL re-run here, or (HTTP, or no SQL) the rows it returned.

        SQL the guardrails refuse or the database rejects is the engine's answer and it is wrong; a
        connection failure, a timeout or missing data is the environment's, so the case is an error.
        """
        types = dict(zip(answer.columns, answer.column_types, strict=False))
        if answer.sql and not self.options.url_mode:
            try:
                res = self.executor.run(answer.sql, principal=self.principal(case), target=self.options.target)
            except (ConnectionFailed, QueryTimeout, DataMissing) as err:
                return Judgement("error", f"could not re-run the engine's SQL: {err.message}")
            except LuckyError as err:
                return Judgement("wrong", f"the engine's SQL failed when re-run: {err.message}")
            return Table(res.columns, res.rows, money=[types.get(c) == "money" for c in res.columns])
        return Table(list(answer.columns), [list(r) for r in answer.rows],
                     money=[t == "money" for t in answer.column_types])
