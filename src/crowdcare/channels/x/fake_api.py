"""A fake X API: a real local HTTP server that speaks the part of X API v2 crowdcare uses, and
v1.1 `direct_messages/events/new` (DMs with quick replies, OAuth 1.0a-signed).

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
    POST /_fake/mention {text, tweet_id?, user_id?, handle?, followers?, verified?, reply_to?,
                         minutes_ago?}
                                    a customer tweets at the brand: the signed Account
                                    Activity webhook goes to `webhook_url`
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crowdcare import clock
from crowdcare.channels.x.adapter import (
    QUICK_REPLY_LABEL,
    QUICK_REPLY_OPTIONS,
    SIGNATURE_HEADER,
    TWEET_LIMIT,
    signature,
)

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
    consumer_key: str = "fake-x-consumer-key"            # OAuth 1.0a, for v1.1
    access_token_secret: str = "fake-x-access-token-secret"
    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1900000000000000001))
    _mentions: Any = field(default_factory=lambda: itertools.count(1850000000000001001))
    tweets: dict[str, str] = field(default_factory=dict)    # id -> text of what we posted

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/_fake/requests", self._requests, methods=["GET", "DELETE"]),
            Route("/_fake/fail", self._fail, methods=["POST"]),
            Route("/_fake/mention", self._mention, methods=["POST"]),
            Route("/2/tweets", self._tweet, methods=["POST"]),
            Route("/2/tweets/{tweet_id}", self._delete, methods=["DELETE"]),
            Route("/2/dm_conversations/with/{participant_id}/messages", self._dm,
                  methods=["POST"]),
            Route("/1.1/direct_messages/events/new.json", self._dm_event, methods=["POST"]),
        ])

    # -- the API ---------------------------------------------------------------------------

    async def _refused(self, request: Request, body: Any) -> Response | None:
        """Record the request; the failure X would answer it with (auth, injected), if any."""
        self.requests.append({"method": request.method, "path": request.url.path,
                              "headers": dict(request.headers), "json": body})
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.access_token}":
            return _problem(401, "Unauthorized", "Unauthorized")
        if self.failures:
            status, title, detail = FAILURES[self.failures.pop(0)]
            resp = _problem(status, title, detail)
            if status == 429:
                resp.headers["x-rate-limit-reset"] = str(int(time.time()) + 2)
            return resp
        return None

    async def _checked(self, request: Request) -> tuple[dict | None, Response | None]:
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        refused = await self._refused(request, body)
        if refused is not None:
            return None, refused
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
        tweet_id = str(next(self._ids))
        self.tweets[tweet_id] = body["text"]
        return JSONResponse({"data": {"id": tweet_id, "text": body["text"],
                                      "edit_history_tweet_ids": []}}, status_code=201)

    async def _delete(self, request: Request) -> Response:
        refused = await self._refused(request, None)
        if refused is not None:
            return refused
        tweet_id = request.path_params["tweet_id"]
        if self.tweets.pop(tweet_id, None) is None:
            return _problem(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].")
        return JSONResponse({"data": {"deleted": True}})

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

    def _oauth1_signed(self, request: Request) -> bool:
        """The consumer key, the token and the HMAC-SHA1 signature over this URL (RFC 5849)."""
        header = request.headers.get("authorization", "")
        try:
            params = {k: unescape(v) for k, v in parse_authorization_header(header)}
        except (ValueError, IndexError):
            return False
        if (params.get("oauth_consumer_key"), params.get("oauth_token")) != (
                self.consumer_key, self.access_token):
            return False
        collected = oauth_signature.collect_parameters(
            uri_query=request.url.query, headers={"Authorization": header})
        base = oauth_signature.signature_base_string(
            "POST", oauth_signature.base_string_uri(str(request.url)),
            oauth_signature.normalize_parameters(collected))
        return params.get("oauth_signature") == oauth_signature.sign_hmac_sha1(
            base, self.consumer_secret, self.access_token_secret)

    async def _dm_event(self, request: Request) -> Response:
        """v1.1 events/new: OAuth 1.0a checked (key, token, signature over this URL), the
        message_create shape and the quick reply options' limits, as X answers them."""
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        self.requests.append({"method": "POST", "path": request.url.path,
                              "headers": dict(request.headers), "json": body})
        good = self._oauth1_signed(request)
        if not good:
            return JSONResponse({"errors": [{"code": 32, "message": "Could not authenticate "
                                             "you."}]}, status_code=401)
        if self.failures:
            status, title, detail = FAILURES[self.failures.pop(0)]
            return JSONResponse({"errors": [{"code": 0, "message": detail}]}, status_code=status)
        event = (body or {}).get("event") if isinstance(body, dict) else None
        mc = (event or {}).get("message_create") or {}
        data = mc.get("message_data") or {}
        recipient = str((mc.get("target") or {}).get("recipient_id") or "")
        quick = data.get("quick_reply")
        options = (quick or {}).get("options") if isinstance(quick, dict) else None
        problem = None
        if (event or {}).get("type") != "message_create" or not recipient.isdigit():
            problem = "event.type must be message_create with target.recipient_id"
        elif not isinstance(data.get("text"), str) or not data["text"].strip():
            problem = "message_data.text is required"
        elif quick is not None and (quick.get("type") != "options" or not isinstance(
                options, list) or not 1 <= len(options) <= QUICK_REPLY_OPTIONS):
            problem = f"quick_reply.type must be options, with 1 to {QUICK_REPLY_OPTIONS}"
        elif quick is not None and any(
                not isinstance(o, dict) or not str(o.get("label") or "").strip()
                or len(o["label"]) > QUICK_REPLY_LABEL for o in options):
            problem = f"each option needs a label of at most {QUICK_REPLY_LABEL} characters"
        if problem:
            return JSONResponse({"errors": [{"code": 214, "message": problem}]},
                                status_code=400)
        n = str(next(self._ids))
        return JSONResponse({"event": {"type": "message_create", "id": n,
                                       "created_timestamp": str(int(time.time() * 1000)),
                                       "message_create": {**mc, "sender_id": self.user_id}}})

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

    async def _mention(self, request: Request) -> Response:
        data = await request.json() if await request.body() else {}
        if not isinstance(data, dict) or not str(data.get("text") or "").strip():
            return JSONResponse({"error": "a mention needs text"}, status_code=422)
        if not self.webhook_url:
            return JSONResponse({"error": "no webhook_url: set FakeX.webhook_url"}, 422)
        user = {k: data[k] for k in ("user_id", "handle", "followers", "verified", "name")
                if data.get(k) is not None}
        at = clock.now() - timedelta(minutes=float(data.get("minutes_ago") or 0))
        payload = self.mention(str(data["text"]), str(data.get("tweet_id") or
                                                      next(self._mentions)),
                               reply_to=data.get("reply_to"), at=at, **user)
        body, headers = self.signed(payload)
        async with httpx.AsyncClient(timeout=10) as http:
            try:
                resp = await http.post(self.webhook_url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                return JSONResponse({"error": f"crowdcare unreachable: {exc!r}"}, 502)
        tweet = payload["tweet_create_events"][0]
        return JSONResponse({"webhook_status": resp.status_code, "tweet_id": tweet["id_str"]})

    # -- playing the public ----------------------------------------------------------------

    def user(self, user_id: str = "9001", handle: str = "customer", followers: int = 120,
             verified: bool = False, name: str = "A Customer") -> dict[str, Any]:
        return {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": handle,
                "followers_count": followers, "verified": verified}

    def mention(self, text: str, tweet_id: str = "1850000000000000001",
                reply_to: str | None = None, at: datetime | None = None,
                **user: Any) -> dict[str, Any]:
        """An Account Activity body with one tweet that mentions (or replies to) the brand
        (sent at `at`, default a fixed moment in 2026)."""
        at = at or datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        tweet = {
            "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": int(tweet_id),
            "id_str": tweet_id, "text": text, "timestamp_ms": str(int(at.timestamp() * 1000)),
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
