"""The runner end to end on a tiny hand-made DuckDB with a scripted engine (no real engine needed)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from app.answer import Answer
from app.errors import ConnectionFailed
from app.executor import Executor
from evals.http_engine import HttpEngine
from evals.report import markdown, summarize, threshold_failures
from evals.runner import Runner, RunOptions
from evals.suite import Suite
from tests.evals.conftest import Call, ScriptedEngine

DEFAULTS = ("o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN "
            "(SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")
LOCAL_DAY = "DATE(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) = '2026-02-13'"
GOLD_ORDERS = f"SELECT COUNT(*) AS orders FROM luckyus_sales_order.t_order o WHERE {DEFAULTS} AND {LOCAL_DAY}"
GOLD_BY_STORE = (f"SELECT o.shop_name, SUM(o.pay_money) AS revenue FROM luckyus_sales_order.t_order o "
                 f"WHERE {DEFAULTS} AND {LOCAL_DAY} GROUP BY o.shop_name")
TODAY = dt.date(2026, 2, 14)


def ans(sql: str | None = None, **kw: object) -> Answer:
    return Answer(status=kw.pop("status", "answer"), sql=sql, **kw)


def suite(*cases: dict[str, object]) -> Suite:
    return Suite.model_validate({"suite": "t", "today": "2026-02-14", "cases": list(cases)})


def run(engine: ScriptedEngine, ex: Executor, s: Suite, url_mode: bool = False) -> dict[str, object]:
    runner = Runner(engine, ex, RunOptions(target="duckdb", today=TODAY, url_mode=url_mode, warm_up=False))
    return {r.id: r for r in runner.run(s)}


def test_outcomes_for_every_kind_of_case(tiny: Executor) -> None:
    utc_day = GOLD_ORDERS.replace(LOCAL_DAY, "DATE(o.create_time) = '2026-02-13'")
    engine = ScriptedEngine({
        "right": ans(GOLD_ORDERS.replace("AS orders", "AS n, 'note' AS extra")),
        "utc day": ans(utc_day),  # New York's Friday ends at 05:00 UTC: one order too few
        "no test filter": ans(GOLD_ORDERS.replace(DEFAULTS, "o.status = 90")),
        "asks back": ans(status="clarify", clarification="Which Broadway?"),
        "answers anyway": ans(GOLD_ORDERS),
        "refuses": ans(status="refuse", reason="I cannot delete data."),
        "clarifies a refusal": ans(status="clarify", clarification="?"),
        "broken sql": ans("SELECT nope FROM luckyus_sales_order.t_order"),
        "crash": lambda call: (_ for _ in ()).throw(RuntimeError("boom")),
        "tool": ans(tool="reconciliation"),
        "other tool": ans(tool="fleet_status"),
    })
    s = suite(
        {"id": "a1", "question": "right", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "a2", "question": "utc day", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "a3", "question": "no test filter", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "a4", "question": "asks back", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "c1", "question": "asks back", "expect": "clarify"},
        {"id": "c2", "question": "answers anyway", "expect": "clarify"},
        {"id": "r1", "question": "refuses", "expect": "refuse"},
        {"id": "r2", "question": "clarifies a refusal", "expect": "refuse"},
        {"id": "a5", "question": "broken sql", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "a6", "question": "crash", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "t1", "question": "tool", "expect": "answer", "tool": "Reconciliation"},
        {"id": "t2", "question": "other tool", "expect": "answer", "tool": "reconciliation"},
    )
    res = run(engine, tiny, s)
    outcome = {k: (r.outcome, r.confidently_wrong) for k, r in res.items()}  # type: ignore[attr-defined]
    assert outcome == {
        "a1": ("correct", False), "a2": ("wrong", True), "a3": ("wrong", True), "a4": ("missed", False),
        "c1": ("correct", False), "c2": ("wrong", True), "r1": ("correct", False), "r2": ("missed", False),
        "a5": ("wrong", True), "a6": ("error", False), "t1": ("correct", False), "t2": ("wrong", True),
    }
    assert "expected 1" not in res["a2"].why and "not found" in res["a2"].why  # type: ignore[attr-defined]
    assert "re-run" in res["a5"].why  # type: ignore[attr-defined]

    summary = summarize(list(res.values()), suite="t", engine="scripted", target="duckdb", today=TODAY)  # type: ignore[arg-type]
    assert summary.total == 12 and summary.confidently_wrong == 5
    assert (summary.execution.correct, summary.execution.total) == (2, 8)
    assert (summary.clarify_refuse.correct, summary.clarify_refuse.total) == (2, 4)
    assert summary.accuracy.value == pytest.approx(4 / 12)
    assert threshold_failures(summary, 0.3, 5) == []
    assert len(threshold_failures(summary, 0.5, 0)) == 2
    md = markdown(summary)
    assert "`a2` — wrong **confidently wrong**" in md and GOLD_ORDERS in md


def test_gold_sql_principal_and_errors(tiny: Executor) -> None:
    engine = ScriptedEngine({"q": ans(GOLD_ORDERS), "by store": lambda c: ans(GOLD_BY_STORE)})
    s = suite(
        {"id": "bad-gold", "question": "q", "expect": "answer", "sql": "SELECT x FROM luckyus_sales_order.t_nope"},
        {"id": "mgr", "question": "by store", "expect": "answer", "sql": GOLD_BY_STORE,
         "role": "store_manager", "shops": ["102 Fulton", 1]},
    )
    res = run(engine, tiny, s)
    assert res["bad-gold"].outcome == "gold_error"  # type: ignore[attr-defined]
    assert res["mgr"].outcome == "correct"  # type: ignore[attr-defined]
    mgr_call = engine.calls[-1]
    assert mgr_call.principal.role == "store_manager" and mgr_call.principal.shops == (2, 1)
    assert mgr_call.today == TODAY


def test_follow_ups_share_the_parent_conversation_and_branches_replay(tiny: Executor) -> None:
    engine = ScriptedEngine({q: ans(GOLD_ORDERS) for q in ("p", "c1", "c2", "gc", "other")})
    s = suite(
        {"id": "c1", "question": "c1", "expect": "answer", "sql": GOLD_ORDERS, "follow_up_of": "p"},
        {"id": "other", "question": "other", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "p", "question": "p", "expect": "answer", "sql": GOLD_ORDERS},
        {"id": "c2", "question": "c2", "expect": "answer", "sql": GOLD_ORDERS, "follow_up_of": "p"},
        {"id": "gc", "question": "gc", "expect": "answer", "sql": GOLD_ORDERS, "follow_up_of": "c1"},
    )
    res = run(engine, tiny, s)
    asked = [(c.question, c.conversation_id) for c in engine.calls]
    # parents first, depth first: other, p, c1, gc, then c2 after replaying p in a new conversation
    assert [q for q, _ in asked] == ["other", "p", "c1", "gc", "p", "c2"]
    conv = {q: cid for q, cid in asked[:4]}
    assert conv["p"] == conv["c1"] == conv["gc"] != conv["other"]
    assert asked[4][1] == asked[5][1] != conv["p"]
    assert res["c2"].conversation_id == asked[5][1]  # type: ignore[attr-defined]
    assert all(r.outcome == "correct" for r in res.values())  # type: ignore[attr-defined]


def test_http_engine_posts_question_and_rows_are_compared(tiny: Executor) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        rows = [["102 Fulton", "3.10"], ["8th & Broadway", "15.75"]]
        if body["question"] == "wrong":
            rows[1][1] = "15.74"
        if body["question"] == "down":
            return httpx.Response(503, text="maintenance")
        return httpx.Response(200, json=Answer(status="answer", columns=["store", "revenue"], rows=rows,
                                               sql="SELECT 'not re-run'").model_dump(mode="json"))

    client = httpx.Client(base_url="http://lucky.test", transport=httpx.MockTransport(handler))
    engine = HttpEngine("http://lucky.test", "k-123", client=client)
    s = suite(
        {"id": "ok", "question": "right", "expect": "answer", "sql": GOLD_BY_STORE},
        {"id": "cent", "question": "wrong", "expect": "answer", "sql": GOLD_BY_STORE},
        {"id": "down", "question": "down", "expect": "answer", "sql": GOLD_BY_STORE},
        {"id": "mgr", "question": "right", "expect": "answer", "sql": GOLD_BY_STORE, "role": "store_manager",
         "shops": [1]},
    )
    res = run(engine, tiny, s, url_mode=True)  # type: ignore[arg-type]
    assert [res[k].outcome for k in ("ok", "cent", "down", "mgr")] == [  # type: ignore[attr-defined]
        "correct", "wrong", "error", "skipped"]
    first = seen[0]
    assert first.url.path == "/v1/ask" and first.headers["authorization"] == "Bearer k-123"
    body = json.loads(first.content)
    assert body["question"] == "right" and body["today"] == "2026-02-14" and body["conversation_id"]


def test_engine_rows_used_when_answer_has_no_sql(tiny: Executor) -> None:
    engine = ScriptedEngine({"q": ans(columns=["orders"], rows=[[4]]), "bad": ans(columns=["orders"], rows=[[5]])})
    s = suite({"id": "q", "question": "q", "expect": "answer", "sql": GOLD_ORDERS},
              {"id": "bad", "question": "bad", "expect": "answer", "sql": GOLD_ORDERS})
    res = run(engine, tiny, s)
    assert res["q"].outcome == "correct" and res["bad"].outcome == "wrong"  # type: ignore[attr-defined]


def test_warm_up_asks_once_unscored(tiny: Executor) -> None:
    engine = ScriptedEngine({"q": ans(GOLD_ORDERS)})
    s = suite({"id": "q", "question": "q", "expect": "answer", "sql": GOLD_ORDERS})
    results = Runner(engine, tiny, RunOptions(target="duckdb", today=TODAY)).run(s)
    assert [c.question for c in engine.calls] == ["q", "q"]
    assert engine.calls[0].conversation_id != engine.calls[1].conversation_id
    assert len(results) == 1 and results[0].conversation_id == engine.calls[1].conversation_id


def test_engine_call_receives_suite_today(tiny: Executor) -> None:
    seen: list[Call] = []

    def reply(call: Call) -> Answer:
        seen.append(call)
        return ans(status="refuse")

    engine = ScriptedEngine({"weather?": reply})
    run(engine, tiny, suite({"id": "w", "question": "weather?", "expect": "refuse"}))
    assert seen[0].today == TODAY and seen[0].principal.role == "analyst"


def test_environment_failures_on_rerun_are_errors_not_wrong(tiny: Executor,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = tiny.run

    def flaky(sql: str, **kw: object) -> object:
        if "/* engine */" in sql:
            raise ConnectionFailed("Could not connect to the duckdb database. Is it running?")
        return real_run(sql, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(tiny, "run", flaky)
    engine = ScriptedEngine({"q": ans("/* engine */ " + GOLD_ORDERS)})
    res = run(engine, tiny, suite({"id": "q", "question": "q", "expect": "answer", "sql": GOLD_ORDERS}))
    assert res["q"].outcome == "error" and not res["q"].confidently_wrong  # type: ignore[attr-defined]
