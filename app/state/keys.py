"""API keys: random secrets shown once, stored only as SHA-256 hashes, mapped to principals."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time

import sqlalchemy as sa

from app.state.store import api_keys, state_engine
from guardrails.principal import Principal, Role

KEY_PREFIX = "lk_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(url: str, *, role: Role, name: str, shops: tuple[int, ...] = ()) -> str:
    """Create a key and return it; only its hash is kept, so it cannot be shown again."""
    if role == "store_manager" and not shops:
        raise ValueError("A store_manager key needs at least one shop (--shops).")
    if role == "system":
        raise ValueError("The system role is for departmental tools, not for API keys.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with state_engine(url).begin() as conn:
        conn.execute(api_keys.insert().values(
            prefix=key[:12], key_hash=_hash(key), name=name, role=role,
            shops=",".join(str(s) for s in shops), created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            revoked=False))
    return key


CACHE_TTL_S = 5.0
"""How long a resolved key is trusted without asking the state database again (so a revocation made on
another replica applies within this many seconds). Keeps one state-database read off every request."""

_resolved: dict[tuple[str, str], tuple[float, Principal]] = {}
_resolved_lock = threading.Lock()


def principal_for(url: str, key: str) -> Principal | None:
    """The principal a presented key maps to, or None (unknown, revoked or malformed)."""
    if not key.startswith(KEY_PREFIX) or len(key) < 20:
        return None
    digest = _hash(key)
    now = time.monotonic()
    with _resolved_lock:
        hit = _resolved.get((url, digest))
    if hit is not None and now - hit[0] < CACHE_TTL_S:
        return hit[1]
    with state_engine(url).connect() as conn:
        rows = conn.execute(sa.select(api_keys).where(api_keys.c.prefix == key[:12])).mappings().all()
    for row in rows:
        if hmac.compare_digest(row["key_hash"], digest) and not row["revoked"]:
            shops = tuple(int(s) for s in row["shops"].split(",") if s)
            principal = Principal(role=row["role"], shops=shops, name=f"key:{row['name']}")
            with _resolved_lock:
                if len(_resolved) > 10_000:
                    _resolved.clear()
                _resolved[(url, digest)] = (now, principal)
            return principal
    return None


def list_keys(url: str) -> list[dict[str, object]]:
    with state_engine(url).connect() as conn:
        rows = conn.execute(sa.select(api_keys.c.id, api_keys.c.prefix, api_keys.c.name, api_keys.c.role,
                                      api_keys.c.shops, api_keys.c.created_at, api_keys.c.revoked)).mappings()
        return [dict(r) for r in rows]


def revoke_key(url: str, key_id: int) -> bool:
    with state_engine(url).begin() as conn:
        revoked = conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked=True)).rowcount > 0
    with _resolved_lock:  # this process forgets at once; other processes within CACHE_TTL_S
        _resolved.clear()
    return revoked
