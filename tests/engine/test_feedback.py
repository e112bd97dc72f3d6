"""Feedback becomes a retrieval example only after an admin approves it, and then on every replica."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import app.engine.feedback as feedback_mod
import schema_catalog.index as index_mod
from app.engine.feedback import (
    Feedback,
    FeedbackConflict,
    FeedbackError,
    FeedbackNotFound,
    FeedbackStore,
    FeedbackUnsafe,
    feedback_store,
)
from app.settings import Settings
from app.state.store import feedback as feedback_table
from app.state.store import state_engine
from guardrails.principal import ADMIN, ANALYST
from schema_catalog import Catalog, load_catalog
from schema_catalog.context import build_context
from schema_catalog.index import CatalogIndex
from tests.conftest import ROOT

SQL = "SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE o.status = 90"


def _url(path: Path) -> str:
    return f"sqlite:///{path / 'state.sqlite'}"


def _pairs(store: FeedbackStore) -> list[tuple[str, str, str, str]]:
    return [(e.id, e.question, e.sql, e.source) for e in store.examples()]


def test_confirmed_answers_wait_for_an_admin(tmp_path: Path) -> None:
    store = FeedbackStore(_url(tmp_path))
    assert store.examples() == [] and store.version() == (0, None)
    assert not (tmp_path / "state.sqlite").exists()  # reading creates no state database
    item = store.submit(question="how many orders", verdict="right", sql=SQL, user="ana")
    assert item.state == "pending" and store.examples() == [] and store.get(item.id) == item
    with pytest.raises(FeedbackError, match="admin"):
        store.decide(item.id, ANALYST, approve=True)
    decided = store.decide(item.id, ADMIN, approve=True)
    assert decided.state == "approved" and store.get(item.id) == decided
    assert _pairs(store) == [(f"feedback-{item.id}", "how many orders", SQL, "feedback")]
    assert store.pending() == [] and store.version() == (1, decided.decided)


def test_corrections_use_the_corrected_sql_and_rejections_teach_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(_url(tmp_path))
    fixed = store.submit(question="q1", verdict="wrong", sql="SELECT 1", corrected_sql=SQL)
    rejected = store.submit(question="q2", verdict="right", sql=SQL)
    noted = store.submit(question="q3", verdict="wrong", sql="SELECT 2")
    assert noted.state == "noted" and [p.id for p in store.pending()] == [fixed.id, rejected.id]
    store.decide(rejected.id, ADMIN, approve=False)
    assert store.version() == (0, None)  # a rejection changes nothing an index reads
    store.decide(fixed.id, ADMIN, approve=True)
    assert [e.sql for e in store.examples()] == [SQL]
    assert [i.id for i in store.items()] == [fixed.id, rejected.id, noted.id]  # the order they arrived


def test_an_unsafe_statement_cannot_be_approved(tmp_path: Path) -> None:
    store = FeedbackStore(_url(tmp_path))
    item = store.submit(question="clean up", verdict="right", sql="DELETE FROM luckyus_sales_order.t_order")
    with pytest.raises(FeedbackError, match="guardrails"):
        store.decide(item.id, ADMIN, approve=True)
    assert store.examples() == [] and store.get(item.id).state == "pending"


def test_an_example_must_be_safe_for_an_analyst_and_read_a_table(tmp_path: Path) -> None:
    store = FeedbackStore(_url(tmp_path))
    pii = store.submit(question="who is 555-0100", verdict="right",
                       sql="SELECT user_no FROM luckyus_sales_crm.t_user WHERE phone = '555-0100'")
    constant = store.submit(question="one", verdict="right", sql="SELECT 1")
    for item in (pii, constant):
        with pytest.raises(FeedbackUnsafe):
            store.decide(item.id, ADMIN, approve=True)  # an admin may run it, but every prompt would show it
    assert store.examples() == [] and {p.id for p in store.pending()} == {pii.id, constant.id}


def test_decisions_are_final_and_ids_must_exist(tmp_path: Path) -> None:
    store = FeedbackStore(_url(tmp_path))
    item = store.submit(question="how many orders", verdict="right", sql=SQL)
    store.decide(item.id, ADMIN, approve=False)
    with pytest.raises(FeedbackConflict, match="already rejected"):
        store.decide(item.id, ADMIN, approve=True)
    with pytest.raises(FeedbackNotFound):
        store.decide("nope", ADMIN, approve=True)
    assert [i.state for i in store.items()] == ["rejected"] and store.items("rejected")[0].decided_by == "admin"
    assert store.examples() == []


def test_a_decision_racing_another_loses_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The update only matches a pending row: a replica that read "pending" just before another decided loses."""
    url = _url(tmp_path)
    mine, theirs = FeedbackStore(url), FeedbackStore(url)
    item = mine.submit(question="how many orders", verdict="right", sql=SQL)
    check = feedback_mod.check_example_sql

    def meanwhile_rejected_elsewhere(sql: str, decider: str = "admin") -> None:
        check(sql, decider)
        monkeypatch.setattr(feedback_mod, "check_example_sql", check)
        theirs.decide(item.id, ADMIN, approve=False)

    monkeypatch.setattr(feedback_mod, "check_example_sql", meanwhile_rejected_elsewhere)
    with pytest.raises(FeedbackConflict, match="already rejected"):
        mine.decide(item.id, ADMIN, approve=True)
    assert mine.get(item.id).state == "rejected" and mine.examples() == []


