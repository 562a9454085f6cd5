"""One error body for every failure: {"error": {"code", "message", "details"}}."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from cloud.db.errors import DatabaseUnavailable, DataRejected

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """What went wrong, for machines (`code`) and people (`message`)."""

    code: str = Field(description="Stable error code (not_found, forbidden, invalid, …)")
    message: str = Field(description="What went wrong, in words")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Invalid input: each `field` (dotted path) with its `reason`"
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail = Field(description="The error")


class ApiError(Exception):
    """An error a route raises on purpose: HTTP status, a stable code and a message."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return ErrorBody(error=ErrorDetail(code=code, message=message, details=details)).model_dump()


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
}


class RefuseNul:
    """PostgreSQL text cannot hold NUL: refuse it at the door instead of failing deep inside.

    Plain ASGI (a BaseHTTPMiddleware would cost every request a task and a stream).
    """

    def __init__(self, app: ASGIApp):
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 422 to a request whose path or query holds a NUL; pass the rest on."""
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")
        ):
            body = _body("invalid_request", "the request contains a NUL character")
            await JSONResponse(body, status_code=422)(scope, receive, send)
            return
        await self._app(scope, receive, send)


def _with_error_body(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """app.openapi, documenting invalid requests (422) with ErrorBody, as they are answered."""
    generate = app.openapi
    fastapi_shape = "#/components/schemas/HTTPValidationError"
    ours = "#/components/schemas/ErrorBody"

    def point_to_ours(node: object) -> None:
        if isinstance(node, dict):
            if node.get("$ref") == fastapi_shape:
                node["$ref"] = ours
            for value in node.values():
                point_to_ours(value)
        elif isinstance(node, list):
            for value in node:
                point_to_ours(value)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            point_to_ours(document["paths"])
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        return app.openapi_schema or generate()

    return openapi


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, expected or not, come out in the one body shape (and say so)."""
    app.add_middleware(RefuseNul)
    app.openapi = _with_error_body(app)  # type: ignore[method-assign]

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            _body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse(
            _body("invalid_request", "the request is not valid", details), status_code=422
        )

    @app.exception_handler(DataRejected)
    async def _rejected(request: Request, exc: DataRejected) -> JSONResponse:
        log.info("database refused a request's data: %s", exc)
        return JSONResponse(_body("rejected", "the database refused the data"), status_code=422)

    @app.exception_handler(DatabaseUnavailable)
    async def _database_down(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            _body("unavailable", "the database is unavailable; try again shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )
