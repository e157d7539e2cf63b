import logging

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from crowdcare.api.errors import retry_after
from crowdcare.store import db

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


def _ping() -> None:
    with db.engine().connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/healthz", responses={503: {"description": "the database cannot be reached"}})
async def healthz():
    try:
        await run_in_threadpool(_ping)
    except Exception:  # noqa: BLE001 - the answer is the health status itself
        # Anyone may ask: the driver's error (host, port, user) goes to the log only.
        log.exception("health check: database unavailable")
        return JSONResponse({"status": "unavailable", "database": "unavailable"}, 503,
                            headers={"Retry-After": retry_after()})
    return {"status": "ok"}
