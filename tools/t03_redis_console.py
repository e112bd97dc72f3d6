"""Seed tool 3, Redis cluster intelligence console: memory, hit ratio, clients, key namespaces, TTL, big keys.

Redis is not SQL, so this tool talks to it with the ``redis`` package (read-only commands only:
INFO, DBSIZE, SCAN, TYPE, TTL/PTTL, MEMORY USAGE, CONFIG is never called). Keys are *sampled* with
SCAN (never KEYS), so the console is safe on a busy instance; counts per namespace are scaled up
from the sample and marked as estimates when the sample is smaller than the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import redis
from pydantic import Field, SecretStr

from app.errors import ConnectionFailed
from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import ToolInputError, chart, table
from tools.registry import tool

DEFAULT_URL = "redis://127.0.0.1:6379"  # no credentials, so the schema may show it


class RedisConsoleInput(ToolInput):
    url: SecretStr = Field(SecretStr(DEFAULT_URL), json_schema_extra={"default": DEFAULT_URL},
                           description="Redis URL(s), comma-separated for several instances "
                                       "(redis://[:password@]host:port). Passwords never appear in the output.")
    db: int | None = Field(None, ge=0, le=255, description="Only sample keys of this database number "
                                                           "(default: every database in INFO keyspace).")
    sample: int = Field(2000, ge=10, le=100_000, description="Keys to sample per database with SCAN.")
    memory_alert_pct: float = Field(85.0, gt=0, le=100, description="Alert when used memory reaches this % "
                                                                    "of capacity (seed: 85 %).")
    capacity_bytes: int | None = Field(None, gt=0, description="Memory capacity when maxmemory is 0 "
                                                               "(unlimited); default: the host's total memory.")
    min_hit_ratio: float = Field(0.8, ge=0, le=1, description="Warn when the keyspace hit ratio is below this "
                                                              "(only after at least 1,000 lookups).")
    big_key_bytes: int = Field(1_048_576, gt=0, description="A key using at least this many bytes "
                                                            "(MEMORY USAGE) is a big key.")
    separator: str = Field(":", min_length=1, max_length=3, description="Key namespace separator.")
    depth: int = Field(1, ge=1, le=4, description="How many leading key segments name a namespace.")
    ttl_exempt_prefixes: str = Field("", description="Comma-separated namespaces whose keys may live "
                                                     "forever (e.g. config); others without TTL are flagged.")


@dataclass
class KeyStat:
    key: str
    type: str
    ttl_s: int  # -1 = no expiry
    bytes: int


@dataclass
class DbSample:
    db: int
    dbsize: int
    expires: int
    keys: list[KeyStat] = field(default_factory=list)


@dataclass
class InstanceStat:
    name: str
    info: dict[str, Any]
    dbs: list[DbSample]


def _display(url: str) -> str:
    """host:port/db of a URL without credentials."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port or 6379}{parts.path if parts.path not in ('', '/') else ''}"


def _client(url: str, db: int | None = None) -> redis.Redis:
    kwargs: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 3, "decode_responses": False}
    if db is not None:
        kwargs["db"] = db
    return redis.Redis.from_url(url, **kwargs)