# ---------------------------------------------------------------- approval -> retrieval
SHOP_SQL = "SELECT shop_name, set_up_time FROM luckyus_opshop.t_shop_info ORDER BY set_up_time DESC LIMIT 3"
APPROVED = "which three coffee shops had their grand opening latest"
PENDING = "tell me the shops with a waffle counter and karaoke"
REJECTED = "stores ranked by how sunny their patio is"


@pytest.fixture(scope="module")
def small_catalog() -> Catalog:
    return Catalog(databases=[load_catalog().database("luckyus_opshop")])


class Clock:
    """Stands in for ``time.monotonic`` in the index, so "a few seconds later" needs no sleep."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    tick = Clock()
    monkeypatch.setattr(index_mod, "_clock", tick)
    return tick


def _index(data_dir: Path, url: str, catalog: Catalog) -> CatalogIndex:
    return CatalogIndex(data_dir, catalog=catalog, examples_path=None, golden_dir=None, semantic=False,
                        state_url=url, chroma_url=None)


def _examples(idx: CatalogIndex, question: str) -> list[str]:
    return [h.doc.id for h in idx.search(question, 8).hits if h.doc.kind == "example"]


def test_approval_reaches_retrieval_without_a_rebuild(tmp_path: Path, small_catalog: Catalog) -> None:
    store = FeedbackStore(_url(tmp_path / "state"))
    idx = _index(tmp_path / "data", store.url, small_catalog)
    assert idx.ensure().built
    built_hash = idx.collection.metadata["content_hash"]
    approved = store.submit(question=APPROVED, verdict="wrong", sql="SELECT 1", corrected_sql=SHOP_SQL)
    pending = store.submit(question=PENDING, verdict="right", sql=SHOP_SQL)
    rejected = store.submit(question=REJECTED, verdict="right", sql=SHOP_SQL)
    store.decide(rejected.id, ADMIN, approve=False)
    assert _examples(idx, APPROVED) == []  # pending: not yet

    store.decide(approved.id, ADMIN, approve=True)
    doc_id = f"example:feedback:feedback-{approved.id}"
    # the approval upserted the one document into Chroma (no search needed, no rebuild)
    assert idx.collection.get(ids=[doc_id])["ids"] == [doc_id]
    top = idx.search(APPROVED, 8).hits[0]
    assert top.doc.id == doc_id and top.doc.sql == SHOP_SQL and top.doc.source == "feedback"
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert idx.collection.metadata["content_hash"] == built_hash == idx.content_hash
    for question in (PENDING, REJECTED):
        assert _examples(idx, question) == [doc_id]  # only the approved pair exists to be found
    assert pending.id in {p.id for p in store.pending()}

    # the LLM engine's context carries the worked example
    context = build_context(idx.search(APPROVED, 8), 1500, catalog=small_catalog)
    assert f"Q: {APPROVED}" in context and SHOP_SQL in context

    # another process opening the same index: no rebuild, the example is there
    other = _index(tmp_path / "data", store.url, small_catalog)
    assert other.ensure().built is False and _examples(other, APPROVED)[0] == doc_id


def test_two_replicas_share_approvals_through_the_state_database(tmp_path: Path, small_catalog: Catalog,
                                                                 clock: Clock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each replica has its own data dir (its own embedded Chroma); only the state database is shared."""
    url = _url(tmp_path / "shared-state")
    one, two = _index(tmp_path / "one", url, small_catalog), _index(tmp_path / "two", url, small_catalog)
    assert one.ensure().built and two.ensure().built
    assert _examples(one, APPROVED) == [] and _examples(two, APPROVED) == []
    # approved through replica one: its process tells its own index; replica two is in another process
    monkeypatch.setattr(feedback_mod, "_tell_indexes", lambda state_url: one.sync_feedback())
    store = FeedbackStore(url)
    item = store.submit(question=APPROVED, verdict="right", sql=SHOP_SQL)
    store.decide(item.id, ADMIN, approve=True)
    doc_id = f"example:feedback:feedback-{item.id}"
    assert _examples(one, APPROVED)[0] == doc_id

    clock.now += index_mod.FEEDBACK_CHECK_S / 2
    assert _examples(two, APPROVED) == []  # not checked again yet: at most one query per FEEDBACK_CHECK_S
    assert two.collection.get(ids=[doc_id])["ids"] == []
    clock.now += index_mod.FEEDBACK_CHECK_S / 2
    top = two.search(APPROVED, 8).hits[0]  # the version changed: re-read, BM25 rebuilt, upserted into its Chroma
    assert top.doc.id == doc_id and top.dense_rank is not None and top.lexical_rank is not None
    assert two.collection.get(ids=[doc_id])["ids"] == [doc_id]
    assert two.ensure().built is False  # the example never made its collection look stale


