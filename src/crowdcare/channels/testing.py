"""Real local HTTP servers for tests and the demo: any ASGI app on a free loopback port."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(app, port: int | None = None) -> Iterator[str]:
    """Run `app` with uvicorn in a daemon thread; yields its base URL; stops on exit."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def serve_here(app, port: int | None = None) -> tuple[uvicorn.Server, asyncio.Task, str]:
    """Serve `app` on a loopback port (a free one by default) in the running event loop (the
    demo's fake platforms): (server, its task, base URL). The caller's server owns Ctrl-C."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    server.install_signal_handlers = lambda: None
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    return server, task, f"http://127.0.0.1:{port}"


class CallbackReceiver:
    """A business's endpoint for API-channel callbacks: records what arrives, can be told to
    answer with errors for the next N calls."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_next: list[int] = []      # status codes to answer with, in order
        self.app = Starlette(routes=[Route("/callback", self._callback, methods=["POST"])])

    async def _callback(self, request: Request):
        body = await request.body()
        self.received.append({"headers": dict(request.headers), "body": body})
        if self.fail_next:
            return JSONResponse({"error": "told to fail"}, status_code=self.fail_next.pop(0))
        return JSONResponse({"id": f"biz-{len(self.received)}"})
