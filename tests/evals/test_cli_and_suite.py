"""`lucky eval` exit codes, JSON and Markdown output; suite validation and asking order."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.answer import Answer
from app.cli import app
from app.settings import Settings
from evals import engine_protocol
from evals.suite import SuiteError, asking_order, load_suite
from tests.evals.conftest import ScriptedEngine
from tests.evals.test_runner import GOLD_ORDERS

CASES: list[dict[str, object]] = [
    {"id": "right", "question": "right", "expect": "answer", "sql": GOLD_ORDERS, "tags": ["count"]},
    {"id": "wrong", "question": "wrong", "expect": "answer", "sql": GOLD_ORDERS, "tags": ["count"]},
    {"id": "amb", "question": "amb", "expect": "clarify", "tags": ["clarify"]},
]


def _suite_file(tmp_path: Path, cases: Sequence[Mapping[str, object]] = CASES) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump({"suite": "cli", "today": "2026-02-14", "cases": cases}))
    return p


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedEngine:
    engine = ScriptedEngine({"right": Answer(status="answer", sql=GOLD_ORDERS),
                             "wrong": Answer(status="answer", sql=GOLD_ORDERS.replace("= 90", "= 0")),
                             "amb": Answer(status="clarify", clarification="which?")})
    monkeypatch.setattr("app.commands.evalcmd.load_engine", lambda name, settings: engine)
    return engine


def test_cli_json_report_and_thresholds(tmp_path: Path, tiny_settings: Settings, scripted: ScriptedEngine) -> None:
    suite = _suite_file(tmp_path)
    report = tmp_path / "out" / "report.md"
    args = ["eval", str(suite), "--data", str(tiny_settings.data_dir), "--json", "--report", str(report)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["total"] == 3 and data["confidently_wrong"] == 1
    assert data["execution"]["value"] == 0.5 and data["clarify"]["value"] == 1.0
    assert data["per_tag"]["count"]["correct"] == 1
    assert {c["id"]: c["outcome"] for c in data["cases"]} == {"right": "correct", "wrong": "wrong",
                                                               "amb": "correct"}
    assert "confidently wrong | 1" in report.read_text()

    failing = CliRunner().invoke(app, [*args[:4], "--max-wrong", "0"])
    assert failing.exit_code == 1
    assert CliRunner().invoke(app, [*args[:4], "--min-accuracy", "0.9"]).exit_code == 1
    assert CliRunner().invoke(app, [*args[:4], "--min-accuracy", "0.6", "--max-wrong", "1"]).exit_code == 0
    only = CliRunner().invoke(app, [*args[:4], "--json", "--tag", "clarify"])
    assert json.loads(only.stdout)["total"] == 1


def test_cli_gold_error_and_bad_suite_exit_codes(tmp_path: Path, tiny_settings: Settings,
                                                  scripted: ScriptedEngine) -> None:
    bad_gold = [{**CASES[0], "sql": "SELECT nope FROM luckyus_sales_order.t_order"}]
    res = CliRunner().invoke(app, ["eval", str(_suite_file(tmp_path, bad_gold)), "--data",
                                   str(tiny_settings.data_dir)])
    assert res.exit_code == 3
    res = CliRunner().invoke(app, ["eval", str(_suite_file(tmp_path)), "--data", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "No embedded database" in res.output
    typo = [{**CASES[2], "order_maters": True}]
    res = CliRunner().invoke(app, ["eval", str(_suite_file(tmp_path, typo))])
    assert res.exit_code == 2 and "order_maters" in res.output


def test_missing_engine_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        err = ModuleNotFoundError("No module named 'app.engine'")
        err.name = "app.engine"
        raise err

    monkeypatch.setattr(engine_protocol.importlib, "import_module", missing)
    with pytest.raises(engine_protocol.EngineUnavailable, match="--url"):
        engine_protocol.load_engine("offline", Settings())
    with pytest.raises(engine_protocol.EngineUnavailable, match="Unknown engine"):
        engine_protocol.load_engine("gpt", Settings())
    res = CliRunner().invoke(app, ["eval", str(_suite_file(tmp_path))])
    assert res.exit_code == 2 and "app.engine" in res.output


@pytest.mark.parametrize(("case", "message"), [
    ({"id": "x", "question": "q", "expect": "answer"}, "exactly one of"),
    ({"id": "x", "question": "q", "expect": "answer", "sql": "SELECT 1", "tool": "t"}, "exactly one of"),
    ({"id": "x", "question": "q", "expect": "refuse", "sql": "SELECT 1"}, "must not have"),
    ({"id": "x", "question": "q", "expect": "maybe"}, "expect"),
    ({"id": "x", "question": "q", "expect": "clarify", "role": "store_manager"}, "needs `shops`"),
    ({"id": "x", "question": "q", "expect": "clarify", "shops": [1]}, "only applies"),
    ({"id": "x", "question": "q", "expect": "clarify", "follow_up_of": "ghost"}, "unknown case 'ghost'"),
])
def test_suite_validation(tmp_path: Path, case: dict[str, object], message: str) -> None:
    with pytest.raises(SuiteError, match=message):
        load_suite(_suite_file(tmp_path, [case]))


def test_duplicate_ids_and_cycles(tmp_path: Path) -> None:
    dup = [{"id": "a", "question": "q", "expect": "clarify"}] * 2
    with pytest.raises(SuiteError, match="duplicate"):
        load_suite(_suite_file(tmp_path, dup))
    cyc = [{"id": "a", "question": "q", "expect": "clarify", "follow_up_of": "b"},
           {"id": "b", "question": "q", "expect": "clarify", "follow_up_of": "a"}]
    with pytest.raises(SuiteError, match="cycle"):
        load_suite(_suite_file(tmp_path, cyc))


def test_asking_order_puts_parents_first(tmp_path: Path) -> None:
    cases = [{"id": "child", "question": "q", "expect": "clarify", "follow_up_of": "root"},
             {"id": "x", "question": "q", "expect": "clarify"},
             {"id": "root", "question": "q", "expect": "clarify"}]
    s = load_suite(_suite_file(tmp_path, cases))
    assert [c.id for c in asking_order(s, s.cases)] == ["x", "root", "child"]
    assert [c.id for c in asking_order(s, [s.by_id()["child"]])] == ["child"]


def test_baseline_save_then_detect_a_drop(tmp_path: Path, tiny_settings: Settings,
                                          scripted: ScriptedEngine) -> None:
    suite = _suite_file(tmp_path)
    base = tmp_path / "base.json"
    args = ["eval", str(suite), "--data", str(tiny_settings.data_dir)]
    assert CliRunner().invoke(app, [*args, "--save-baseline", str(base)]).exit_code == 0
    saved = json.loads(base.read_text())
    assert saved["accuracy"] == pytest.approx(2 / 3) and saved["confidently_wrong"] == 1
    assert CliRunner().invoke(app, [*args, "--baseline", str(base)]).exit_code == 0
    scripted.script["amb"] = Answer(status="answer", sql=GOLD_ORDERS)  # now answers the ambiguous one
    res = CliRunner().invoke(app, [*args, "--baseline", str(base)])
    assert res.exit_code == 1
    assert "confidently wrong rose from 1 to 2" in res.output and "accuracy dropped" in res.output
