"""What channel adapters produce and consume.

An adapter turns a platform payload into a list of ChannelEvents and turns an OutboundMessage
into a platform request. It never touches the database: these types are the whole interface.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class AccountRef:
    """A connected channel account as an adapter sees it: ids plus its validated config."""

    id: int
    workspace_id: int
    kind: str
    config: BaseModel
    public_base_url: str = "http://127.0.0.1:8000"


@dataclass
class Sender:
    """The person on the other side, as the platform identifies them."""

    external_id: str
    name: str | None = None
    handle: str | None = None
    followers: int | None = None
    verified: bool = False
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class InboundMessage:
    """A message or public post from a customer (or a mention of the brand)."""

    external_id: str
    sender: Sender
    text: str
    sent_at: datetime
    kind: str = "message"              # message | postback | mention | comment | post | dm
    public: bool = False               # a public post: visible to everyone, never private data
    attachments: list[dict[str, Any]] = field(default_factory=list)
    reply_to: str | None = None        # external id of the message this one answers
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    standby: bool = False              # seen while another app owns the thread: record, never answer
    referral: Referral | None = None   # a postback/message that carries an entry-point referral
    # What the platform says about who it is for (triage reads these, pipeline/context.py):
    addressed: bool = False            # written to the brand: a DM, its page, its post, its @handle
    reply_to_brand: bool = False       # answers something the brand wrote (its tweet, its message)


@dataclass
class OutboundEcho:
    """A message the business sent, as the platform echoes it back (ours or from another tool)."""

    external_id: str
    recipient: Sender
    text: str
    sent_at: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)
    app_id: str | None = None
    metadata: str | None = None        # what we put in the send request's metadata, if ours


@dataclass
class StatusUpdate:
    """Delivery or read receipts for outbound messages."""

    recipient: Sender
    status: str                        # delivered | read
    external_ids: list[str] = field(default_factory=list)
    watermark: datetime | None = None  # every outbound message sent before this is covered


@dataclass
class Referral:
    """The customer arrived through an entry point: a link, a QR code, an ad."""

    sender: Sender
    ref: str | None
    source: str                        # SHORTLINK | ADS | QR | CUSTOMER_CHAT_PLUGIN | ...
    at: datetime
    ad_id: str | None = None
    ads_context: dict[str, Any] = field(default_factory=dict)
    new_thread: bool = False           # came with Get Started


@dataclass
class OptIn:
    """A customer's consent to receive a kind of message (e.g. a notification-messages token)."""

    sender: Sender
    at: datetime
    token: str | None = None
    topic: str | None = None
    status: str = "active"             # active | stopped
    expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ThreadControl:
    """Handover protocol: who owns the conversation thread now."""

    sender: Sender
    action: str                        # pass | take | request | roles
    at: datetime
    new_owner_app_id: str | None = None
    previous_owner_app_id: str | None = None
    metadata: str | None = None


@dataclass
class Unsupported:
    """A known-but-unsupported event: logged and acknowledged, never an error."""

    kind: str
    detail: str = ""


@dataclass
class Malformed:
    """One event of a batch that its channel's parser could not read: recorded on its delivery
    as rejected and acknowledged (the platform will not resend it), while the events beside it
    are processed."""

    where: str                         # e.g. "entry 0, messaging 2"
    reason: str


ChannelEvent = (
    InboundMessage | OutboundEcho | StatusUpdate | Referral | OptIn | ThreadControl | Unsupported
    | Malformed
)


@dataclass
class OutboundMessage:
    """What we want to send; the adapter renders it in the platform's format."""

    message_id: int                    # our messages.id: idempotency key and echo metadata
    recipient: Sender
    text: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    quick_replies: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[dict[str, Any]] = field(default_factory=list)
    template: dict[str, Any] | None = None   # e.g. {"template_type": "receipt", ...}
    messaging_type: str = "RESPONSE"         # RESPONSE | UPDATE | MESSAGE_TAG
    tag: str | None = None                   # HUMAN_AGENT, ...
    optin_token: str | None = None           # marketing: send to this token, never a bare id
    reply_to: str | None = None              # public reply to this post/comment
    public: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class SendResult:
    ok: bool
    external_id: str | None = None
    error: str | None = None           # readable reason, shown to agents
    retryable: bool = False            # 5xx, timeouts, rate limits: try again later
    retry_after: float | None = None   # seconds, when the platform says
