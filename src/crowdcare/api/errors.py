"""Every refusal is a 4xx with a reason; nothing reaches the client as a bare 500."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from crowdcare.actions import ActionError
from crowdcare.channels.base import Rejected
from crowdcare.settings import get_settings

log = logging.getLogger(__name__)


def retry_after() -> str:
    """Seconds a client should wait before trying a busy or absent database again."""
    return str(max(1, round(get_settings().db_timeout_seconds)))


def install(app: FastAPI) -> None:
    @app.exception_handler(ActionError)
    async def _action(_request: Request, exc: ActionError):
        body = {"detail": exc.reason}
        if exc.field:
            body["field"] = exc.field
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(Rejected)
    async def _rejected(_request: Request, exc: Rejected):
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError):
        log.info("integrity conflict: %s", exc.orig)
        return JSONResponse({"detail": "conflicts with existing data (duplicate or missing "
                                       "reference)"}, status_code=409)

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
