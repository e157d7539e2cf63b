"""Every refusal is a 4xx with a reason in one shape, `{"detail": "...", "field": "..."}`
(field when one input is at fault); nothing reaches the client as a bare 500."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import ClientDisconnect

from crowdcare.actions import ActionError
from crowdcare.channels.base import Rejected
from crowdcare.settings import get_settings

log = logging.getLogger(__name__)
SOURCES = ("body", "query", "path", "header", "cookie")
SHOWN = 5   # errors named in one detail; the rest are counted


class Refusal(BaseModel):
    """Every 4xx of the API (and the few 5xx it means: a platform or the database away)."""

    detail: str
    field: str | None = None


# The statuses any API route may answer, documented once for all of them (app.py): what the
# handlers below and the access checks (api/deps.py) return.
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Refusal, "description": why} for status, why in (
        (400, "the request body could not be read"),
        (401, "missing or invalid bearer token"),
        (403, "this role may not do this"),
        (404, "no such row in this workspace (another workspace's is as missing)"),
        (409, "conflicts with the current state or existing data"),
        (422, "an input is invalid: `field` names it"),
        (503, "the database is unavailable: try again after Retry-After seconds"))}
UPSTREAM = {502: {"model": Refusal, "description": "the platform did not accept the call"}}


def refusal(status: int, detail: str, field: str | None = None) -> JSONResponse:
    body = {"detail": detail}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def _where(loc: Sequence[Any]) -> str:
    parts = list(loc[1:] if loc and loc[0] in SOURCES else loc)
    return ".".join(str(p) for p in parts)


def _reason(error: dict[str, Any]) -> str:
    if error.get("input", ...) is None and error["type"] != "missing":
        return "may not be null"   # an explicit null for a value that cannot be empty
    return error["msg"]


def validation(errors: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
    """Pydantic's errors as (detail, field of the first one)."""
    said = [f"{_where(e['loc']) or 'body'}: {_reason(e)}" for e in errors[:SHOWN]]
    if len(errors) > SHOWN:
        said.append(f"and {len(errors) - SHOWN} more")
    return "; ".join(said), (_where(errors[0]["loc"]) or None) if errors else None


def retry_after() -> str:
    """Seconds a client should wait before trying a busy or absent database again."""
    return str(max(1, round(get_settings().db_timeout_seconds)))


def install(app: FastAPI) -> None:
    @app.exception_handler(ActionError)
    async def _action(_request: Request, exc: ActionError):
        return refusal(exc.status, exc.reason, exc.field)

    @app.exception_handler(Rejected)
    async def _rejected(_request: Request, exc: Rejected):
        return refusal(exc.status, exc.reason, getattr(exc, "field", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        detail, field = validation(exc.errors())
        return refusal(422, detail, field)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError):
        log.info("integrity conflict: %s", exc.orig)
        return refusal(409, "conflicts with existing data (duplicate or missing reference)")

    async def _unavailable(request: Request, exc: Exception):
        """The database is down, locked past db_timeout_seconds or out of connections: 503 and
        when to try again (a platform retries its webhook), the driver's words (host, port)
        only in the log."""
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path,
                    getattr(exc, "orig", None) or exc)
        return JSONResponse({"detail": "the database is unavailable; try again shortly"},
                            status_code=503, headers={"Retry-After": retry_after()})

    for unavailable in (OperationalError, InterfaceError, PoolTimeout):   # down, gone, full
        app.add_exception_handler(unavailable, _unavailable)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception):
        # The last guard: a value no column can hold that no declared type caught (a number
        # past 64 bits on SQLite, or on PostgreSQL also a NUL character in text).
        log.info("%s %s: value cannot be stored: %s", request.method, request.url.path, exc)
        return refusal(422, "a value cannot be stored: numbers are at most 2**63 - 1 and text "
                            "cannot hold NUL characters")

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect):
        # An aborted upload: one line, not a traceback; the client is not there to read it.
        log.info("%s %s: client disconnected before the body was read", request.method,
                 request.url.path)
        return refusal(400, "the client disconnected before the request body was read")
