"""Faults: the database down, Redis down, the retrieval index missing or broken, a hung query.

Each must give a person a clear error or a degraded answer - never a 500 - and the service must
recover on its own once the fault is gone (same app object, no restart). MySQL and Redis are
reached through a TCP forwarder the test takes down and brings back.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api import knowledge
from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state import keys
from tests.api.tcp_proxy import TcpProxy

Q_COUNT = "How many orders did 8th & Broadway do yesterday?"
Q_DRINK = "What's our best selling drink this week?"
Q_REVENUE = "revenue by store last month"

Ask = Callable[..., Any]


def _client(settings: Settings) -> tuple[TestClient, Ask]:
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    client = TestClient(app, raise_server_exceptions=False)
    key = keys.create_key(settings.state_database_url, role="analyst", name="faults")
    headers = {"Authorization": f"Bearer {key}"}

    def call(path: str, body: dict[str, Any] | None = None) -> Any:
        response = client.post(path, json=body or {}, headers=headers) if body is not None or path != "/readyz" \
            else client.get(path)
        assert response.status_code < 500 or response.status_code in (503, 504), response.text
        if response.status_code >= 400 and "error" in response.json():  # /readyz's 503 carries its checks
            message = response.json()["error"]["message"]
            assert message.endswith((".", "?")) and "Traceback" not in message, response.text
        return response

    return client, call


def _ask(call: Ask, question: str, **extra: Any) -> dict[str, Any]:
    r = call("/v1/ask", {"question": question, **extra})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _data_without(small_data: Path, tmp_path: Path, *missing: str) -> Path:
    """A data directory like the small dataset's, minus some entries (symlinks: nothing is copied)."""
    data = tmp_path / "data"
    data.mkdir()
    for entry in small_data.iterdir():
        if entry.name not in missing and entry.name not in ("state", "health"):
            (data / entry.name).symlink_to(entry)
    return data