def sample_db(url: str, db: int, limit: int) -> DbSample:
    """SCAN up to ``limit`` keys of one database and read each key's type, TTL and memory."""
    r = _client(url, db)
    dbsize = int(r.dbsize())
    keys: list[Any] = []
    cursor = 0
    while True:
        cursor, batch = r.scan(cursor=cursor, count=min(1000, max(limit, 10)))
        keys.extend(batch)
        if cursor == 0 or len(keys) >= limit:
            break
    keys = keys[:limit]
    stats: list[KeyStat] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        pipe = r.pipeline(transaction=False)
        for k in chunk:
            pipe.type(k)
            pipe.pttl(k)
            pipe.memory_usage(k, samples=5)
        res = pipe.execute()
        for i, k in enumerate(chunk):
            kind, pttl, mem = res[3 * i], res[3 * i + 1], res[3 * i + 2]
            if pttl == -2:  # expired between SCAN and now
                continue
            stats.append(KeyStat(k.decode("utf-8", "backslashreplace"),
                                 kind.decode() if isinstance(kind, bytes) else str(kind),
                                 -1 if pttl == -1 else max(0, int(pttl) // 1000), int(mem or 0)))
    return DbSample(db, dbsize, 0, stats)


def collect(url: str, only_db: int | None, limit: int) -> InstanceStat:
    """INFO (all sections) plus a key sample of each database of one instance."""
    try:
        r = _client(url)
        info: dict[str, Any] = dict(r.info("all"))
        spaces = {int(k[2:]): v for k, v in info.items() if k.startswith("db") and k[2:].isdigit()}
        dbs = sorted(spaces) if only_db is None else [only_db]
        samples = []
        for d in dbs:
            s = sample_db(url, d, limit)
            s.expires = int(spaces.get(d, {}).get("expires", 0))
            samples.append(s)
    except redis.exceptions.RedisError as err:
        raise ConnectionFailed(f"Could not read Redis at {_display(url)}: {err}") from None
    return InstanceStat(_display(url), info, samples)


def namespace(key: str, sep: str, depth: int) -> str:
    parts = key.split(sep)
    return sep.join(parts[:depth]) if len(parts) > depth else "(no prefix)"


def memory_capacity(info: dict[str, Any], override: int | None) -> tuple[int, str]:
    """The bytes the instance may use and where that figure came from."""
    if override:
        return override, "capacity_bytes setting"
    if int(info.get("maxmemory", 0) or 0) > 0:
        return int(info["maxmemory"]), "maxmemory"
    return int(info.get("total_system_memory", 0) or 0), "host total memory (maxmemory is 0)"


def hit_ratio(info: dict[str, Any]) -> float | None:
    hits, misses = int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))
    return round(hits / (hits + misses), 4) if hits + misses else None


def analyse(inst: InstanceStat, args: RedisConsoleInput) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                  list[dict[str, Any]], list[Finding]]:
    """Headline, namespace rows, big-key rows and findings of one instance (pure; no I/O)."""
    info = inst.info
    capacity, source = memory_capacity(info, args.capacity_bytes)
    used = int(info.get("used_memory", 0))
    used_pct = round(100.0 * used / capacity, 2) if capacity else None
    ratio = hit_ratio(info)
    lookups = int(info.get("keyspace_hits", 0)) + int(info.get("keyspace_misses", 0))
    head = {
        "instance": inst.name, "redis_version": info.get("redis_version"),
        "used_memory_bytes": used, "used_memory_human": info.get("used_memory_human"),
        "capacity_bytes": capacity, "capacity_source": source, "memory_used_pct": used_pct,
        "maxmemory_policy": info.get("maxmemory_policy"),
        "fragmentation_ratio": info.get("mem_fragmentation_ratio"),
        "connected_clients": info.get("connected_clients"), "blocked_clients": info.get("blocked_clients"),
        "maxclients": info.get("maxclients"), "ops_per_sec": info.get("instantaneous_ops_per_sec"),
        "keyspace_hits": info.get("keyspace_hits"), "keyspace_misses": info.get("keyspace_misses"),
        "hit_ratio": ratio, "evicted_keys": info.get("evicted_keys"), "expired_keys": info.get("expired_keys"),
        "rejected_connections": info.get("rejected_connections"),
        "keys": sum(d.dbsize for d in inst.dbs), "keys_sampled": sum(len(d.keys) for d in inst.dbs),
    }
    findings: list[Finding] = []
    if used_pct is not None and used_pct >= args.memory_alert_pct:
        findings.append(Finding(
            severity=Severity.critical, kind="redis_memory_high",
            title=f"{inst.name} uses {used_pct:.1f} % of its memory ({used:,} of {capacity:,} bytes; "
                  f"alert at {args.memory_alert_pct:g} %).",
            where=inst.name, evidence=[{"used_memory": used, "capacity": capacity, "source": source}],
            keys={"instance": inst.name}))
    if ratio is not None and lookups >= 1000 and ratio < args.min_hit_ratio:
        findings.append(Finding(
            severity=Severity.warning, kind="redis_hit_ratio_low",
            title=f"{inst.name} cache hit ratio is {ratio:.1%} (below {args.min_hit_ratio:.0%}).",
            where=inst.name, evidence=[{"hits": info.get("keyspace_hits"), "misses": info.get("keyspace_misses")}],
            keys={"instance": inst.name}))
    if int(info.get("rejected_connections", 0) or 0) > 0:
        findings.append(Finding(
            severity=Severity.warning, kind="redis_rejected_connections",
            title=f"{inst.name} rejected {info['rejected_connections']} connections (maxclients reached).",
            where=inst.name, keys={"instance": inst.name}))

    exempt = {p.strip() for p in args.ttl_exempt_prefixes.split(",") if p.strip()}
    spaces: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {"keys": 0, "no_ttl": 0, "bytes": 0, "types": defaultdict(int), "ttls": [], "no_ttl_keys": []})
    bigs: list[dict[str, Any]] = []
    for d in inst.dbs:
        for k in d.keys:
            s = spaces[(d.db, namespace(k.key, args.separator, args.depth))]
            s["keys"] += 1
            s["bytes"] += k.bytes
            s["types"][k.type] += 1
            if k.ttl_s < 0:
                s["no_ttl"] += 1
                s["no_ttl_keys"].append(k)
            else:
                s["ttls"].append(k.ttl_s)
            if k.bytes >= args.big_key_bytes:
                bigs.append({"instance": inst.name, "db": d.db, "key": k.key, "type": k.type, "bytes": k.bytes,
                             "ttl_s": k.ttl_s})
    scale = {d.db: (d.dbsize / len(d.keys) if d.keys else 1.0) for d in inst.dbs}
    rows: list[dict[str, Any]] = []
    for (db, ns), s in sorted(spaces.items(), key=lambda kv: (-kv[1]["bytes"], kv[0])):
        ttls = sorted(s["ttls"])
        rows.append({"instance": inst.name, "db": db, "namespace": ns, "keys_sampled": s["keys"],
                     "keys_estimated": round(s["keys"] * scale[db]), "bytes_sampled": s["bytes"],
                     "no_ttl": s["no_ttl"], "no_ttl_pct": round(100.0 * s["no_ttl"] / s["keys"], 1),
                     "median_ttl_s": ttls[len(ttls) // 2] if ttls else None,
                     "types": ",".join(f"{t}:{n}" for t, n in sorted(s["types"].items()))})
        if s["no_ttl"] and ns not in exempt:
            worst = sorted(s["no_ttl_keys"], key=lambda k: -k.bytes)[:10]
            findings.append(Finding(
                severity=Severity.warning, kind="redis_keys_without_ttl",
                title=f"{s['no_ttl']} of {s['keys']} sampled keys in namespace {ns!r} (db {db}) never expire.",
                where=f"{inst.name} db{db} {ns}",
                evidence=[{"key": k.key, "type": k.type, "bytes": k.bytes} for k in worst],
                keys={"instance": inst.name, "db": db, "namespace": ns, "count": s["no_ttl"]}))
    for b in sorted(bigs, key=lambda b: -b["bytes"]):
        findings.append(Finding(
            severity=Severity.warning, kind="redis_big_key",
            title=f"Key {b['key']!r} (db {b['db']}, {b['type']}) uses {b['bytes']:,} bytes.",
            where=f"{inst.name} db{b['db']}", evidence=[b],
            keys={"instance": inst.name, "db": b["db"], "key": b["key"]}))
    return head, rows, bigs, findings


@tool(name="redis_console", title="Redis cluster intelligence console", department="IT / DevOps", seed_tool=3,
      input_model=RedisConsoleInput,
      examples=("redis memory and hit ratio", "which redis keys have no TTL", "big keys in redis db 13"),
      keywords=("redis", "cache", "memory", "ttl", "keyspace", "hit ratio", "big keys", "evictions"))
def redis_console(ctx: ToolContext, args: RedisConsoleInput) -> ToolOutput:
    """Reads a live Redis instance (or several): memory used against capacity with the 85 % alert, clients,
    ops/s, keyspace hit ratio, and a SCAN sample of keys grouped by namespace prefix with TTL coverage and
    memory, listing keys that never expire and big keys. Read-only; keys are sampled, never listed with KEYS."""
    urls = [u.strip() for u in args.url.get_secret_value().split(",") if u.strip()]
    if not urls:
        raise ToolInputError("Give at least one Redis URL.")
    heads, spaces, bigs, findings = [], [], [], []
    for url in urls:
        h, rows, b, f = analyse(collect(url, args.db, args.sample), args)
        heads.append(h)
        spaces.extend(rows)
        bigs.extend(b)
        findings.extend(f)
    heads.sort(key=lambda h: -(h["memory_used_pct"] or 0))
    headline = dict(heads[0]) if len(heads) == 1 else {
        "instances": len(heads), "max_memory_used_pct": heads[0]["memory_used_pct"],
        "keys": sum(h["keys"] for h in heads),
        "instances_over_alert": sum(1 for h in heads if (h["memory_used_pct"] or 0) >= args.memory_alert_pct)}
    inst_cols = ["instance", "memory_used_pct", "used_memory_bytes", "capacity_bytes", "connected_clients",
                 "ops_per_sec", "hit_ratio", "keys", "evicted_keys"]
    top = spaces[:25]
    no_ttl = len([f for f in findings if f.kind == "redis_keys_without_ttl"])
    return ToolOutput(
        tool="redis_console", title="Redis console",
        summary=f"{len(heads)} instance(s); highest memory use {heads[0]['memory_used_pct']} % "
                f"(alert at {args.memory_alert_pct:g} %); {no_ttl} namespace(s) with keys that never expire; "
                f"{len(bigs)} big key(s).",
        headline=headline,
        tables=[table("instances", heads, inst_cols), table("namespaces", spaces), table("big_keys", bigs)],
        findings=findings,
        chart=chart("bar", top, "namespace", "bytes_sampled", title="Sampled memory by key namespace",
                    color="instance", sort="-y") if top else None,
        filters=[f"sample ≤ {args.sample} keys per database (SCAN)",
                 f"namespace = first {args.depth} segment(s) split on {args.separator!r}"],
    )
