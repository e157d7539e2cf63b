"""Every refusal is a 4xx with a reason; nothing reaches the client as a bare 500."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from crowdcare.actions import ActionError
from crowdcare.channels.base import Rejected

log = logging.getLogger(__name__)


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
