"""A fake X API: a real local HTTP server that speaks the part of X API v2 crowdcare uses.

It checks the bearer token and request shapes like the real one (errors shaped like X's
problem details), records every request, can be told to fail, and plays the public: it builds
Account Activity bodies (a mention, a reply, a DM), signs them with the consumer secret and
POSTs them to crowdcare's webhook.

    from crowdcare.channels.testing import serve_in_thread
    fake = FakeX(access_token="T", consumer_secret="S", user_id="42", handle="brand")
    with serve_in_thread(fake.app) as url: ...   # api_url=url

Control endpoints (under /_fake):
    GET/DELETE /_fake/requests      what crowdcare sent (and clear it)
    POST /_fake/fail {kind, times}  rate_limit | server_error | unauthorized | duplicate
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crowdcare.channels.x.adapter import SIGNATURE_HEADER, TWEET_LIMIT, signature

FAILURES = {
    "rate_limit": (429, "Too Many Requests", "Too Many Requests"),
    "server_error": (503, "Service Unavailable", "Service is temporarily unavailable."),
    "unauthorized": (401, "Unauthorized", "Unauthorized"),
    "duplicate": (403, "Forbidden", "You are not allowed to create a Tweet with duplicate "
                                    "content."),
}


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"title": title, "detail": detail, "type": "about:blank",
                         "status": status}, status_code=status)


@dataclass
class FakeX:
    access_token: str = "fake-x-access-token"
    consumer_secret: str = "fake-x-consumer-secret"
    user_id: str = "4200000001"
    handle: str = "brand"
    webhook_url: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1900000000000000001))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/_fake/requests", self._requests, methods=["GET", "DELETE"]),
            Route("/_fake/fail", self._fail, methods=["POST"]),
            Route("/2/tweets", self._tweet, methods=["POST"]),
            Route("/2/dm_conversations/with/{participant_id}/messages", self._dm,
                  methods=["POST"]),
        ])

    # -- the API ---------------------------------------------------------------------------

    async def _checked(self, request: Request) -> tuple[dict | None, Response | None]:
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        self.requests.append({"method": request.method, "path": request.url.path,
                              "headers": dict(request.headers), "json": body})
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.access_token}":
            return None, _problem(401, "Unauthorized", "Unauthorized")
        if self.failures:
            status, title, detail = FAILURES[self.failures.pop(0)]
            resp = _problem(status, title, detail)
            if status == 429:
                resp.headers["x-rate-limit-reset"] = str(int(time.time()) + 2)
            return None, resp
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) \
                or not body["text"].strip():
            return None, _problem(400, "Invalid Request",
                                  "One or more parameters to your request was invalid: text")
        return body, None

    async def _tweet(self, request: Request) -> Response:
        body, error = await self._checked(request)
        if error:
            return error
        if len(body["text"]) > TWEET_LIMIT:
            return _problem(400, "Invalid Request", "text: Tweet text is too long")
        reply = body.get("reply")
        if reply is not None and not str((reply or {}).get("in_reply_to_tweet_id", "")).isdigit():
            return _problem(400, "Invalid Request", "reply.in_reply_to_tweet_id must be a tweet id")
        return JSONResponse({"data": {"id": str(next(self._ids)), "text": body["text"],
                                      "edit_history_tweet_ids": []}}, status_code=201)

    async def _dm(self, request: Request) -> Response:
        body, error = await self._checked(request)
        if error:
            return error
        pid = request.path_params["participant_id"]
        if not pid.isdigit():
            return _problem(400, "Invalid Request", "participant_id must be a user id")
        n = next(self._ids)
        return JSONResponse({"data": {"dm_conversation_id": f"{pid}-{self.user_id}",
                                      "dm_event_id": str(n)}}, status_code=201)

    # -- control ---------------------------------------------------------------------------

    async def _requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.requests.clear()
        return JSONResponse({"requests": self.requests})

    async def _fail(self, request: Request) -> Response:
        body = await request.json()
        kind = body.get("kind")
        if kind not in FAILURES:
            return JSONResponse({"error": f"kind must be one of {sorted(FAILURES)}"}, 400)
        self.failures.extend([kind] * int(body.get("times", 1)))
        return JSONResponse({"queued": len(self.failures)})

    # -- playing the public ----------------------------------------------------------------

    def user(self, user_id: str = "9001", handle: str = "customer", followers: int = 120,
             verified: bool = False, name: str = "A Customer") -> dict[str, Any]:
        return {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": handle,
                "followers_count": followers, "verified": verified}

    def mention(self, text: str, tweet_id: str = "1850000000000000001",
                reply_to: str | None = None, **user: Any) -> dict[str, Any]:
        """An Account Activity body with one tweet that mentions (or replies to) the brand."""
        tweet = {
            "created_at": "Wed Nov 27 10:00:00 +0000 2026", "id": int(tweet_id),
            "id_str": tweet_id, "text": text, "timestamp_ms": "1795780800000",
            "user": self.user(**user), "lang": "en",
            "in_reply_to_status_id_str": reply_to,
            "in_reply_to_user_id_str": self.user_id if reply_to else None,
            "entities": {"user_mentions": [{"id_str": self.user_id,
                                            "screen_name": self.handle}]},
        }
        return {"for_user_id": self.user_id, "tweet_create_events": [tweet]}

    def direct_message(self, text: str, dm_id: str = "1850000000000000099",
                       **user: Any) -> dict[str, Any]:
        u = self.user(**user)
        return {"for_user_id": self.user_id, "direct_message_events": [{
            "type": "message_create", "id": dm_id, "created_timestamp": "1795780800000",
            "message_create": {"target": {"recipient_id": self.user_id},
                               "sender_id": u["id_str"], "message_data": {"text": text}}}],
            "users": {u["id_str"]: {**u, "id": u["id_str"]}}}

    def signed(self, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        return body, {SIGNATURE_HEADER: signature(self.consumer_secret, body),
                      "content-type": "application/json"}

    def post_webhook(self, payload: dict[str, Any], url: str | None = None) -> httpx.Response:
        body, headers = self.signed(payload)
        return httpx.post(url or self.webhook_url, content=body, headers=headers, timeout=10)
