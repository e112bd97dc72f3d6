"""One JSON error shape for every failure: {"error": {"code": ..., "message": ...}} — never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import ConnectionFailed, DataMissing, LuckyError, QueryTimeout, Refused

log = logging.getLogger("lucky.api")

_STATUS = {Refused: 422, QueryTimeout: 504, ConnectionFailed: 503, DataMissing: 503}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


class ApiError(Exception):
    """An error raised inside a route with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, err: ApiError) -> JSONResponse:
        return JSONResponse(error_body(err.code, err.message), status_code=err.status, headers=err.headers)

    @app.exception_handler(LuckyError)
    async def _lucky(_: Request, err: LuckyError) -> JSONResponse:
        status = next((s for cls, s in _STATUS.items() if isinstance(err, cls)), 400)
        return JSONResponse(error_body(err.code, err.message), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in err.errors()]
        return JSONResponse(error_body("invalid_request", "The request is not valid: " + "; ".join(parts) + "."),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, err: StarletteHTTPException) -> JSONResponse:
        message = err.detail if isinstance(err.detail, str) else "The request could not be served."
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        if err.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        return JSONResponse(error_body(code, message), status_code=err.status_code)

    @app.exception_handler(Exception)
    async def _crash(_: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "Something went wrong on our side; it has been logged."),
                            status_code=500)
