"""The listening adapter: a batch of normalised mention rows → public InboundMessages.

Rows are validated one by one by `mention_rows()` (the import keeps the good ones and reports
the bad ones); a stored delivery only ever holds good rows. The message's external id is
"platform:id", so the same mention imported twice (or from two exports) is stored once.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field, ValidationError, field_validator

from crowdcare.channels.base import ChannelAdapter, Rejected, SendPolicy
from crowdcare.channels.checked import utc
from crowdcare.domain import (
    AccountRef,
    ChannelEvent,
    InboundMessage,
    OutboundMessage,
    Sender,
    SendResult,
)

MAX_ROWS = 5000


class ListeningConfig(BaseModel):
    inbound_token: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)


def _none_if_blank(v: Any) -> Any:
    return None if isinstance(v, str) and not v.strip() else v


class MentionRow(BaseModel):
    platform: str = Field(min_length=1, max_length=40)
    id: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=200, description="the author's handle")
    text: str = Field(min_length=1, max_length=20000)
    followers: int | None = Field(None, ge=0, le=2**63 - 1)
    verified: bool = False
    url: str | None = Field(None, max_length=2000)
    time: datetime | None = None
    in_reply_to: str | None = Field(None, max_length=200)
    author_name: str | None = Field(None, max_length=200)

    @field_validator("platform")
    @classmethod
    def _platform(cls, v: str) -> str:
        v = v.strip().lower()
        if not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError("platform is a plain name like x, instagram, reddit")
        return v

    @field_validator("id", "author", "text")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    @field_validator("followers", "url", "time", "in_reply_to", "author_name", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return _none_if_blank(v)

    @field_validator("verified", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip().lower()
            if s in ("", "0", "false", "no", "n", "f"):
                return False
            if s in ("1", "true", "yes", "y", "t"):
                return True
        return v

    @field_validator("time")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return utc(v)

    def wire(self) -> dict[str, Any]:
        d = self.model_dump(mode="json", exclude_none=True)
        return d


# column names listening tools use, mapped onto ours
ALIASES = {
    "handle": "author", "author_handle": "author", "username": "author", "user": "author",
    "screen_name": "author", "followers_count": "followers", "author_followers": "followers",
    "is_verified": "verified", "author_verified": "verified", "body": "text",
    "content": "text", "message": "text", "link": "url", "permalink": "url",
    "created_at": "time", "timestamp": "time", "date": "time", "in_reply_to_id": "in_reply_to",
    "reply_to": "in_reply_to", "parent_id": "in_reply_to", "network": "platform",
    "source": "platform", "mention_id": "id", "post_id": "id", "name": "author_name",
}


def normalise_keys(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k is None:
            continue
        key = str(k).strip().lower().replace(" ", "_").replace("-", "_")
        key = ALIASES.get(key, key)
        if key not in out or out[key] in (None, ""):
            out[key] = v
    return out


def check_row(raw: Any) -> MentionRow:
    """One row → a MentionRow, or ValueError with a readable reason."""
    if not isinstance(raw, Mapping):
        raise ValueError("not an object")
    try:
        return MentionRow.model_validate(normalise_keys(raw))
    except ValidationError as exc:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"]) or "row"
            msg = e["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {msg}" if e["type"] != "missing" else f"{where}: missing")
        raise ValueError("; ".join(parts)) from None


def mention_rows(rows: Iterable[tuple[int, Any]]) -> tuple[list[MentionRow],
                                                           list[tuple[int, str]]]:
    """(good rows, [(row number, reason)]) — a bad row never stops the others."""
    good, bad = [], []
    for n, raw in rows:
        try:
            good.append(check_row(raw))
        except ValueError as e:
            bad.append((n, str(e)))
    return good, bad


class ListeningAdapter(ChannelAdapter):
    kind: ClassVar[str] = "listening"
    title: ClassVar[str] = "Social listening import"
    config_model: ClassVar[type[BaseModel]] = ListeningConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("inbound_token",)
    # Imported mentions are answered on the platform they came from (a connected X account,
    # the Messenger page...), not through this channel: it cannot post anywhere.
    policy: ClassVar[SendPolicy] = SendPolicy(window_hours=None, public_replies=False)

    def verify(self, account: AccountRef, headers: Mapping[str, str], body: bytes) -> None:
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Rejected(401, "missing bearer token: send 'Authorization: Bearer "
                                "<inbound_token>'")
        if not hmac.compare_digest(token.encode(), account.config.inbound_token.encode()):
            raise Rejected(401, "invalid bearer token for this account")

    def validate(self, account: AccountRef, payload: Any) -> None:
        rows = payload.get("mentions") if isinstance(payload, dict) else payload
        if not isinstance(rows, list) or not rows:
            raise Rejected(422, "send {\"mentions\": [...]} or a JSON list of mentions")
        if len(rows) > MAX_ROWS:
            raise Rejected(413, f"at most {MAX_ROWS} mentions per request")
        _, bad = mention_rows(enumerate(rows, 1))
        if bad:
            n, why = bad[0]
            raise Rejected(422, f"mention {n}: {why}" + (f" (and {len(bad) - 1} more)"
                                                         if len(bad) > 1 else ""))

    def parse(self, account: AccountRef, payload: Any) -> list[ChannelEvent]:
        rows = payload.get("mentions") if isinstance(payload, dict) else payload
        good, _ = mention_rows(enumerate(rows or [], 1))
        now = datetime.now(UTC)
        out: list[ChannelEvent] = []
        for r in good:
            handle = r.author.lstrip("@")
            out.append(InboundMessage(
                external_id=f"{r.platform}:{r.id}",
                sender=Sender(external_id=f"{r.platform}:{handle.lower()}",
                              name=r.author_name or handle, handle=handle,
                              followers=r.followers, verified=r.verified,
                              profile={"platform": r.platform}),
                text=r.text, sent_at=r.time or now,
                kind="reply" if r.in_reply_to else "mention", public=True,
                reply_to=f"{r.platform}:{r.in_reply_to}" if r.in_reply_to else None,
                url=r.url, metadata={"platform": r.platform, "platform_id": r.id,
                                     "imported": True},
            ))
        return out

    async def send(self, account: AccountRef, message: OutboundMessage,
                   http: httpx.AsyncClient) -> SendResult:
        return SendResult(ok=False, error="an imported mention cannot be answered through the "
                                          "import: answer it on its platform")
