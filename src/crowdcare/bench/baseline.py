"""The baseline for `bench ingest`: a bare Starlette endpoint that does one insert of the body
into the same kind of database, through the same driver and pragmas. Run as its own process:

    python -m crowdcare.bench.baseline --port 8101 --database-url sqlite:///tmp/b.db
"""
from __future__ import annotations

import argparse

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from crowdcare.store.db import engine_for


def create_app(url: str) -> Starlette:
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_baseline"))
        conn.execute(text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, body TEXT)"
                          if engine.dialect.name == "sqlite" else
                          "CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, body BYTEA)"))

    def insert(body: bytes) -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_baseline (body) VALUES (:b)"), {"b": body})

    async def ingest(request):
        await run_in_threadpool(insert, await request.body())
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/ingest", ingest, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.database_url), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
