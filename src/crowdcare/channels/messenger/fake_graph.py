"""A fake Graph API: a real local HTTP server that speaks the part of Graph crowdcare uses.

It validates access tokens and request shapes like the real one (errors shaped like Graph's),
records every request, can be told to fail, and plays a customer: it builds Messenger webhook
bodies, signs them with the app secret and POSTs them to crowdcare.

    crowdcare fake-graph --port 8900 --webhook-url http://127.0.0.1:8000/webhooks/messenger/2 \
        --app-secret S --page-id 1234 --page-token T

Control endpoints (under /_fake):
    GET/DELETE /_fake/requests            what crowdcare sent (and clear it)
    POST /_fake/fail {kind, times}         rate_limit | server_error | timeout |
                                           outside_window | invalid_token | user_unavailable
    POST /_fake/configure {...}            webhook_url, app_secret, page_id, page_token, echo,
                                           receipts, receipt_delay
    POST /_fake/customer/{kind} {...}      message | postback | referral | delivery | read |
                                           optin | comment | echo: a signed webhook to crowdcare
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crowdcare import clock

MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
TAGS = {"HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
SENDER_ACTIONS = {"typing_on", "typing_off", "mark_seen"}
PROFILE_FIELDS = {"get_started", "greeting", "ice_breakers", "persistent_menu", "whitelisted_domains"}
RECEIPT_REQUIRED = ("recipient_name", "order_number", "currency", "payment_method", "summary")
FAILURES = {
    "rate_limit": (400, 613, None, "OAuthException", "Calls to this api have exceeded the rate limit."),
    "server_error": (500, 2, None, "OAuthException", "An unexpected error has occurred. Please "
                     "retry your request later."),
    "outside_window": (400, 10, 2018278, "OAuthException", "(#10) This message is sent outside of "
                       "allowed window."),
    "invalid_token": (400, 190, None, "OAuthException", "Invalid OAuth access token - Cannot "
                      "parse access token"),
    "user_unavailable": (400, 551, 1545041, "OAuthException", "This person isn't available "
                         "right now."),
}


class GraphError(Exception):
    def __init__(self, message: str, code: int = 100, subcode: int | None = None,
                 kind: str = "OAuthException", status: int = 400):
        super().__init__(message)
        self.message, self.code, self.subcode, self.kind, self.status = (
            message, code, subcode, kind, status)

    def response(self) -> JSONResponse:
        error = {"message": self.message, "type": self.kind, "code": self.code,
                 "fbtrace_id": secrets.token_urlsafe(8)}
        if self.subcode:
            error["error_subcode"] = self.subcode
        return JSONResponse({"error": error}, status_code=self.status)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class FakeGraph:
    page_id: str = "1000000001"
    page_token: str = "fake-page-token"
    app_secret: str = "fake-app-secret"
    webhook_url: str | None = None
    app_id: str = "1111"
    echo: bool = False                 # send an echo webhook after each successful send
    receipts: bool = False             # then delivery and read receipts, like a phone would
    receipt_delay: float = 0.5         # seconds: sent → delivered → read
    timeout_seconds: float = 2.0       # how long a "timeout" failure stalls
    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    thread_owner: dict[str, str] = field(default_factory=dict)   # psid -> app id
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # ids never repeat, across restarts too (a stored id would make a new message a replay)
    run: str = field(default_factory=lambda: secrets.token_hex(4))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/_fake/requests", self._requests, methods=["GET", "DELETE"]),
            Route("/_fake/fail", self._fail, methods=["POST"]),
            Route("/_fake/configure", self._configure, methods=["POST"]),
            Route("/_fake/customer/{kind}", self._customer, methods=["POST"]),
            Route("/{version}/me/messages", self._messages, methods=["POST"]),
            Route("/{version}/me/messenger_profile", self._profile,
                  methods=["GET", "POST", "DELETE"]),
            Route("/{version}/me/{action}_thread_control", self._handover, methods=["POST"]),
            Route("/{version}/{object_id}/comments", self._comments, methods=["POST"]),
            Route("/{version}/{object_id}", self._delete, methods=["DELETE"]),
        ])

    # -- plumbing ----------------------------------------------------------------------------
    async def _graph(self, request: Request, handler) -> Response:
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            body = None
        record = {"method": request.method, "path": request.url.path,
                  "endpoint": "/" + request.url.path.split("/", 2)[-1],
                  "query": {k: v for k, v in request.query_params.items() if k != "access_token"},
                  "body": body, "at": time.time()}
        self.requests.append(record)
        try:
            if self.failures:
                await self._injected(self.failures.pop(0))
            token = request.query_params.get("access_token") or request.headers.get(
                "authorization", "").removeprefix("Bearer ")
            if not token:
                raise GraphError("An active access token must be used to query information "
                                 "about the current user.", 2500)
            if token != self.page_token:
                raise GraphError(*FAILURES["invalid_token"][4:], code=190)
            if body is None or not isinstance(body, dict):
                raise GraphError("(#100) The request body must be a JSON object")
            answer = await handler(request, body)
            record["status"] = 200
            return JSONResponse(answer)
        except GraphError as exc:
            record["status"] = exc.status
            record["error"] = exc.message
            return exc.response()

    async def _injected(self, kind: str) -> None:
        if kind == "timeout":
            await asyncio.sleep(self.timeout_seconds)
            raise GraphError("(timed out)", 2, status=504)
        status, code, sub, etype, message = FAILURES[kind]
        raise GraphError(message, code, sub, etype, status)

    async def _requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.requests.clear()
            return JSONResponse({"cleared": True})
        return JSONResponse({"items": self.requests})

    async def _fail(self, request: Request) -> Response:
        body = await request.json()
        kind, times = body.get("kind"), int(body.get("times", 1))
        if kind not in FAILURES and kind != "timeout":
            return JSONResponse({"error": f"unknown kind {kind!r}; known: "
                                          f"{sorted([*FAILURES, 'timeout'])}"}, status_code=422)
        self.failures.extend([kind] * times)
        return JSONResponse({"queued": len(self.failures)})

    async def _configure(self, request: Request) -> Response:
        body = await request.json()
        for key in ("page_id", "page_token", "app_secret", "webhook_url", "app_id", "echo",
                    "timeout_seconds", "receipts", "receipt_delay"):
            if key in body:
                setattr(self, key, body[key])
        return JSONResponse({"configured": sorted(body)})

    # -- Graph endpoints ---------------------------------------------------------------------
    async def _messages(self, request: Request) -> Response:
        return await self._graph(request, self._send)

    async def _send(self, request: Request, body: dict) -> dict:
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not (
                {"id", "comment_id", "notification_messages_token", "user_ref"} & set(recipient)):
            raise GraphError("(#100) param recipient must be an object with id, comment_id, "
                             "user_ref or notification_messages_token")
        if "sender_action" in body:
            if body["sender_action"] not in SENDER_ACTIONS:
                raise GraphError("(#100) param sender_action must be one of "
                                 f"{sorted(SENDER_ACTIONS)}")
            if "message" in body:
                raise GraphError("(#100) sender_action cannot be sent with a message")
            return {"recipient_id": recipient.get("id")}
        message = body.get("message")
        if not isinstance(message, dict):
            raise GraphError("(#100) param message must be an object")
        if "notification_messages_token" not in recipient:
            kind = body.get("messaging_type")
            if kind not in MESSAGING_TYPES:
                raise GraphError(f"(#100) param messaging_type must be one of {sorted(MESSAGING_TYPES)}")
            if kind == "MESSAGE_TAG" and body.get("tag") not in TAGS:
                raise GraphError("(#100) a MESSAGE_TAG message needs a valid tag")
        self._check_message(message)
        psid = recipient.get("id")
        if psid and self.thread_owner.get(psid, self.app_id) != self.app_id:
            raise GraphError("(#10) This app is not the thread owner", 10, 2018300)
        mid = self._mid("fake")
        if self.echo and self.webhook_url and psid:
            asyncio.get_running_loop().create_task(self._post_webhook(self._event(
                psid, {"message": {"is_echo": True, "mid": mid, "app_id": int(self.app_id),
                                   "metadata": message.get("metadata"),
                                   "text": message.get("text", "")}}, echo=True)))
        if self.receipts and self.webhook_url and psid:
            asyncio.get_running_loop().create_task(self._receipts(psid, mid))
        return {"recipient_id": psid or f"psid-for-{next(iter(recipient.values()))}",
                "message_id": mid}

    def _mid(self, kind: str) -> str:
        return f"m_{kind}{self.run}{next(self._ids):06d}"

    async def _receipts(self, psid: str, mid: str) -> None:
        """The customer's phone gets the message, then they read it."""
        await asyncio.sleep(self.receipt_delay)
        await self._post_webhook(self.build("delivery", {"psid": psid, "mids": [mid]}))
        await asyncio.sleep(self.receipt_delay)
        await self._post_webhook(self.build("read", {"psid": psid}))

    def _check_message(self, message: dict) -> None:
        text, attachment = message.get("text"), message.get("attachment")
        if bool(text) == bool(attachment):
            raise GraphError("(#100) Must send either text or attachment")
        if text is not None and (not isinstance(text, str) or len(text) > 2000):
            raise GraphError("(#100) param message[text] must be a UTF-8 string of at most 2000 "
                             "characters")
        if "metadata" in message and (not isinstance(message["metadata"], str)
                                      or len(message["metadata"]) > 1000):
            raise GraphError("(#100) param message[metadata] must be a string up to 1000 chars")
        quick = message.get("quick_replies", [])
        if not isinstance(quick, list) or len(quick) > 13:
            raise GraphError("(#100) param message[quick_replies] must have at most 13 items")
        for q in quick:
            if q.get("content_type") == "text" and not (q.get("title") and q.get("payload")):
                raise GraphError("(#100) a text quick reply needs a title and a payload")
            if len(str(q.get("title", ""))) > 20:
                raise GraphError("(#100) quick reply titles are at most 20 characters")
        if attachment:
            self._check_attachment(attachment)

    def _check_attachment(self, attachment: dict) -> None:
        kind, payload = attachment.get("type"), attachment.get("payload")
        if kind not in ("image", "video", "audio", "file", "template") or not isinstance(
                payload, dict):
            raise GraphError("(#100) param message[attachment] needs a type and a payload")
        if kind != "template":
            if not (payload.get("url") or payload.get("attachment_id")):
                raise GraphError("(#100) an attachment payload needs a url or attachment_id")
            return
        template = payload.get("template_type")
        if template == "receipt":
            missing = [f for f in RECEIPT_REQUIRED if not payload.get(f)]
            if missing or "total_cost" not in (payload.get("summary") or {}):
                raise GraphError(f"(#100) receipt template is missing {missing or ['total_cost']}")
            address = payload.get("address")
            if address is not None:
                gaps = [f for f in ("street_1", "city", "postal_code", "country")
                        if not address.get(f)]
                if gaps:
                    raise GraphError(f"(#100) receipt address is missing {gaps}")
            for element in payload.get("elements", []):
                if not element.get("title") or "price" not in element:
                    raise GraphError("(#100) every receipt element needs a title and a price")
        elif template == "button":
            if not payload.get("text") or not 1 <= len(payload.get("buttons") or []) <= 3:
                raise GraphError("(#100) a button template needs text and 1 to 3 buttons")
        elif template == "generic":
            elements = payload.get("elements") or []
            if not 1 <= len(elements) <= 10 or not all(e.get("title") for e in elements):
                raise GraphError("(#100) a generic template needs 1 to 10 elements with titles")
        else:
            raise GraphError(f"(#100) unknown template_type {template!r}")

    async def _profile(self, request: Request) -> Response:
        return await self._graph(request, self._profile_op)

    async def _profile_op(self, request: Request, body: dict) -> dict:
        if request.method == "GET":
            fields = (request.query_params.get("fields") or ",".join(PROFILE_FIELDS)).split(",")
            return {"data": [{k: v for k, v in self.profile.items() if k in fields}]}
        if request.method == "DELETE":
            for name in body.get("fields", []):
                self.profile.pop(name, None)
            return {"result": "success"}
        unknown = set(body) - PROFILE_FIELDS
        if unknown or not body:
            raise GraphError(f"(#100) unknown or missing profile fields: {sorted(unknown)}")
        if "persistent_menu" in body and "get_started" not in {**self.profile, **body}:
            raise GraphError("(#100) a persistent menu requires a get_started button", 100,
                             2018145)
        for greeting in body.get("greeting", []):
            if len(greeting.get("text", "")) > 160:
                raise GraphError("(#100) greeting text is at most 160 characters")
        self.profile.update(body)
        return {"result": "success"}

    async def _handover(self, request: Request) -> Response:
        return await self._graph(request, self._handover_op)

    async def _handover_op(self, request: Request, body: dict) -> dict:
        action = request.path_params["action"]
        psid = (body.get("recipient") or {}).get("id")
        if not psid:
            raise GraphError("(#100) param recipient[id] is required")
        if action == "pass":
            if not body.get("target_app_id"):
                raise GraphError("(#100) param target_app_id is required")
            self.thread_owner[psid] = str(body["target_app_id"])
        elif action == "take":
            self.thread_owner[psid] = self.app_id
        elif action not in ("request", "release"):
            raise GraphError(f"(#100) unknown action {action}_thread_control")
        return {"success": True}

    async def _comments(self, request: Request) -> Response:
        return await self._graph(request, self._comment)

    async def _comment(self, request: Request, body: dict) -> dict:
        if not (body.get("message") or body.get("attachment_url")):
            raise GraphError("(#100) a comment needs a message or an attachment_url")
        return {"id": f"{request.path_params['object_id']}_r{self.run}{next(self._ids)}"}

    async def _delete(self, request: Request) -> Response:
        return await self._graph(request, self._delete_op)

    async def _delete_op(self, request: Request, body: dict) -> dict:
        object_id = request.path_params["object_id"]
        if "_r" not in object_id:   # only our own comment replies can be deleted here
            raise GraphError(f"(#100) cannot delete object {object_id}")
        return {"success": True}

    # -- playing the customer ------------------------------------------------------------------
    def _event(self, psid: str, content: dict, echo: bool = False) -> dict:
        now = int(clock.now().timestamp() * 1000)   # the customer writes at crowdcare's time
        people = ({"id": self.page_id}, {"id": psid})
        sender, recipient = people if echo else people[::-1]
        return {"object": "page", "entry": [{"id": self.page_id, "time": now, "messaging": [
            {"sender": sender, "recipient": recipient, "timestamp": now, **content}]}]}

    def build(self, kind: str, data: dict) -> dict:
        """The webhook body a customer action produces (also used directly by tests)."""
        psid = str(data.get("psid", "psid-1"))
        n = f"{self.run}{next(self._ids):06d}"
        ref = {k: v for k, v in (("ref", data.get("ref")), ("source", data.get("source")),
                                 ("ad_id", data.get("ad_id")),
                                 ("ads_context_data", data.get("ads_context_data"))) if v}
        if ref:
            ref.setdefault("source", "SHORTLINK")
            ref["type"] = "OPEN_THREAD"
        if kind == "message":
            message: dict[str, Any] = {"mid": data.get("mid") or f"m_cust{n}",
                                       "text": data.get("text", "")}
            if data.get("quick_reply"):
                message["quick_reply"] = {"payload": data["quick_reply"]}
            if data.get("reply_to"):
                message["reply_to"] = {"mid": data["reply_to"]}
            if data.get("attachments"):
                message["attachments"] = data["attachments"]
            return self._event(psid, {"message": message})
        if kind == "postback":
            postback: dict[str, Any] = {"mid": data.get("mid") or f"m_pb{n}",
                                        "title": data.get("title", "Get Started"),
                                        "payload": data.get("payload", "GET_STARTED")}
            if ref:
                postback["referral"] = ref
            return self._event(psid, {"postback": postback})
        if kind == "referral":
            return self._event(psid, {"referral": ref or {"source": "SHORTLINK",
                                                          "type": "OPEN_THREAD"}})
        if kind in ("delivery", "read"):
            watermark = int(data.get("watermark") or time.time() * 1000)
            content = {"watermark": watermark}
            if kind == "delivery" and data.get("mids"):
                content["mids"] = data["mids"]
            return self._event(psid, {kind: content})
        if kind == "optin":
            return self._event(psid, {"optin": {
                "type": "notification_messages", "payload": data.get("payload", "offers"),
                "title": data.get("title", "Offers"),
                "notification_messages_token": data.get("token", f"tok-{n}"),
                "notification_messages_frequency": "DAILY",
                "token_expiry_timestamp": data.get("expires", int(time.time() * 1000) + 86400000),
                **({"notification_messages_status": data["status"]} if data.get("status") else {}),
            }})
        if kind == "echo":
            return self._event(psid, {"message": {
                "is_echo": True, "mid": data.get("mid") or f"m_echo{n}",
                "app_id": int(data.get("app_id", self.app_id)), "text": data.get("text", ""),
                **({"metadata": data["metadata"]} if data.get("metadata") else {})}}, echo=True)
        if kind == "comment":
            post = data.get("post_id", f"{self.page_id}_1")
            return {"object": "page", "entry": [{"id": self.page_id, "time": int(time.time()),
                    "changes": [{"field": "feed", "value": {
                        "item": "comment", "verb": "add", "post_id": post,
                        "comment_id": data.get("comment_id") or f"{post.split('_')[-1]}_c{n}",
                        "parent_id": data.get("parent_id", post),
                        "from": {"id": psid, "name": data.get("name", "A customer")},
                        "message": data.get("text", ""), "created_time": int(clock.now().timestamp())}}]}]}
        raise ValueError(f"unknown customer action {kind!r}")

    async def _post_webhook(self, payload: dict) -> tuple[int, Any]:
        if not self.webhook_url:
            raise ValueError("no webhook_url configured: POST /_fake/configure first")
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json",
                   "X-Hub-Signature-256": sign(self.app_secret, body)}
        async with httpx.AsyncClient(timeout=10) as http:
            resp = await http.post(self.webhook_url, content=body, headers=headers)
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.text

    async def _customer(self, request: Request) -> Response:
        data = await request.json() if await request.body() else {}
        try:
            payload = self.build(request.path_params["kind"], data)
            status, answer = await self._post_webhook(payload)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        except httpx.HTTPError as exc:
            return JSONResponse({"error": f"crowdcare unreachable: {exc!r}"}, status_code=502)
        return JSONResponse({"webhook_status": status, "answer": answer, "payload": payload})


def serve(port: int = 8900, host: str = "127.0.0.1", **options: Any) -> None:
    import uvicorn

    fake = FakeGraph(**{k: v for k, v in options.items() if v is not None})
    uvicorn.run(fake.app, host=host, port=port, log_level="warning")