def test_an_index_keeps_working_when_the_state_database_does_not(tmp_path: Path, small_catalog: Catalog,
                                                                 clock: Clock, monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    store = FeedbackStore(_url(tmp_path / "state"))
    idx = _index(tmp_path / "data", store.url, small_catalog)
    monkeypatch.setattr(feedback_mod, "_tell_indexes", lambda state_url: None)  # approved by another process
    item = store.submit(question=APPROVED, verdict="right", sql=SHOP_SQL)
    store.decide(item.id, ADMIN, approve=True)
    doc_id = f"example:feedback:feedback-{item.id}"
    assert _examples(idx, APPROVED)[0] == doc_id

    calls: list[str] = []

    def down(self: FeedbackStore) -> tuple[int, str | None]:
        calls.append(self.url)
        raise sa.exc.OperationalError("SELECT", {}, Exception("Can't connect to MySQL server"))

    monkeypatch.setattr(FeedbackStore, "version", down)
    clock.now += index_mod.FEEDBACK_CHECK_S
    with caplog.at_level(logging.WARNING, logger="schema_catalog.index"):
        assert _examples(idx, APPROVED)[0] == doc_id  # the last examples read are kept
        clock.now += index_mod.FEEDBACK_CHECK_S
        assert idx.search(APPROVED, 8).hits
    assert len(calls) == 1  # backed off for FEEDBACK_RETRY_S, not asked on every search
    assert [r.message for r in caplog.records if "not read from the state database" in r.message]

    monkeypatch.undo()
    monkeypatch.setattr(index_mod, "_clock", clock)
    with state_engine(store.url).begin() as conn:  # an approved row taken out by hand
        conn.execute(feedback_table.delete().where(feedback_table.c.id == item.id))
    clock.now += index_mod.FEEDBACK_RETRY_S
    assert _examples(idx, APPROVED) == []  # never returned again, though its vector is still stored
    assert idx.collection.get(ids=[doc_id])["ids"] == [doc_id]


def test_no_state_database_means_no_feedback_examples(tmp_path: Path, small_catalog: Catalog,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """`lucky catalog search` on a host without the state database: it searches, with no examples."""
    unreachable = f"mysql+pymysql://lucky@127.0.0.1:{_free_port()}/state"
    with caplog.at_level(logging.WARNING, logger="schema_catalog.index"):
        idx = _index(tmp_path / "data", unreachable, small_catalog)
        assert idx.search("when did each shop open", 5).hits and _examples(idx, APPROVED) == []
    assert any("not read from the state database" in r.message for r in caplog.records)
    absent = _index(tmp_path / "data", _url(tmp_path / "never"), small_catalog)
    assert absent.search("when did each shop open", 5).hits
    assert not (tmp_path / "never").exists()  # a search does not create a SQLite state database


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- MariaDB as the state database
_RACER = """
import sys, time
from pathlib import Path
from app.engine.feedback import FeedbackConflict, FeedbackStore
from guardrails.principal import Principal
url, fid, approve, go = sys.argv[1], sys.argv[2], sys.argv[3] == "approve", Path(sys.argv[4])
store = FeedbackStore(url)
store.get(fid)  # connected and warm before the start
(go.parent / ("ready-" + sys.argv[5])).touch()
while not go.exists():
    time.sleep(0.005)
try:
    store.decide(fid, Principal(role="admin", name="racer-" + sys.argv[5]), approve=approve)
except FeedbackConflict:
    sys.exit(3)
"""


def test_mariadb_as_the_state_database(mysql_state: str, tmp_path: Path, small_catalog: Catalog,
                                       clock: Clock) -> None:
    store = FeedbackStore(mysql_state)
    assert store.version() == (0, None)  # the table is created on first use
    dull = store.submit(question="dull", verdict="right", sql=SQL)
    noted = store.submit(question="stores?", verdict="wrong", sql="SELECT 2")
    unsafe = store.submit(question="clean up", verdict="right", sql="DROP TABLE x.y")
    store.decide(dull.id, ADMIN, approve=False)
    with pytest.raises(FeedbackConflict, match="already rejected"):
        store.decide(dull.id, ADMIN, approve=True)
    with pytest.raises(FeedbackUnsafe):
        store.decide(unsafe.id, ADMIN, approve=True)
    assert [(i.id, i.state) for i in store.items()] == [(dull.id, "rejected"), (noted.id, "noted"),
                                                        (unsafe.id, "pending")]

    # an index (another replica) reads the state database
    idx = _index(tmp_path / "data", mysql_state, small_catalog)
    assert idx.ensure().built and _examples(idx, APPROVED) == []

    # four processes (replicas) decide the same item at once: exactly one decision stands
    item = store.submit(question=APPROVED, verdict="right", sql=SHOP_SQL, user="ana")
    go = tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", _RACER, mysql_state, item.id,
                                "approve" if n % 2 else "reject", str(go), str(n)], cwd=ROOT)
              for n in range(4)]
    deadline = time.monotonic() + 90
    while len(list(tmp_path.glob("ready-*"))) < len(racers) and time.monotonic() < deadline:
        time.sleep(0.05)  # every racer imported and connected: then they all start at once
    go.touch()
    codes = [p.wait(120) for p in racers]
    assert sorted(codes) == [0, 3, 3, 3], codes
    winner = codes.index(0)
    final = store.get(item.id)
    assert final.decided_by == f"racer-{winner}"
    assert final.state == ("approved" if winner % 2 else "rejected")

    clock.now += index_mod.FEEDBACK_CHECK_S
    doc_id = f"example:feedback:feedback-{item.id}"
    if final.state == "approved":
        top = idx.search(APPROVED, 8).hits[0]
        assert top.doc.id == doc_id and top.dense_rank is not None and top.lexical_rank is not None
    else:
        assert _examples(idx, APPROVED) == []
        again = store.submit(question=APPROVED, verdict="right", sql=SHOP_SQL)
        store.decide(again.id, ADMIN, approve=True)  # this process: its index is told at once
        assert idx.search(APPROVED, 8).hits[0].doc.id == f"example:feedback:feedback-{again.id}"
    assert [e.question for e in store.examples()] == [APPROVED]


