"""The web chat: one static page served by the app (no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB = Path(__file__).resolve().parents[1] / "web"
router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(WEB / "index.html", media_type="text/html")


@router.get("/web/{name}")
def asset(name: str) -> FileResponse:
    allowed = {"app.js": "text/javascript", "style.css": "text/css"}
    if name not in allowed:
        from app.api.errors import ApiError

        raise ApiError(404, "not_found", "There is nothing at this address.")
    return FileResponse(WEB / name, media_type=allowed[name])
