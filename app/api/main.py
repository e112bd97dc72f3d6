"""The FastAPI application. Routers per concern are added by the surfaces work; health is here."""

from __future__ import annotations

from fastapi import FastAPI

from app.settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    api = FastAPI(title="Ask Lucky", version="0.1.0",
                  description="Questions about Luckin Coffee USA's data, answered safely.")

    @api.get("/healthz", tags=["health"], summary="The process is up.")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "data_dir": str(settings.data_dir)}

    return api


app = create_app()
