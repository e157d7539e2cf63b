"""The X adapter: CRC handshake, webhook signatures, Account Activity events → InboundMessages,
and sends through the X API v2 (a public reply, or a direct message). A direct message with
quick replies (a survey's scores, the bot's choices) goes through v1.1
`direct_messages/events/new` instead, the one DM endpoint with quick reply options, signed with
OAuth 1.0a (oauthlib): only for an account that has the consumer key and the access token's
secret; without them the adapter says it renders no quick replies (`renders_quick_replies`).
The customer's tap comes back in the Account Activity DM as
`message_data.quick_reply_response.metadata`: the payload."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx
from oauthlib.oauth1 import Client as OAuth1
from pydantic import BaseModel, Field

from crowdcare.channels.base import ChannelAdapter, Handshake, Rejected, SendPolicy
from crowdcare.channels.checked import each
from crowdcare.domain import (
    AccountRef,
    ChannelEvent,
    InboundMessage,
    OutboundEcho,
    OutboundMessage,
    Sender,
    SendResult,
    Unsupported,
)
from crowdcare.outbound import network
from crowdcare.settings import get_settings

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
TWEET_LIMIT = 280
QUICK_REPLY_OPTIONS, QUICK_REPLY_LABEL = 20, 36   # X's limits on options and their labels
DM_EVENTS_NEW = "/1.1/direct_messages/events/new.json"
# Account Activity keys we acknowledge without acting on them
IGNORED = ("favorite_events", "follow_events", "unfollow_events", "block_events",
           "unblock_events", "mute_events", "unmute_events", "tweet_delete_events",
           "user_event", "direct_message_indicate_typing_events",
           "direct_message_mark_read_events")


class XConfig(BaseModel):
    consumer_secret: str = Field(min_length=8, description="the app's API secret: CRC and "
                                                          "webhook signatures")
    access_token: str = Field(min_length=8, description="user-context token that posts as the "
                                                       "brand")
    user_id: str = Field(pattern=r"^\d{1,25}$", description="the brand account's numeric id")
    handle: str = Field(min_length=1, max_length=50, description="the brand's @handle")
    # OAuth 1.0a (v1.1 direct_messages/events/new: DMs with quick replies); optional
    consumer_key: str | None = Field(None, min_length=8, description="the app's API key: "
                                     "with access_token_secret, DMs get quick replies")
    access_token_secret: str | None = Field(None, min_length=8, description="the access "
                                            "token's OAuth 1.0a secret")


def _unreachable(exc: httpx.HTTPError) -> SendResult:
    """Refused (the operator's URL is not an allowed address) is not retried."""
    return SendResult(ok=False, retryable=not isinstance(exc, network.Refused),
                      error=f"X API unreachable: {network.summary(exc)}")


def _base() -> str:
    """The operator's setting (a fake in tests), never an account's: the token goes there."""
    return get_settings().x_api_url.rstrip("/")


def signature(secret: str, data: bytes) -> str:
    """"sha256=" + base64(HMAC-SHA256(secret, data)): both the CRC answer and the header."""
    mac = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode("ascii")


def _when(tweet: Mapping[str, Any]) -> datetime:
    ms = tweet.get("timestamp_ms") or tweet.get("created_timestamp")
    if ms and str(ms).isdigit():
        return datetime.fromtimestamp(int(ms) / 1000, UTC)
    created = tweet.get("created_at")
    if created:
        try:
            return parsedate_to_datetime(created).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def _user(u: Mapping[str, Any]) -> Sender:
    handle = u.get("screen_name") or u.get("username")
    return Sender(
        external_id=str(u.get("id_str") or u.get("id")), name=u.get("name"),
        handle=handle, followers=u.get("followers_count"),
        verified=bool(u.get("verified") or u.get("is_blue_verified")),
        profile={k: u[k] for k in ("profile_image_url_https", "description", "location")
                 if u.get(k)},
    )


def _text(tweet: Mapping[str, Any]) -> str:
    ext = tweet.get("extended_tweet") or {}
    return ext.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""


class XAdapter(ChannelAdapter):
    kind: ClassVar[str] = "x"
    title: ClassVar[str] = "X (Twitter)"
    config_model: ClassVar[type[BaseModel]] = XConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("consumer_secret", "access_token",
                                                "access_token_secret")
    quick_replies: ClassVar[bool] = True       # in DMs, with OAuth 1.0a credentials
    # Public replies have no window; direct messages have none on X either.
    policy: ClassVar[SendPolicy] = SendPolicy(window_hours=None, public_replies=True)

    def external_account_id(self, config: BaseModel) -> str | None:
        return config.user_id

    def renders_quick_replies(self, config: BaseModel, public: bool = False) -> bool:
        return not public and bool(config.consumer_key and config.access_token_secret)

    # -- in ------------------------------------------------------------------------------

    def handshake(self, account: AccountRef, query: Mapping[str, str]) -> Handshake:
        token = query.get("crc_token")
        if not token:
            raise Rejected(400, "missing crc_token: X sends GET ?crc_token=... to check the URL")
        body = json.dumps({"response_token": signature(account.config.consumer_secret,
                                                        token.encode())})
        return Handshake(200, body, "application/json")

    def verify(self, account: AccountRef, headers: Mapping[str, str], body: bytes) -> None:
        got = headers.get(SIGNATURE_HEADER) or ""
        if not got:
            raise Rejected(401, f"missing {SIGNATURE_HEADER} header")
        want = signature(account.config.consumer_secret, body)
        if not hmac.compare_digest(got.encode(), want.encode()):
            raise Rejected(401, f"{SIGNATURE_HEADER} does not match this body and consumer "
                                "secret")

    def validate(self, account: AccountRef, payload: Any) -> None:
        if not isinstance(payload, dict):
            raise Rejected(422, "an Account Activity body is a JSON object")
        for_user = payload.get("for_user_id")
        if for_user is not None and str(for_user) != account.config.user_id:
            raise Rejected(422, f"for_user_id {for_user} is not this account's user "
                                f"({account.config.user_id})")
        for key in ("tweet_create_events", "direct_message_events"):
            if key in payload and not isinstance(payload[key], list):
                raise Rejected(422, f"{key} must be a list")

    def parse(self, account: AccountRef, payload: Any) -> list[ChannelEvent]:
        cfg: XConfig = account.config
        # each event on its own (channels/checked.py): an unreadable one is Malformed
        events = each(payload.get("tweet_create_events"), lambda t: self._tweet(cfg, t),
                      "tweet_create_events")
        users = payload.get("users") or {}
        events += each(payload.get("direct_message_events"), lambda d: self._dm(cfg, d, users),
                       "direct_message_events")
        for key in payload:
            if key in IGNORED:
                events.append(Unsupported(key, f"{len(payload[key]) if isinstance(payload[key], list) else 1} event(s)"))
            elif key not in ("for_user_id", "tweet_create_events", "direct_message_events",
                             "users", "apps", "is_blocked_by"):
                events.append(Unsupported(key, "unknown Account Activity key"))
        return events

    def _mentions_us(self, cfg: XConfig, tweet: Mapping[str, Any], text: str) -> bool:
        if str(tweet.get("in_reply_to_user_id_str") or "") == cfg.user_id:
            return True
        for m in ((tweet.get("entities") or {}).get("user_mentions") or []):
            if str(m.get("id_str") or m.get("id")) == cfg.user_id:
                return True
        return f"@{cfg.handle.lstrip('@').lower()}" in text.lower()

    def _tweet(self, cfg: XConfig, tweet: Mapping[str, Any]) -> ChannelEvent:
        user = tweet.get("user") or {}
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        if not tweet_id or not user:
            return Unsupported("tweet_create_events", "tweet without id or user")
        if str(user.get("id_str") or user.get("id")) == cfg.user_id:
            return Unsupported("tweet_create_events.own", f"our own tweet {tweet_id}")
        if tweet.get("retweeted_status"):
            return Unsupported("tweet_create_events.retweet", f"retweet {tweet_id}")
        text = _text(tweet)
        if not self._mentions_us(cfg, tweet, text):
            return Unsupported("tweet_create_events.not_for_us", f"tweet {tweet_id}")
        sender = _user(user)
        reply_to = tweet.get("in_reply_to_status_id_str")
        return InboundMessage(
            external_id=tweet_id, sender=sender, text=text, sent_at=_when(tweet),
            kind="reply" if reply_to else "mention", public=True,
            reply_to=str(reply_to) if reply_to else None,
            url=f"https://x.com/{sender.handle or 'i'}/status/{tweet_id}",
            attachments=[{"type": m.get("type", "photo"), "url": m.get("media_url_https")}
                         for m in ((tweet.get("extended_entities") or {}).get("media") or [])
                         if m.get("media_url_https")],
            metadata={"platform": "x", "lang": tweet.get("lang"),
                      "quote": bool(tweet.get("is_quote_status"))},
            addressed=True,   # only tweets that mention or answer us get here
            reply_to_brand=str(tweet.get("in_reply_to_user_id_str") or "") == cfg.user_id,
        )

    def _dm(self, cfg: XConfig, dm: Mapping[str, Any], users: Mapping[str, Any]) -> ChannelEvent:
        if dm.get("type") != "message_create":
            return Unsupported(f"direct_message_events.{dm.get('type')}", "")
        mc = dm.get("message_create") or {}
        sender_id = str(mc.get("sender_id") or "")
        dm_id = str(dm.get("id") or "")
        if not sender_id or not dm_id:
            return Unsupported("direct_message_events", "message without id or sender")
        data = mc.get("message_data") or {}
        att = (data.get("attachment") or {}).get("media") or {}
        attachments = ([{"type": att.get("type", "photo"), "url": att.get("media_url_https")}]
                       if att.get("media_url_https") else [])
        if sender_id == cfg.user_id:
            # The brand wrote: through us (already stored, matched by id) or from another
            # tool or X itself, which belongs in the customer's thread too.
            recipient_id = str((mc.get("target") or {}).get("recipient_id") or "")
            if not recipient_id:
                return Unsupported("direct_message_events.own", f"{dm_id} without recipient")
            return OutboundEcho(
                external_id=dm_id, recipient=_user(users.get(recipient_id) or {"id": recipient_id}),
                text=data.get("text") or "", sent_at=_when(dm), attachments=attachments,
                app_id=str(mc["source_app_id"]) if mc.get("source_app_id") else None)
        u = users.get(sender_id) or {"id": sender_id}
        metadata: dict[str, Any] = {"platform": "x"}
        tapped = data.get("quick_reply_response") or {}
        if tapped.get("type") == "options" and tapped.get("metadata"):
            metadata["quick_reply_payload"] = str(tapped["metadata"])   # a quick reply's tap
        return InboundMessage(
            external_id=dm_id, sender=_user(u), text=data.get("text") or "", sent_at=_when(dm),
            kind="dm", public=False, attachments=attachments, metadata=metadata,
            addressed=True,
        )

    # -- out -----------------------------------------------------------------------------

    async def delete(self, account: AccountRef, external_id: str,
                     http: httpx.AsyncClient) -> SendResult:
        """DELETE /2/tweets/:id (a retracted public reply)."""
        cfg: XConfig = account.config
        try:
            resp = await http.delete(f"{_base()}/2/tweets/{external_id}",
                                     headers={"authorization": f"Bearer {cfg.access_token}"})
        except httpx.HTTPError as exc:
            return _unreachable(exc)
        return self._result(resp, lambda d: external_id if d.get("deleted") else None)

    async def send(self, account: AccountRef, message: OutboundMessage,
                   http: httpx.AsyncClient) -> SendResult:
        cfg: XConfig = account.config
        text = message.text or ""
        if not text.strip():
            return SendResult(ok=False, error="X needs text to send")
        headers = {"authorization": f"Bearer {cfg.access_token}",
                   "content-type": "application/json"}
        base = _base()
        if message.public:
            if len(text) > TWEET_LIMIT:
                return SendResult(ok=False, error=f"a public reply on X is at most {TWEET_LIMIT} "
                                                  f"characters ({len(text)} given)")
            body: dict[str, Any] = {"text": text}
            if message.reply_to:
                body["reply"] = {"in_reply_to_tweet_id": message.reply_to}
            url = f"{base}/2/tweets"
        elif message.quick_replies and self.renders_quick_replies(cfg):
            return await self._dm_with_quick_replies(cfg, message, text, http)
        else:
            url = (f"{base}/2/dm_conversations/with/{message.recipient.external_id}/messages")
            body = {"text": text}
        try:
            resp = await http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            return _unreachable(exc)
        return self._result(resp, lambda d: d.get("id") or d.get("dm_event_id"))

    async def _dm_with_quick_replies(self, cfg: XConfig, message: OutboundMessage, text: str,
                                     http: httpx.AsyncClient) -> SendResult:
        """v1.1 events/new: the options' labels are what the customer's reply text becomes,
        their metadata the payload that comes back (quick_reply_response)."""
        options = [{"label": str(q.get("title") or q.get("payload"))[:QUICK_REPLY_LABEL],
                    "metadata": str(q.get("payload") or q.get("title"))[:1000]}
                   for q in message.quick_replies[:QUICK_REPLY_OPTIONS]]
        body = {"event": {"type": "message_create", "message_create": {
            "target": {"recipient_id": message.recipient.external_id},
            "message_data": {"text": text,
                             "quick_reply": {"type": "options", "options": options}}}}}
        url = f"{_base()}{DM_EVENTS_NEW}"
        # the JSON body is not part of an OAuth 1.0a signature: the URL and the oauth_* are
        _, signed, _ = OAuth1(cfg.consumer_key, cfg.consumer_secret, cfg.access_token,
                              cfg.access_token_secret).sign(url, "POST")
        auth = signed["Authorization"]
        try:
            resp = await http.post(url, json=body, headers={"authorization": auth,
                                                            "content-type": "application/json"})
        except httpx.HTTPError as exc:
            return _unreachable(exc)
        if resp.is_success:   # v1.1 answers {"event": {"id": ...}}, not v2's {"data": ...}
            try:
                event = (resp.json() or {}).get("event") or {}
            except ValueError:
                event = {}
            return SendResult(ok=True, external_id=str(event["id"]) if event.get("id") else None)
        return self._result(resp, lambda d: None)

    def _result(self, resp: httpx.Response, external_id) -> SendResult:
        """X's answer as a SendResult: `external_id(data)` picks the id from a success."""
        try:
            data = resp.json()
        except ValueError:
            data = {}
        if resp.is_success:
            ext = external_id((data or {}).get("data") or {})
            return SendResult(ok=True, external_id=str(ext) if ext else None)
        detail = ""
        if isinstance(data, dict):
            detail = data.get("detail") or data.get("title") or ""
            if not detail and data.get("errors"):
                detail = "; ".join(str(e.get("message")) for e in data["errors"])
        retry_after = None
        if resp.status_code == 429:
            reset = resp.headers.get("x-rate-limit-reset")
            if reset and reset.isdigit():
                retry_after = max(1.0, int(reset) - datetime.now(UTC).timestamp())
        return SendResult(ok=False, retryable=resp.status_code >= 500 or resp.status_code == 429,
                          retry_after=retry_after,
                          error=f"X API {resp.status_code}: {detail or resp.text[:200]}")
