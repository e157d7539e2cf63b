from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field, field_validator, model_validator

from crowdcare.channels.base import ChannelAdapter, Handshake, Rejected, SendPolicy
from crowdcare.channels.messenger import graph
from crowdcare.channels.messenger.parse import parse
from crowdcare.domain import AccountRef, ChannelEvent, OutboundMessage, SendResult
from crowdcare.settings import get_settings

SIGNATURE_HEADER = "X-Hub-Signature-256"
PAGE_INBOX_APP_ID = "263902037430900"     # Facebook's Page Inbox, the usual secondary receiver
SENDER_ACTIONS = {"typing_on", "typing_off", "mark_seen"}


class IceBreaker(BaseModel):
    question: str = Field(min_length=1, max_length=80)
    payload: str = Field(min_length=1, max_length=1000)


class MenuItem(BaseModel):
    title: str = Field(min_length=1, max_length=30)
    payload: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_target(self) -> MenuItem:
        if bool(self.payload) == bool(self.url):
            raise ValueError("a menu item needs exactly one of payload or url")
        return self


class MessengerProfile(BaseModel):
    """The page's Messenger Profile: what a customer sees before writing."""

    get_started_payload: str | None = Field(None, max_length=1000)
    greeting: str | None = Field(None, max_length=160)
    ice_breakers: list[IceBreaker] = Field(default_factory=list, max_length=4)
    persistent_menu: list[MenuItem] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _menu_needs_get_started(self) -> MessengerProfile:
        if self.persistent_menu and not self.get_started_payload:
            raise ValueError("a persistent menu needs a Get Started button (get_started_payload)")
        return self

    def graph_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.get_started_payload:
            body["get_started"] = {"payload": self.get_started_payload}
        if self.greeting:
            body["greeting"] = [{"locale": "default", "text": self.greeting}]
        if self.ice_breakers:
            body["ice_breakers"] = [{"locale": "default", "call_to_actions": [
                {"question": i.question, "payload": i.payload} for i in self.ice_breakers]}]
        if self.persistent_menu:
            body["persistent_menu"] = [{
                "locale": "default", "composer_input_disabled": False,
                "call_to_actions": [
                    {"type": "web_url", "title": i.title, "url": i.url} if i.url else
                    {"type": "postback", "title": i.title, "payload": i.payload}
                    for i in self.persistent_menu]}]
        return body


