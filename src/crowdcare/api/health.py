from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from crowdcare.store import db

router = APIRouter(tags=["health"])


def _ping() -> None:
    with db.engine().connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/healthz", responses={503: {"description": "the database cannot be reached"}})
async def healthz():
    try:
        await run_in_threadpool(_ping)
    except Exception as exc:  # noqa: BLE001 - the answer is the health status itself
        return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, 503)
    return {"status": "ok"}