# ---------------------------------------------------------------- CLI
def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Settings]:
    import app.commands.feedback as cli_mod

    settings = Settings(state_dir=tmp_path, data_dir=tmp_path / "data")
    monkeypatch.setattr(cli_mod, "settings_with", lambda *a, **k: settings)
    return CliRunner(), settings


def test_cli_lists_approves_and_rejects_as_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import app
    from app.state import audit

    runner, settings = _cli(tmp_path, monkeypatch)
    store = feedback_store(settings)
    assert store.url == settings.state_database_url
    keep = store.submit(question="how many orders", verdict="right", sql=SQL, user="ana")
    drop = store.submit(question="orders per wallet", verdict="right", sql=SQL, user="bo")

    listed = runner.invoke(app, ["feedback", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [i["id"] for i in json.loads(listed.output)] == [keep.id, drop.id]
    table = runner.invoke(app, ["feedback", "list"])
    assert table.exit_code == 0 and keep.id in table.output and "ana" in table.output, table.output

    ok = runner.invoke(app, ["feedback", "approve", keep.id])
    assert ok.exit_code == 0, ok.output
    assert "approved" in ok.output and f"within {index_mod.FEEDBACK_CHECK_S:.0f} s" in ok.output
    assert runner.invoke(app, ["feedback", "reject", drop.id]).exit_code == 0
    assert [e.question for e in store.examples()] == ["how many orders"]
    decided = {i.id: i for i in store.items()}
    assert decided[keep.id].state == "approved" and (decided[keep.id].decided_by or "").startswith("cli:")
    assert decided[drop.id].state == "rejected"

    again = runner.invoke(app, ["feedback", "approve", keep.id])
    assert again.exit_code == 1 and "already approved" in again.output
    missing = runner.invoke(app, ["feedback", "reject", "nope"])
    assert missing.exit_code == 1 and "no feedback with id" in missing.output
    bad = runner.invoke(app, ["feedback", "list", "--state", "maybe"])
    assert bad.exit_code == 1 and "Unknown state" in bad.output
    approved = json.loads(runner.invoke(app, ["feedback", "list", "--state", "approved", "--json"]).output)
    assert [Feedback.model_validate(i).id for i in approved] == [keep.id]
    trail = audit.tail(settings.state_database_url, 5)
    assert [(r["kind"], r["surface"], r["status"]) for r in trail[-2:]] == [("feedback", "cli", "approved"),
                                                                          ("feedback", "cli", "rejected")]