class MessengerConfig(BaseModel):
    page_id: str = Field(min_length=1, max_length=30)
    page_token: str = Field(min_length=1, max_length=1000)
    app_secret: str = Field(min_length=1, max_length=200)
    verify_token: str = Field(min_length=1, max_length=200)
    app_id: str | None = Field(None, max_length=100, description="our app: handover owner")
    send_timeout: float = Field(10.0, gt=0, le=120)
    profile: MessengerProfile = Field(default_factory=MessengerProfile)

    @field_validator("page_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit() or not value.isascii():
            raise ValueError("a Facebook page id is digits only (Page settings → About → "
                             "Page ID, e.g. 104523987654321)")
        return value


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class MessengerAdapter(ChannelAdapter):
    kind: ClassVar[str] = "messenger"
    title: ClassVar[str] = "Facebook Messenger"
    config_model: ClassVar[type[BaseModel]] = MessengerConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token", "app_secret", "verify_token")
    policy: ClassVar[SendPolicy] = SendPolicy(window_hours=24, human_agent_hours=24 * 7,
                                              public_replies=True, marketing_needs_optin=True)
    quick_replies: ClassVar[bool] = True

    def external_account_id(self, config: BaseModel) -> str | None:
        return config.page_id

    # -- inbound ---------------------------------------------------------------------------
    def handshake(self, account: AccountRef, query: Mapping[str, str]) -> Handshake:
        token = query.get("hub.verify_token") or ""
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
                token.encode(), account.config.verify_token.encode()):
            return Handshake(403, "verification failed: wrong hub.mode or hub.verify_token")
        return Handshake(200, query.get("hub.challenge") or "")

    def verify(self, account: AccountRef, headers: Mapping[str, str], body: bytes) -> None:
        given = _header(headers, SIGNATURE_HEADER)
        if not given:
            raise Rejected(401, f"missing {SIGNATURE_HEADER} header")
        expected = signature(account.config.app_secret, body)
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise Rejected(401, f"invalid {SIGNATURE_HEADER}: the body was not signed with "
                                "this page's app secret")

    def validate(self, account: AccountRef, payload: Any) -> None:
        if not isinstance(payload, dict):
            raise Rejected(422, "a Messenger webhook body is a JSON object")
        if payload.get("object") != "page":
            raise Rejected(404, f"object {payload.get('object')!r} is not handled here "
                                "(only 'page')")
        if not isinstance(payload.get("entry"), list):
            raise Rejected(422, "entry: a list of entries is required")

    def parse(self, account: AccountRef, payload: Any) -> list[ChannelEvent]:
        return parse(payload, account.config.page_id)

    # -- outbound --------------------------------------------------------------------------
    def _url(self, account: AccountRef, path: str) -> str:
        # The operator's setting, not the page's: a page's config is a workspace admin's,
        # and the page token goes wherever this points.
        return f"{get_settings().messenger_graph_url.rstrip('/')}/{path.lstrip('/')}"

    async def _post(self, account: AccountRef, http: httpx.AsyncClient, path: str,
                    body: dict[str, Any]) -> tuple[SendResult, dict[str, Any]]:
        cfg: MessengerConfig = account.config
        return await graph.call(http, "POST", self._url(account, path), cfg.page_token, body,
                                cfg.send_timeout)

    async def send(self, account: AccountRef, message: OutboundMessage,
                   http: httpx.AsyncClient) -> SendResult:
        action = message.metadata.get("sender_action")
        if action:
            return await self.sender_action(account, message.recipient.external_id, action, http)
        if message.public and message.reply_to and not message.metadata.get("private_reply"):
            return await self._comment(account, message, http)
        bodies = graph.message_bodies(message)
        if not bodies:
            return SendResult(ok=False, error="nothing to send: no text, template or attachment")
        first: str | None = None
        for n, body in enumerate(bodies):
            result, data = await self._post(account, http, "me/messages",
                                            graph.send_request(message, body))
            if not result.ok:
                if n:   # earlier parts went out: a retry would send them twice
                    result.retryable = False
                    result.error = f"sent {n} of {len(bodies)} parts, then: {result.error}"
                return result
            first = first or data.get("message_id")
        return SendResult(ok=True, external_id=first)

    async def _comment(self, account: AccountRef, message: OutboundMessage,
                       http: httpx.AsyncClient) -> SendResult:
        body: dict[str, Any] = {"message": message.text or ""}
        urls = [a["url"] for a in message.attachments if a.get("url")]
        if urls:
            body["attachment_url"] = urls[0]
        result, data = await self._post(account, http, f"{message.reply_to}/comments", body)
        if result.ok:
            result.external_id = data.get("id")
        return result

    async def delete(self, account: AccountRef, external_id: str,
                     http: httpx.AsyncClient) -> SendResult:
        """DELETE /{comment-id}: a retracted public comment reply."""
        cfg: MessengerConfig = account.config
        result, _ = await graph.call(http, "DELETE", self._url(account, external_id),
                                     cfg.page_token, None, cfg.send_timeout)
        return result

    async def sender_action(self, account: AccountRef, psid: str, action: str,
                            http: httpx.AsyncClient) -> SendResult:
        if action not in SENDER_ACTIONS:
            return SendResult(ok=False, error=f"unknown sender action {action!r}")
        result, _ = await self._post(account, http, "me/messages",
                                     {"recipient": {"id": psid}, "sender_action": action})
        return result

    # -- optional hooks (channels/base.py) -------------------------------------------------
    def entry_link(self, account: AccountRef, ref: str) -> str | None:
        return f"https://m.me/{account.config.page_id}?ref={ref}"

    def receipt(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """The receipt template for an order (serialize.order plus recipient_name)."""
        address = order.get("address") or {}
        template: dict[str, Any] = {
            "template_type": "receipt",
            "recipient_name": order.get("recipient_name") or "Customer",
            "order_number": order["number"],
            "currency": order.get("currency") or "USD",
            "payment_method": order.get("payment_method") or "Not specified",
            "summary": {"subtotal": order["subtotal"], "shipping_cost": order["shipping_cost"],
                        "total_tax": order["tax"], "total_cost": order["total"]},
            "elements": [
                {"title": i["title"][:80], "subtitle": i.get("sku") or "",
                 "quantity": i["quantity"], "price": round(i["unit_price"] * i["quantity"], 2),
                 "currency": order.get("currency") or "USD",
                 **({"image_url": i["image_url"]} if i.get("image_url") else {})}
                for i in order["items"][:100]],
        }
        if order.get("created_at"):
            from datetime import datetime

            template["timestamp"] = str(int(datetime.fromisoformat(
                order["created_at"]).timestamp()))
        if address:
            template["address"] = {
                "street_1": address.get("street_1", ""), "street_2": address.get("street_2") or "",
                "city": address.get("city", ""), "postal_code": address.get("postal_code", ""),
                "state": address.get("state") or "", "country": address.get("country", "")}
        return template

    async def thread_control(self, account: AccountRef, psid: str, action: str,
                             target_app_id: str | None, http: httpx.AsyncClient,
                             metadata: str | None = None) -> SendResult:
        body: dict[str, Any] = {"recipient": {"id": psid}}
        if metadata:
            body["metadata"] = metadata
        if action == "pass":
            body["target_app_id"] = target_app_id or PAGE_INBOX_APP_ID
        elif action not in ("take", "request", "release"):
            return SendResult(ok=False, error=f"unknown handover action {action!r}")
        path = {"pass": "pass_thread_control", "take": "take_thread_control",
                "request": "request_thread_control",
                "release": "release_thread_control"}[action]
        result, _ = await self._post(account, http, f"me/{path}", body)
        if result.ok:
            result.external_id = {"pass": body.get("target_app_id"),
                                  "take": account.config.app_id}.get(action)
        return result

    async def push_profile(self, account: AccountRef, http: httpx.AsyncClient) -> SendResult:
        body = account.config.profile.graph_body()
        if not body:
            return SendResult(ok=False, error="the Messenger profile is empty: set a greeting, "
                                              "Get Started, ice breakers or a menu first")
        result, _ = await self._post(account, http, "me/messenger_profile", body)
        return result