# ---------------------------------------------------------------------------------------------- database
def test_mysql_down_then_back(small_settings: Settings, mysql_loaded: str, tmp_path: Path) -> None:
    proxy = TcpProxy(3306).start()
    try:
        settings = small_settings.model_copy(update={
            "target": "mysql", "mysql_url": SecretStr(f"mysql+pymysql://root@127.0.0.1:{proxy.port}/"),
            "state_dir": tmp_path, "rate_limit": "10000/minute"})
        _, call = _client(settings)
        assert _ask(call, Q_COUNT)["status"] == "answer"
        assert call("/readyz").status_code == 200

        proxy.stop()
        down = _ask(call, Q_DRINK)
        assert down["status"] == "error" and "could not connect" in down["reason"].lower()
        assert _ask(call, Q_COUNT)["status"] == "answer"  # degraded: what is cached is still served
        tool = call("/v1/tools/payment_cost", {})
        assert tool.status_code == 503 and tool.json()["error"]["code"] == "connection_failed"
        ready = call("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
        assert "connect" in ready.json()["checks"]["database"]["error"].lower()

        proxy.start()
        assert _ask(call, Q_DRINK)["status"] == "answer"
        assert call("/v1/tools/payment_cost", {}).status_code == 200
        assert call("/readyz").status_code == 200
    finally:
        proxy.stop()


def test_duckdb_file_missing_then_restored(small_data: Path, small_settings: Settings, tmp_path: Path) -> None:
    data = _data_without(small_data, tmp_path, "lucky.duckdb", "chroma")
    settings = small_settings.model_copy(update={"data_dir": data, "state_dir": tmp_path / "state"})
    _, call = _client(settings)

    missing = _ask(call, Q_COUNT)
    assert missing["status"] == "error" and "lucky data build" in missing["reason"]
    ready = call("/readyz")
    assert ready.status_code == 503 and "lucky data build" in ready.json()["checks"]["database"]["error"]
    assert call("/v1/tools/payment_cost", {}).json()["error"]["code"] == "data_missing"

    (data / "lucky.duckdb").symlink_to(small_data / "lucky.duckdb")  # the data arrives; nobody restarts
    assert _ask(call, Q_COUNT)["status"] == "answer"
    assert call("/readyz").status_code == 200


def test_state_database_down_is_a_503(small_settings: Settings, tmp_path: Path) -> None:
    """Keys live in the state database: without it nobody can be authenticated, and says so."""
    settings = small_settings.model_copy(update={"state_dir": tmp_path})
    client, _ = _client(settings)
    broken = settings.model_copy(update={"state_url": "mysql+pymysql://root@127.0.0.1:1/none"})
    client.app.dependency_overrides[settings_dep] = lambda: broken  # type: ignore[attr-defined]
    r = client.post("/v1/ask", json={"question": Q_COUNT}, headers={"Authorization": "Bearer lk_" + "x" * 40})
    assert r.status_code == 503 and r.json()["error"]["code"] == "state_unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["state"]["ok"] is False


# ---------------------------------------------------------------------------------------------- Redis
@pytest.fixture()
def redis_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy(6379).start()
    yield proxy
    proxy.stop()


def test_redis_down_degrades_then_recovers(small_settings: Settings, tmp_path: Path, redis_proxy: TcpProxy,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "RETRY_S", 0.3)
    url = f"redis://127.0.0.1:{redis_proxy.port}/13"
    settings = small_settings.model_copy(update={"redis_url": url, "state_dir": tmp_path,
                                                 "rate_limit": f"{5 + int(time.time() * 1000) % 7}/minute"})
    limit = int(settings.rate_limit.split("/")[0])
    _, call = _client(settings)
    first = _ask(call, Q_COUNT, conversation_id="redis-up")
    assert first["status"] == "answer"
    direct = redis.Redis(port=6379, db=13)
    assert direct.exists("lucky:conversation:redis-up") == 1  # the conversation lives in Redis

    redis_proxy.stop()
    answered = [_ask(call, q) for q in (Q_DRINK, Q_REVENUE)]  # no cache, no shared limits: still answers
    assert [a["status"] for a in answered] == ["answer", "answer"]
    ready = call("/readyz")
    assert ready.status_code == 200 and ready.json()["degraded"] is True
    assert ready.json()["checks"]["redis"]["ok"] is False
    codes = [call("/v1/ask", {"question": Q_COUNT}).status_code for _ in range(limit)]
    assert codes[-1] == 429  # limits still hold, per process, while Redis is away

    redis_proxy.start()
    time.sleep(0.4)
    assert _ask(call, Q_REVENUE, conversation_id="redis-back")["status"] in ("answer", "error")
    assert direct.exists("lucky:conversation:redis-back") == 1
    assert call("/readyz").json()["degraded"] is False
    direct.delete("lucky:conversation:redis-up", "lucky:conversation:redis-back")


# ---------------------------------------------------------------------------------------------- retrieval index
def test_missing_index_answers_from_keywords_then_recovers(small_data: Path, small_settings: Settings,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schema_catalog.index import CatalogIndex, get_index

    data = _data_without(small_data, tmp_path, "chroma")
    built = get_index(small_data)
    built.ensure()  # the small dataset's own index stands in for the one being built
    release = threading.Event()

    def slow_build(self: CatalogIndex, *, force: bool = False) -> Any:
        release.wait(30)  # a real build takes half a minute; requests must not wait for it
        self._collection = built.collection

    monkeypatch.setattr(CatalogIndex, "ensure", slow_build)
    monkeypatch.setattr(knowledge, "WAIT_S", 0.2)
    settings = small_settings.model_copy(update={"data_dir": data, "state_dir": tmp_path / "state"})
    _, call = _client(settings)
    body = {"knowledge_id": "lucky", "query": "which table has payment fees by channel?",
            "retrieval_setting": {"top_k": 3, "score_threshold": 0.0}}

    started = time.perf_counter()
    r = call("/retrieval", body)
    assert r.status_code == 200 and time.perf_counter() - started < 5
    records = r.json()["records"]
    assert records and {rec["metadata"]["search"] for rec in records} == {"keywords"}
    index = call("/readyz").json()["checks"]["index"]
    assert index["present"] is False and index["building"] is True and "keywords" in index["note"]

    release.set()
    knowledge._builders[str(data.resolve())].join(10)
    records = call("/retrieval", body).json()["records"]
    assert records and {rec["metadata"]["search"] for rec in records} == {"hybrid"}


def test_broken_index_degrades_to_keywords(small_data: Path, small_settings: Settings, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from schema_catalog.index import CatalogIndex

    def broken(self: CatalogIndex, *, force: bool = False) -> Any:
        raise RuntimeError("sqlite3.DatabaseError: file is not a database")

    monkeypatch.setattr(CatalogIndex, "ensure", broken)
    data = _data_without(small_data, tmp_path, "chroma")
    settings = small_settings.model_copy(update={"data_dir": data, "state_dir": tmp_path / "state"})
    _, call = _client(settings)
    r = call("/retrieval", {"knowledge_id": "lucky", "query": "orders table status codes"})
    assert r.status_code == 200 and r.json()["records"][0]["metadata"]["search"] == "keywords"
    ready = call("/readyz")
    assert ready.status_code == 200 and "keywords only" in ready.json()["checks"]["index"]["error"]


# ---------------------------------------------------------------------------------------------- hung query
def test_hung_query_is_stopped_and_the_service_carries_on(small_data: Path, small_settings: Settings,
                                                          tmp_path: Path) -> None:
    """t_order_item becomes a view that never finishes: its queries are stopped at the statement time limit."""
    data = _data_without(small_data, tmp_path, "lucky.duckdb", "chroma")
    shutil.copy(small_data / "lucky.duckdb", data / "lucky.duckdb")
    with duckdb.connect(str(data / "lucky.duckdb")) as con:
        con.execute("ALTER TABLE luckyus_sales_order.t_order_item RENAME TO t_order_item_base")
        con.execute("CREATE VIEW luckyus_sales_order.t_order_item AS SELECT b.* FROM "
                    "luckyus_sales_order.t_order_item_base AS b "
                    "WHERE (SELECT SUM(HASH(r.range)) FROM range(100000000000) AS r) IS NOT NULL")
    settings = small_settings.model_copy(update={"data_dir": data, "state_dir": tmp_path / "state",
                                                 "statement_timeout_s": 1.0})
    _, call = _client(settings)

    started = time.perf_counter()
    tool = call("/v1/tools/menu", {})
    assert tool.status_code == 504 and tool.json()["error"]["code"] == "timeout"
    assert "took longer than 1 s" in tool.json()["error"]["message"]
    hung = _ask(call, Q_DRINK)
    assert hung["status"] == "error" and "took longer than 1 s" in hung["reason"]
    assert time.perf_counter() - started < 20
    assert _ask(call, Q_COUNT)["status"] == "answer"  # the interrupted connection went back to work
    assert call("/readyz").status_code == 200
