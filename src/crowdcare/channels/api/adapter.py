from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, ClassVar

import httpx
import orjson
from pydantic import BaseModel, Field, HttpUrl, ValidationError, field_validator

from crowdcare.channels.base import ChannelAdapter, Rejected
from crowdcare.channels.checked import utc
from crowdcare.domain import (
    AccountRef,
    ChannelEvent,
    InboundMessage,
    OutboundMessage,
    Sender,
    SendResult,
)
from crowdcare.outbound import network

SIGNATURE_HEADER = "X-Crowdcare-Signature"
EXTERNAL_ID = re.compile(r"[\w.:@-]{1,100}")
TIMESTAMP_HEADER = "X-Crowdcare-Timestamp"


class ApiConfig(BaseModel):
    inbound_token: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)
    callback_url: HttpUrl | None = None
    callback_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)


class ApiCustomer(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class ApiMessage(BaseModel):
    id: str = Field(min_length=1, max_length=255, description="unique per account: redelivery-safe")
    customer: ApiCustomer
    text: str = Field(default="", max_length=20000)
    timestamp: datetime | None = None
    attachments: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    reply_to: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A timestamp without a zone is taken as UTC (and compares with stored times); one
        with no UTC form is refused (checked.utc)."""
        return utc(value)


class ApiBatch(BaseModel):
    messages: list[ApiMessage] = Field(min_length=1, max_length=500)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Callback signature: HMAC-SHA256 over "<timestamp>.<body>" so a replayed body is detectable."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _batch(payload: Any) -> ApiBatch:
    """The body as messages, or Rejected(422) naming the first field at fault: an API caller
    can fix and resend a batch, so one bad message refuses it all at the door."""
    if isinstance(payload, dict) and "messages" not in payload:
        payload = {"messages": [payload]}
    try:
        return ApiBatch.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Rejected(422, f"{where}: {first['msg']}") from None


class ApiChannelAdapter(ChannelAdapter):
    kind: ClassVar[str] = "api"
    title: ClassVar[str] = "API channel"
    config_model: ClassVar[type[BaseModel]] = ApiConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("inbound_token", "callback_secret")
    quick_replies: ClassVar[bool] = True       # passed on in the callback for the client to show

    def verify(self, account: AccountRef, headers: Mapping[str, str], body: bytes) -> None:
        auth = headers.get("authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Rejected(401, "missing bearer token: send 'Authorization: Bearer <inbound_token>'")
        if not hmac.compare_digest(token.encode(), account.config.inbound_token.encode()):
            raise Rejected(401, "invalid bearer token for this account")

    def parse(self, account: AccountRef, payload: Any) -> list[ChannelEvent]:
        now = datetime.now(UTC)
        return [
            InboundMessage(
                external_id=m.id,
                sender=Sender(
                    external_id=m.customer.id,
                    name=m.customer.name,
                    profile={k: v for k, v in (("email", m.customer.email),
                                               ("phone", m.customer.phone)) if v},
                ),
                text=m.text,
                sent_at=m.timestamp or now,
                attachments=m.attachments,
                reply_to=m.reply_to,
                metadata=m.metadata,
                addressed=True,   # sent to the brand through its own integration
            )
            for m in _batch(payload).messages
        ]

    def cannot_send(self, config: BaseModel) -> str | None:
        if config.callback_url is None:
            return ("this API channel has no callback URL, so replies cannot reach the "
                    "customer: an admin sets it in Admin → Channels")
        return None

    async def send(self, account: AccountRef, message: OutboundMessage,
                   http: httpx.AsyncClient) -> SendResult:
        config: ApiConfig = account.config
        if config.callback_url is None:
            return SendResult(ok=False, error="this API channel has no callback_url configured")
        body = orjson.dumps({
            "id": str(message.message_id),
            "recipient": {"id": message.recipient.external_id},
            "text": message.text,
            "attachments": message.attachments,
            "quick_replies": message.quick_replies,
            "reply_to": message.reply_to,
            "metadata": message.metadata,
        })
        ts = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(config.callback_secret, ts, body),
        }
        try:
            resp = await http.post(str(config.callback_url), content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(ok=False, retryable=not isinstance(exc, network.Refused),
                              error=f"callback {network.summary(exc)}")
        if resp.is_success:
            return SendResult(ok=True, external_id=_their_id(resp) or f"out-{message.message_id}")
        retryable = resp.status_code >= 500 or resp.status_code in (408, 425, 429)
        retry_after = resp.headers.get("retry-after")
        # The status and its class only: the body is whatever answered at that URL, and
        # agents read this error (an internal service's page would be shown to them).
        return SendResult(
            ok=False, retryable=retryable,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
            error=f"callback answered HTTP {resp.status_code} ({_status_class(resp)})",
        )


def _their_id(resp: httpx.Response) -> str | None:
    """The id the integration gave our message, if it is one: a short token, not a document."""
    try:
        data = resp.json()
    except ValueError:
        return None
    found = data.get("id") if isinstance(data, dict) else None
    if isinstance(found, int) and not isinstance(found, bool):
        found = str(found)
    if isinstance(found, str) and EXTERNAL_ID.fullmatch(found):
        return found
    return None


def _status_class(resp: httpx.Response) -> str:
    """The standard name of the status, not the reason phrase the other side chose."""
    try:
        return HTTPStatus(resp.status_code).phrase.lower()
    except ValueError:
        return "server error" if resp.status_code >= 500 else "refused"
