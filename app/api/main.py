"""The FastAPI application: versioned routers per concern, one error shape, metrics on every request."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from app.api import errors
from app.api.metrics import LATENCY, REQUESTS
from app.settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="Ask Lucky", version="1.0.0",
        description="Questions about Luckin Coffee USA's data, answered safely: figures, tables, charts, SQL, "
                    "and the departmental analyses of the seed report as tools. Authenticate with "
                    "`Authorization: Bearer <key>` (create keys with `lucky keys create`).",
    )
    errors.install(api)

    @api.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        REQUESTS.labels(path, str(response.status_code)).inc()
        LATENCY.labels(path).observe(time.perf_counter() - started)
        return response

    from app.api import (
        routes_ask,
        routes_dify,
        routes_health,
        routes_queries,
        routes_slack,
        routes_tools,
        routes_web,
    )

    api.include_router(routes_health.router)
    api.include_router(routes_ask.router)
    api.include_router(routes_tools.router)
    api.include_router(routes_queries.router)
    api.include_router(routes_dify.router)
    api.include_router(routes_slack.router)
    api.include_router(routes_web.router)
    api.state.settings = settings
    return api


app = create_app()
