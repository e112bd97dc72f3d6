"""The Chroma + BM25 index: built once per content hash, offline embeddings, hybrid ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from schema_catalog import Catalog, load_catalog
from schema_catalog.documents import read_examples, sql_tables
from schema_catalog.evaluate import evaluate
from schema_catalog.index import CatalogIndex, tokens

LOCAL: dict[str, Any] = {"state_url": None, "chroma_url": None}  # embedded, no feedback, whatever LUCKY_* says

EXAMPLES = {"examples": [
    {"id": "fees", "question": "What did card processing cost us per wallet?",
     "sql": "SELECT pc.channel_name, SUM(f.total_fee) FROM luckyus_sales_payment.t_channel_fee f "
            "JOIN luckyus_sales_payment.t_pay_channel pc ON pc.channel_id = f.channel_id GROUP BY 1"},
    {"id": "bad", "question": "broken", "sql": "SELEC nothing FROM"},
]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[CatalogIndex, Path, Path]:
    root = tmp_path_factory.mktemp("index")
    examples = root / "examples.yaml"
    examples.write_text(yaml.safe_dump(EXAMPLES))
    idx = CatalogIndex(root / "data", examples_path=examples, golden_dir=None, semantic=False, **LOCAL)
    stats = idx.ensure()
    assert stats.built and stats.documents == len(idx.documents)
    return idx, root, examples


def test_documents_cover_every_table_column_and_code_list(built: tuple[CatalogIndex, Path, Path]) -> None:
    idx, _, _ = built
    kinds = {d.kind for d in idx.documents}
    assert kinds == {"table", "column", "codes", "example"}
    cat = idx.catalog
    ids = {d.id for d in idx.documents}
    for t in cat.iter_tables():
        assert f"table:{t.qualified}" in ids
        for c in t.columns:
            assert f"column:{t.qualified}.{c.name}" in ids
            assert (f"codes:{t.qualified}.{c.name}" in ids) == bool(c.codes)
    examples = [d for d in idx.documents if d.kind == "example"]
    assert [d.id for d in examples] == ["example:examples.yaml:fees"]  # the unparsable one is skipped
    assert examples[0].tables == ("luckyus_sales_payment.t_channel_fee", "luckyus_sales_payment.t_pay_channel")


def test_persisted_with_our_embedding(built: tuple[CatalogIndex, Path, Path]) -> None:
    idx, root, examples = built
    coll = idx.collection
    config = coll.configuration_json
    assert config["embedding_function"]["name"] == "ask-lucky-minilm-l6-v2-int8"
    assert config["hnsw"]["space"] == "cosine"
    assert coll.metadata["content_hash"] == idx.content_hash and coll.count() == len(idx.documents)
    assert coll.metadata["build_seconds"] > 0
    again = CatalogIndex(root / "data", examples_path=examples, golden_dir=None, semantic=False, **LOCAL)
    assert again.ensure().built is False


def test_rebuilt_only_when_content_changes(tmp_path: Path) -> None:
    small = Catalog(databases=[load_catalog().database("luckyus_opshop")])
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({"examples": [
        {"id": "n", "question": "how many stores", "sql": "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info"}]}))
    first = CatalogIndex(tmp_path / "d", catalog=small, examples_path=one, golden_dir=None, semantic=False, **LOCAL)
    assert first.ensure().built
    same = CatalogIndex(tmp_path / "d", catalog=small, examples_path=one, golden_dir=None, semantic=False, **LOCAL)
    assert same.ensure().built is False
    two = tmp_path / "two.yaml"
    two.write_text(one.read_text().replace("how many stores", "number of stores"))
    changed = CatalogIndex(tmp_path / "d", catalog=small, examples_path=two, golden_dir=None, semantic=False, **LOCAL)
    assert changed.content_hash != first.content_hash and changed.ensure().built
    # an index object opened before the rebuild recovers instead of failing on the dropped collection
    assert same.search("number of stores", 3).hits


def test_lexical_tokens() -> None:
    assert tokens("How many t_order_item rows per shop_id?") == ["order", "item", "shop", "id"]
    assert tokens("orders stores") == ["order", "store"]
    assert "class" in tokens("class")  # double s is not a plural


def test_hybrid_ranking_uses_both_rankers(built: tuple[CatalogIndex, Path, Path]) -> None:
    idx, _, _ = built
    result = idx.search("merchant_service_fee", 8)
    top = result.hits[0]
    assert top.doc.id == "column:luckyus_sales_payment.t_channel_fee.merchant_service_fee"
    assert top.lexical_rank == 1 and top.dense_rank is not None
    assert all(result.hits[i].score >= result.hits[i + 1].score for i in range(len(result.hits) - 1))


@pytest.mark.parametrize(("question", "table"), [
    ("Which coffee machines are offline right now?", "luckyus_iot_platform.t_device"),
    ("Apple Pay processing fees last month", "luckyus_sales_payment.t_channel_fee"),
    ("How many customers signed up last week?", "luckyus_sales_crm.t_user"),
    ("Which suppliers ship late?", "luckyus_scm_purchase.t_ship_order"),
    ("items below safety stock", "luckyus_scm_shopstock.t_shop_goods_stock"),
    ("revenue by store yesterday", "luckyus_sales_order.t_order"),
    ("average production time", "luckyus_opproduction.t_production"),
])
def test_retrieval_finds_the_table(built: tuple[CatalogIndex, Path, Path], question: str, table: str) -> None:
    idx, _, _ = built
    tables = [t for t, _ in idx.search(question, 8).tables[:5]]
    assert table in tables, tables


def test_shop_scoped_tables_bring_their_shop_path(built: tuple[CatalogIndex, Path, Path]) -> None:
    idx, _, _ = built
    tables = [t for t, _ in idx.search("best selling products by quantity sold", 8).tables[:8]]
    assert "luckyus_sales_order.t_order_item" in tables
    assert "luckyus_sales_order.t_order" in tables  # status/currency live there (order_id -> t_order.id)
    assert "luckyus_opshop.t_shop_info" in tables  # test shops are excluded through it


def test_excluding_a_source_hides_its_examples(built: tuple[CatalogIndex, Path, Path]) -> None:
    idx, _, _ = built
    q = "What did card processing cost us per wallet?"
    assert idx.search(q, 8).hits[0].doc.id == "example:examples.yaml:fees"
    hidden = idx.search(q, 8, exclude_sources=["examples.yaml"])
    assert all(h.doc.kind != "example" for h in hidden.hits)


def test_eval_scores_recall_and_mrr(built: tuple[CatalogIndex, Path, Path], tmp_path: Path) -> None:
    idx, _, _ = built
    suite = tmp_path / "s.yaml"
    suite.write_text(yaml.safe_dump({"suite": "s", "cases": [
        {"id": "ok", "question": "Which coffee machines are offline?", "expect": "answer",
         "sql": "SELECT COUNT(*) FROM luckyus_iot_platform.t_device WHERE online_status = 0"},
        {"id": "wrong", "question": "Which coffee machines are offline?", "expect": "answer",
         "sql": "SELECT COUNT(*) FROM luckyus_isalesmembermarketing.t_member_level"},
        {"id": "refuse", "question": "drop everything", "expect": "refuse"},
    ]}))
    assert [e.id for e in read_examples(suite)] == ["ok", "wrong"]
    report = evaluate(tmp_path, suites=[suite], k=8, index=idx)
    by_id = {c.id: c for c in report.cases}
    assert by_id["ok"].recall == 1.0 and by_id["ok"].reciprocal_rank > 0
    assert by_id["wrong"].recall == 0.0 and by_id["wrong"].missing == ["luckyus_isalesmembermarketing.t_member_level"]
    assert report.recall == pytest.approx(0.5)
    assert report.latencies_ms and report.p50_ms > 0
    data = report.as_json()
    assert data["recall@8"] == 0.5 and data["misses"][0]["id"] == "wrong"


def test_follow_ups_are_read_with_their_parent(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(yaml.safe_dump({"suite": "s", "cases": [
        {"id": "a", "question": "Revenue yesterday?", "expect": "answer", "sql": "SELECT 1 FROM x.y"},
        {"id": "b", "question": "and last week?", "expect": "answer", "sql": "SELECT 2 FROM x.y",
         "follow_up_of": "a"}]}))
    ex = read_examples(suite)
    assert ex[1].question == "Revenue yesterday? and last week?" and ex[1].source == "golden:s"
    assert sorted(sql_tables("WITH c AS (SELECT * FROM a.b) SELECT * FROM c JOIN d.e ON 1=1")) == ["a.b", "d.e"]


def test_cli_search_json(built: tuple[CatalogIndex, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import schema_catalog.index as index_mod
    from app.commands.catalog import app

    idx, root, _ = built
    monkeypatch.setitem(index_mod._indexes, str((root / "data").resolve()), idx)
    result = CliRunner().invoke(app, ["search", "Apple Pay fees", "--k", "5", "--json", "--data", str(root / "data")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["items"]) == 5 and len(data["tables"]) == 5
    assert {"id", "kind", "score", "dense_rank", "lexical_rank", "tables", "text"} <= set(data["items"][0])
    scores = [i["score"] for i in data["items"]]
    assert scores == sorted(scores, reverse=True)


def test_cli_index_and_eval(built: tuple[CatalogIndex, Path, Path], monkeypatch: pytest.MonkeyPatch,
                            tmp_path: Path) -> None:
    import schema_catalog.index as index_mod
    from app.commands.catalog import app

    idx, root, _ = built
    data = root / "data"
    monkeypatch.setitem(index_mod._indexes, str(data.resolve()), idx)
    runner = CliRunner()
    result = runner.invoke(app, ["index", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["built"] is False and stats["documents"] == len(idx.documents)
    suite = tmp_path / "s.yaml"
    suite.write_text(yaml.safe_dump({"suite": "s", "cases": [
        {"id": "dev", "question": "Which coffee machines are offline?", "expect": "answer",
         "sql": "SELECT COUNT(*) FROM luckyus_iot_platform.t_device WHERE online_status = 0"}]}))
    result = runner.invoke(app, ["eval", "--suite", str(suite), "--k", "8", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["cases"] == 1 and report["recall@8"] == 1.0 and report["mrr"] > 0
    assert report["index_build_s"] > 0 and report["search_p50_ms"] > 0


def test_cli_works_without_a_state_database(built: tuple[CatalogIndex, Path, Path], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`lucky catalog index` / `search` where the state database is unreachable: no feedback examples, no error."""
    import socket

    import app.settings as app_settings
    import schema_catalog.index as index_mod
    from app.commands.catalog import app
    from app.settings import Settings

    idx, root, examples = built
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        unreachable = f"mysql+pymysql://lucky@127.0.0.1:{s.getsockname()[1]}/state"  # nobody listens there
    monkeypatch.setattr(app_settings, "get_settings", lambda: Settings(state_url=unreachable, state_dir=tmp_path))
    cut_off = CatalogIndex(root / "data", examples_path=examples, golden_dir=None, semantic=False, chroma_url=None)
    assert cut_off.state_url == unreachable  # taken from the settings, as `get_index` does
    monkeypatch.setitem(index_mod._indexes, str((root / "data").resolve()), cut_off)
    runner = CliRunner()
    built_stats = runner.invoke(app, ["index", "--data", str(root / "data"), "--json"])
    assert built_stats.exit_code == 0, built_stats.output
    stats = json.loads(built_stats.stdout)
    assert stats["built"] is False and stats["documents"] == len(idx.documents)
    found = runner.invoke(app, ["search", "Apple Pay fees", "--k", "3", "--json", "--data", str(root / "data")])
    assert found.exit_code == 0, found.output
    expected = [h.doc.id for h in idx.search("Apple Pay fees").hits[:3]]
    assert [i["id"] for i in json.loads(found.stdout)["items"]] == expected
    said = [r for r in caplog.records if "not read from the state database" in r.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING"  # once, not on every search
    assert all(d.source != "feedback" for d in cut_off.documents)
