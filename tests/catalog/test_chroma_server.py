"""The catalog index on a real Chroma server (`chroma run`), as replicas share it: build, search, approve."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import app.settings
from app.engine.feedback import FeedbackStore
from app.settings import Settings
from guardrails.principal import ADMIN
from schema_catalog import Catalog, load_catalog
from schema_catalog.index import COLLECTION, CatalogIndex, chroma_client

CHROMA = Path(sys.executable).parent / "chroma"
SQL = "SELECT shop_name, set_up_time FROM luckyus_opshop.t_shop_info ORDER BY set_up_time DESC LIMIT 3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on a free loopback port with its own directory; stopped after the module."""
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: the chromadb package installs it (uv sync).")
    root = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (root / "server.log").open("w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(root / "db"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = (root / "server.log").read_text()[-2000:]
                    pytest.fail(f"the Chroma server did not start (exit {proc.poll()}):\n{tail}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def small() -> Catalog:
    return Catalog(databases=[load_catalog().database("luckyus_opshop")])


def test_built_searched_and_shared_through_the_server(server: str, small: Catalog, tmp_path: Path) -> None:
    examples = tmp_path / "examples.yaml"
    examples.write_text(yaml.safe_dump({"examples": [
        {"id": "n", "question": "how many stores do we have",
         "sql": "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info"}]}))
    store = FeedbackStore(f"sqlite:///{tmp_path / 'state' / 'state.sqlite'}")

    def replica() -> CatalogIndex:
        return CatalogIndex(tmp_path / "data", catalog=small, examples_path=examples, golden_dir=None,
                            semantic=False, state_url=store.url, chroma_url=server)

    first = replica()
    stats = first.ensure()
    assert stats.built and stats.path == server and stats.documents == len(first.documents)
    assert not (tmp_path / "data").exists()  # nothing written locally

    coll = chroma_client(server, tmp_path / "unused").get_collection(COLLECTION)
    assert coll.configuration_json["embedding_function"]["name"] == "ask-lucky-minilm-l6-v2-int8"
    assert coll.configuration_json["hnsw"]["space"] == "cosine"
    assert coll.count() == len(first.documents) and coll.metadata["content_hash"] == first.content_hash

    result = first.search("when was each coffee shop set up", 8)
    assert "luckyus_opshop.t_shop_info" in [t for t, _ in result.tables[:3]]
    assert any(h.dense_rank is not None for h in result.hits)
    assert first.search("how many stores do we have", 8).hits[0].doc.id == "example:examples.yaml:n"

    second = replica()  # another replica: the server's collection is current, nothing is rebuilt
    assert second.ensure().built is False

    question = "which three shops had their grand opening most recently"
    item = store.submit(question=question, verdict="right", sql=SQL)
    store.decide(item.id, ADMIN, approve=True)  # upserted to the server by this process's indexes
    doc_id = f"example:feedback:feedback-{item.id}"
    assert coll.get(ids=[doc_id])["ids"] == [doc_id]
    top = second.search(question, 8).hits[0]
    assert top.doc.id == doc_id and top.dense_rank is not None
    assert replica().ensure().built is False  # the approved example does not make the collection look stale


def test_the_setting_selects_the_server(server: str, small: Catalog, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUCKY_CHROMA_URL", server)
    assert Settings().chroma_url == server
    monkeypatch.setattr(app.settings, "get_settings", lambda: Settings(state_dir=tmp_path / "state"))
    index = CatalogIndex(tmp_path / "data", catalog=small, examples_path=None, golden_dir=None, semantic=False)
    assert index.chroma_url == server and index.location == server
    assert index.state_url == Settings(state_dir=tmp_path / "state").state_database_url
    assert index.search("shop time zone", 5).hits
    assert not (tmp_path / "data").exists()
    with pytest.raises(ValueError, match="must look like"):
        chroma_client("ftp://example", tmp_path)
