"""Domain errors and the handlers that turn every error into ``{"error", "detail"}``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("tensorjudge.api")


class DomainError(Exception):
    """Base of expected rejections; ``status`` and ``error`` shape the response."""

    status = 400
    error = "bad_request"

    def __init__(self, detail: Any = "", headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class Unauthorized(DomainError):
    """Not authenticated: no session cookie or API token, or one that expired or was revoked."""

    status, error = 401, "unauthorized"


class Forbidden(DomainError):
    """Forbidden: signed in, but the role (learner, TA, instructor, admin) or the course
    membership does not allow this; also a wrong course join code."""

    status, error = 403, "forbidden"


class NotFound(DomainError):
    """Not found: no such problem, submission, course, assignment or token, or one the
    caller may not see (another learner's submission reads as missing)."""

    status, error = 404, "not_found"


class Conflict(DomainError):
    """Conflict: the request is valid but the current state refuses it (a taken slug or
    username, an assignment past its due time that refuses late work)."""

    status, error = 409, "conflict"


class PayloadTooLarge(DomainError):
    """Payload too large: the body is over the limit for its route."""

    status, error = 413, "payload_too_large"


class InvalidInput(DomainError):
    """Invalid input: the body is well-formed but a value breaks a rule of the domain
    (a manifest that does not validate, a time out of range, an unknown problem in an
    assignment)."""

    status, error = 422, "invalid"


class FrameworkUnavailable(DomainError):
    """The problem accepts the framework, but this server cannot run it (not installed)."""

    status, error = 422, "framework_unavailable"


class RateLimited(DomainError):
    """Rate limited (see Retry-After): too many failed sign-ins or submissions in a short time."""

    status, error = 429, "rate_limited"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail, {"Retry-After": str(retry_after)})


class Unavailable(DomainError):
    """Temporarily unavailable (see Retry-After): the queue is full or the database is
    unreachable; nothing was stored."""

    status, error = 503, "unavailable"


UNSTORABLE = "text must be UTF-8 without NUL characters or unpaired surrogates"


def _storable(value: str) -> str:
    """PostgreSQL text cannot hold NUL, and no database can encode a lone surrogate
    (JSON "\\ud800"); refuse both up front rather than fail (500) at INSERT time."""
    if "\x00" in value:
        raise ValueError(UNSTORABLE)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(UNSTORABLE) from None
    return value


StorableText = Annotated[str, AfterValidator(_storable)]


class ErrorOut(BaseModel):
    """Every 4xx/5xx body."""

    error: str
    detail: Any


# Documented on every API route, so the OpenAPI schema describes what clients really get
# (FastAPI's default 422 body, {"detail": [...]}, is not what this service sends).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in sorted({
        400: "Malformed request", 405: "Method not allowed",
        **{kind.status: (kind.__doc__ or kind.error).split(":")[0].strip()
           for kind in DomainError.__subclasses__()},
    }.items())
}


def error_body(error: str, detail: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail}


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.error, exc.detail), exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(error_body("validation_error", detail), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        return JSONResponse(error_body(names.get(exc.status_code, "http_error"), exc.detail),
                            exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    @app.exception_handler(UnicodeEncodeError)
    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (NUL, lone surrogate, out-of-range number) in
        # a path or query parameter: the client's input, not a server failure.
        log.warning("unstorable input on %s %s: %s", request.method, request.url.path,
                    type(exc).__name__)
        return JSONResponse(error_body("invalid", UNSTORABLE), 422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        # The database is unreachable (or SQLite stayed locked past busy_timeout): nothing
        # was stored; ask the client to come back rather than report a server bug.
        full = any(s in str(exc).lower() for s in ("disk is full", "no space left", "disk full"))
        detail = ("the database volume is full; nothing was stored" if full
                  else "the database is unavailable; nothing was stored; retry shortly")
        log.warning("database unavailable on %s %s: %s%s", request.method, request.url.path,
                    type(exc).__name__, " (disk full)" if full else "")
        return JSONResponse(error_body("unavailable", detail), 503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "the server failed; this is logged"), 500)
