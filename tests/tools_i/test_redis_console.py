"""Redis console against the real Redis on this machine, with keys the test plants in db 13."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tools.base import ToolContext
from tools.registry import get

DB = 13
pytestmark = pytest.mark.redis


@pytest.fixture()
def planted() -> Iterator[dict[str, object]]:
    r = redis.Redis(host="127.0.0.1", port=6379, db=DB, socket_connect_timeout=2)
    try:
        r.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    tag = uuid.uuid4().hex[:8]
    sess = [f"sess{tag}:{i}" for i in range(30)]
    cache = [f"cache{tag}:{i}" for i in range(12)]
    big = f"blob{tag}:big"
    pipe = r.pipeline()
    for k in sess:
        pipe.set(k, "x" * 20, ex=900)
    for k in cache:
        pipe.hset(k, mapping={"a": "1", "b": "2"})
    pipe.set(big, "z" * 300_000)
    pipe.execute()
    for k in sess[:5]:
        r.get(k)
    r.get(f"missing{tag}")
    yield {"sess": f"sess{tag}", "cache": f"cache{tag}", "big": big, "client": r, "n_sess": 30, "n_cache": 12}
    r.delete(*sess, *cache, big)
    r.close()


def _run(**params: object):
    return get("redis_console").run(ToolContext(executor=None), params)  # type: ignore[arg-type]


def test_namespaces_ttl_and_big_keys_match_what_was_planted(planted: dict[str, object]) -> None:
    out = _run(db=DB, big_key_bytes=100_000)
    ns = {r[2]: dict(zip(out.tables[1].columns, r, strict=True)) for r in out.tables[1].rows}
    assert ns[planted["sess"]]["keys_sampled"] == planted["n_sess"]
    assert ns[planted["sess"]]["no_ttl"] == 0 and 0 < ns[planted["sess"]]["median_ttl_s"] <= 900
    assert ns[planted["cache"]]["keys_sampled"] == planted["n_cache"]
    assert ns[planted["cache"]]["no_ttl"] == planted["n_cache"] and ns[planted["cache"]]["types"] == "hash:12"
    no_ttl = {f.keys["namespace"] for f in out.findings_of("redis_keys_without_ttl")}
    assert {planted["cache"], str(planted["big"]).split(":")[0]} <= no_ttl
    assert planted["sess"] not in no_ttl
    bigs = [f.keys["key"] for f in out.findings_of("redis_big_key")]
    assert planted["big"] in bigs
    r = planted["client"]
    assert isinstance(r, redis.Redis)
    mem = next(f for f in out.findings_of("redis_big_key") if f.keys["key"] == planted["big"]).evidence[0]["bytes"]
    assert abs(mem - int(r.memory_usage(planted["big"]))) <= 64  # type: ignore[arg-type]


def test_exempt_namespace_is_not_flagged(planted: dict[str, object]) -> None:
    out = _run(db=DB, ttl_exempt_prefixes=str(planted["cache"]))
    assert planted["cache"] not in {f.keys["namespace"] for f in out.findings_of("redis_keys_without_ttl")}


def test_memory_alert_follows_the_85_pct_rule(planted: dict[str, object]) -> None:
    r = planted["client"]
    assert isinstance(r, redis.Redis)
    used = int(r.info("memory")["used_memory"])
    hot = _run(db=DB, capacity_bytes=int(used / 0.9))  # ~90 % used
    cold = _run(db=DB, capacity_bytes=used * 4)  # ~25 % used
    assert hot.findings_of("redis_memory_high") and hot.headline["memory_used_pct"] >= 85
    assert not cold.findings_of("redis_memory_high") and cold.headline["memory_used_pct"] < 85


def test_hit_ratio_is_hits_over_lookups(planted: dict[str, object]) -> None:
    out = _run(db=DB)
    hits, misses = out.headline["keyspace_hits"], out.headline["keyspace_misses"]
    assert hits >= 5 and misses >= 1
    assert out.headline["hit_ratio"] == round(hits / (hits + misses), 4)


def test_password_never_appears_in_output(planted: dict[str, object]) -> None:
    out = _run(db=DB, url="redis://:s3cret@127.0.0.1:6379")
    assert "s3cret" not in out.model_dump_json()
