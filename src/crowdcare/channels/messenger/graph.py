"""The Graph API calls crowdcare makes, and what their errors mean.

Request bodies are built here from OutboundMessages; errors are sorted into retryable (5xx,
timeouts, rate limits, transient) and permanent, with a reason an agent can read.
"""
from __future__ import annotations

from typing import Any

import httpx

from crowdcare.domain import OutboundMessage, SendResult
from crowdcare.outbound import network

RATE_LIMIT_CODES = {4, 17, 32, 613, 80006}      # app, user, page, custom, messenger rate limits
TRANSIENT_CODES = {1, 2}                         # unknown / service temporarily unavailable
PERMANENT = {
    (551, None): "the customer is not available (blocked the page or deactivated the account)",
    (10, 2018278): "outside the allowed messaging window: Messenger refused the message",
    (10, 2018065): "this message tag is not allowed here",
    (190, None): "the page token is invalid or expired: reconnect the page",
    (200, None): "the app lacks the permission to send for this page",
    (100, 2018001): "no such customer for this page (the PSID does not match)",
    (100, 2018109): "the attachment could not be fetched from its URL",
    (100, None): "Messenger refused the request as invalid",
    (2018108, None): "the customer cannot receive this message (thread owned by another app?)",
}
ATTACHMENT_TYPES = {"image", "video", "audio", "file"}


def explain(status: int, data: Any) -> SendResult:
    """A non-2xx Graph answer → SendResult with retryable and a readable reason."""
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        retryable = status >= 500 or status == 429
        return SendResult(ok=False, retryable=retryable,
                          error=f"Graph API answered HTTP {status} without an error object")
    code, sub = err.get("code"), err.get("error_subcode")
    message = err.get("message") or "no message"
    detail = f"Graph error {code}" + (f"/{sub}" if sub else "") + f": {message}"
    if code in RATE_LIMIT_CODES:
        return SendResult(ok=False, retryable=True, error=f"rate limited ({detail})")
    if code in TRANSIENT_CODES or err.get("is_transient") or status >= 500:
        return SendResult(ok=False, retryable=True, error=f"Graph API unavailable ({detail})")
    reason = PERMANENT.get((code, sub)) or PERMANENT.get((code, None)) or "the message was refused"
    return SendResult(ok=False, retryable=False, error=f"{reason} ({detail})")


def quick_replies(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for q in items[:13]:
        kind = q.get("content_type", "text")
        if kind == "text":
            item = {"content_type": "text", "title": str(q.get("title", ""))[:20],
                    "payload": str(q.get("payload") or q.get("title", ""))}
            if q.get("image_url"):
                item["image_url"] = q["image_url"]
        else:
            item = {"content_type": kind}
        out.append(item)
    return out


def buttons(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for b in items[:3]:
        if b.get("url"):
            out.append({"type": "web_url", "url": b["url"], "title": b.get("title", "Open")[:20]})
        elif b.get("type") == "phone_number":
            out.append({"type": "phone_number", "title": b["title"][:20],
                        "payload": b["payload"]})
        else:
            out.append({"type": "postback", "title": str(b.get("title", ""))[:20],
                        "payload": str(b.get("payload") or b.get("title", ""))})
    return out


def message_bodies(message: OutboundMessage) -> list[dict[str, Any]]:
    """The `message` objects to send, in order: Messenger takes one attachment per message, so
    text plus two images is three requests (all carrying our id as metadata)."""
    meta = str(message.message_id)
    bodies: list[dict[str, Any]] = []
    if message.template is not None:
        bodies.append({"attachment": {"type": "template", "payload": message.template}})
    elif message.buttons:
        bodies.append({"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": (message.text or "")[:640],
            "buttons": buttons(message.buttons)}}})
    elif message.text:
        bodies.append({"text": message.text[:2000]})
    for att in message.attachments:
        kind = att.get("type") if att.get("type") in ATTACHMENT_TYPES else "file"
        if att.get("url"):
            bodies.append({"attachment": {"type": kind, "payload": {
                "url": att["url"], "is_reusable": True}}})
    if message.quick_replies and bodies:
        bodies[-1]["quick_replies"] = quick_replies(message.quick_replies)
    for body in bodies:
        body["metadata"] = meta
    return bodies


def recipient(message: OutboundMessage) -> dict[str, Any]:
    if message.optin_token:
        return {"notification_messages_token": message.optin_token}
    if message.metadata.get("private_reply") and message.reply_to:
        return {"comment_id": message.reply_to}
    return {"id": message.recipient.external_id}


def send_request(message: OutboundMessage, body: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"recipient": recipient(message), "message": body}
    if not message.optin_token:
        request["messaging_type"] = message.messaging_type or "RESPONSE"
        if request["messaging_type"] == "MESSAGE_TAG":
            request["tag"] = message.tag or "HUMAN_AGENT"
    return request


async def call(http: httpx.AsyncClient, method: str, url: str, token: str,
               json: dict[str, Any] | None = None, timeout: float = 10.0,
               ) -> tuple[SendResult, dict[str, Any]]:
    """One Graph request; never raises for platform or network errors."""
    try:
        # the token goes in a header, not the query string, so it never lands in a URL log
        resp = await http.request(method, url, json=json, timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"})
    except httpx.TimeoutException:
        return SendResult(ok=False, retryable=True,
                          error=f"Graph API timed out after {timeout:g}s"), {}
    except httpx.HTTPError as exc:   # refused: the operator's URL is not allowed, no retry
        return SendResult(ok=False, retryable=not isinstance(exc, network.Refused),
                          error=f"Graph API unreachable: {network.summary(exc)}"), {}
    try:
        data = resp.json()
    except ValueError:
        data = {}
    if resp.is_success:
        return SendResult(ok=True), data if isinstance(data, dict) else {}
    result = explain(resp.status_code, data)
    after = resp.headers.get("retry-after")
    if result.retryable and after and after.replace(".", "", 1).isdigit():
        result.retry_after = float(after)
    return result, data if isinstance(data, dict) else {}
