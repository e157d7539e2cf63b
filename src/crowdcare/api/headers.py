"""The headers every response carries, in one place: a strict Content Security Policy (scripts
and styles only from our own /static files, nothing inline, no framing), nosniff, no referrer
beyond our own origin, HSTS when served over https. Pure ASGI: websockets pass untouched."""
from __future__ import annotations

from crowdcare.settings import get_settings

# FastAPI's /docs and /redoc pages are its own inline script and a CDN's: looser, still unframed
DOCS = ("/docs", "/redoc")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com https://cdn.redoc.ly; frame-ancestors 'none'")


class SecurityHeaders:
    def __init__(self, app):
        self.app = app
        settings = get_settings()
        self.common = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                       (b"referrer-policy", b"same-origin"),
                       (b"cross-origin-opener-policy", b"same-origin"),
                       (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
        if settings.public_url.startswith("https"):
            self.common.append((b"strict-transport-security", b"max-age=31536000"))
        self.csp = settings.csp.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = DOCS_CSP.encode() if scope["path"].startswith(DOCS) else self.csp

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.common,
                                      (b"content-security-policy", csp)]
            await send(message)

        await self.app(scope, receive, with_headers)
