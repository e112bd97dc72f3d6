"""Liveness, readiness (database, Chroma index, Redis when configured) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import SettingsDep
from app.api.metrics import REGISTRY
from app.errors import LuckyError
from app.executor import get_executor
from guardrails.principal import SYSTEM

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up.")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_database(settings: SettingsDep) -> dict[str, Any]:
    try:
        get_executor(settings).run("SELECT COUNT(*) AS n FROM luckyus_opshop.t_shop_info", principal=SYSTEM,
                                   timeout_s=3, target=settings.target)
        return {"ok": True}
    except LuckyError as err:
        return {"ok": False, "error": err.message}


def _check_redis(url: str | None) -> dict[str, Any]:
    if not url:
        return {"ok": True, "configured": False}
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True, "configured": True}
    except redis.RedisError as err:
        return {"ok": False, "configured": True, "error": f"Redis is not reachable: {type(err).__name__}"}


def _check_state(settings: SettingsDep) -> dict[str, Any]:
    import sqlalchemy as sa

    from app.state.store import state_engine

    try:
        with state_engine(settings.state_database_url).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"ok": True}
    except sa.exc.SQLAlchemyError as err:
        return {"ok": False, "error": f"the state database (keys, audit) is not reachable: {type(err).__name__}"}


@router.get("/readyz", summary="Database, state database, retrieval index and Redis (when configured).")
def readyz(settings: SettingsDep) -> JSONResponse:
    """Ready = the data and the state (keys, audit) databases answer. Redis and the retrieval index only
    degrade the service (per-process limits and caches, keyword-only catalog search), so they are
    reported but keep a replica in rotation."""
    from app.api.knowledge import status

    checks = {"database": _check_database(settings), "state": _check_state(settings),
              "redis": _check_redis(settings.redis_url), "index": status(settings.data_dir)}
    ready = checks["database"]["ok"] and checks["state"]["ok"]
    degraded = not checks["redis"]["ok"] or "error" in checks["index"] or "note" in checks["index"]
    return JSONResponse({"ready": ready, "degraded": degraded, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics.", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
