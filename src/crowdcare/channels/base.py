"""The adapter contract. A channel is a folder under channels/ whose __init__ exposes `adapter`.

An adapter only translates: verify a request, answer a handshake, parse a payload into
ChannelEvents, send an OutboundMessage. No database work and no triage happen here.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from crowdcare.domain import AccountRef, ChannelEvent, OutboundMessage, SendResult


class Rejected(Exception):
    """The request is refused with an HTTP status and a reason the caller can read."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Handshake:
    """A plain answer to a platform's GET handshake (e.g. hub.challenge, CRC)."""

    status: int
    body: str | bytes
    media_type: str = "text/plain"


@dataclass(frozen=True)
class SendPolicy:
    """What the platform allows; read by the outbound policy gate, never by the adapter."""

    window_hours: float | None = None          # standard messaging window (None: no window)
    human_agent_hours: float | None = None     # extended window for human agents (HUMAN_AGENT tag)
    public_replies: bool = False               # can answer a public post in public
    marketing_needs_optin: bool = False        # marketing only to an opt-in token


class ChannelAdapter(ABC):
    kind: ClassVar[str]                        # URL segment and stored kind, e.g. "messenger"
    title: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]    # the account's settings; secrets included
    secret_fields: ClassVar[tuple[str, ...]] = ()   # never shown back after they are set
    policy: ClassVar[SendPolicy] = SendPolicy()
    quick_replies: ClassVar[bool] = False      # renders OutboundMessage.quick_replies as choices

    def renders_quick_replies(self, config: BaseModel, public: bool = False) -> bool:
        """Whether this account shows quick replies as choices, in public or in private
        (default: the channel's `quick_replies`; X: in DMs, with OAuth 1.0a credentials)."""
        return self.quick_replies

    def external_account_id(self, config: BaseModel) -> str | None:
        """The platform's id for the account (page id...), to route shared webhooks."""
        return None

    def handshake(self, account: AccountRef, query: Mapping[str, str]) -> Handshake:
        """GET on the webhook URL. Default: no handshake for this channel."""
        raise Rejected(405, f"{self.kind} webhooks take POST only")

    @abstractmethod
    def verify(self, account: AccountRef, headers: Mapping[str, str], body: bytes) -> None:
        """Raise Rejected(401...) unless the request really comes from the platform."""

    def validate(self, account: AccountRef, payload: Any) -> None:  # noqa: B027 - optional hook
        """Cheap shape check before the delivery is stored; raise Rejected(4xx) on bad input."""

    @abstractmethod
    def parse(self, account: AccountRef, payload: Any) -> list[ChannelEvent]:
        """Turn one stored delivery into events, in the order the platform sent them."""

    @abstractmethod
    async def send(
        self, account: AccountRef, message: OutboundMessage, http: httpx.AsyncClient
    ) -> SendResult:
        """Deliver one message. Never raises for platform errors: say so in the SendResult."""

    # -- optional hooks: a channel that supports one overrides it -----------------------------
    def cannot_send(self, config: BaseModel) -> str | None:
        """Why this account cannot deliver anything at all (a missing setting), else None:
        shown above the composer, and a reply is refused rather than queued to fail."""
        return None

    def entry_link(self, account: AccountRef, ref: str) -> str | None:
        """A link that opens a conversation carrying `ref` (campaigns, QR codes), if any."""
        return None

    def receipt(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """The platform's receipt template for an order (serialize.order + recipient_name)."""
        return None

    async def thread_control(self, account: AccountRef, psid: str, action: str,
                             target_app_id: str | None, http: httpx.AsyncClient,
                             metadata: str | None = None) -> SendResult:
        """Handover protocol: pass | take | request thread control. On success the result's
        external_id is the thread's owner app id afterwards (None: unchanged)."""
        return SendResult(ok=False, error=f"{self.kind} has no handover protocol")

    async def delete(self, account: AccountRef, external_id: str,
                     http: httpx.AsyncClient) -> SendResult:
        """Delete a public reply we posted (a retracted community answer)."""
        return SendResult(ok=False, error=f"{self.kind} has no delete call: remove the reply "
                                          "on the platform by hand")

    async def push_profile(self, account: AccountRef, http: httpx.AsyncClient) -> SendResult:
        """Push the account's profile settings (greeting, Get Started, menu) to the platform."""
        return SendResult(ok=False, error=f"{self.kind} has no profile to push")
