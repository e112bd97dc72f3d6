"""The FastAPI application: versioned routers per concern, one error shape, metrics on every request."""

from __future__ import annotations

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import errors
from app.api.metrics import LATENCY, REQUESTS
from app.settings import get_settings


class MeasureMiddleware:
    """Request count and latency per route, as plain ASGI (no per-request task or body stream as with
    ``@app.middleware``, which cost a measurable share of a cached answer's time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(path, str(status[0])).inc()
            LATENCY.labels(path).observe(time.perf_counter() - started)


def create_app() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="Ask Lucky", version="1.0.0",
        description="Questions about Luckin Coffee USA's data, answered safely: figures, tables, charts, SQL, "
                    "and the departmental analyses of the seed report as tools. Authenticate with "
                    "`Authorization: Bearer <key>` (create keys with `lucky keys create`).",
    )
    errors.install(api)

    api.add_middleware(MeasureMiddleware)

    from app.api import (
        routes_ask,
        routes_dify,
        routes_feedback,
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
    api.include_router(routes_feedback.router)
    api.include_router(routes_dify.router)
    api.include_router(routes_slack.router)
    api.include_router(routes_web.router)
    api.state.settings = settings
    return api


app = create_app()
