"""Campaigns: entry points (an m.me link, a QR code on a poster, an ad) that greet whoever comes
through them, and the channel profile (Get Started, greeting, ice breakers, menu)."""
from __future__ import annotations

import io
import re
from typing import Any

import segno
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, NotFound, replies, serialize
from crowdcare.channels import registry
from crowdcare.domain import Author
from crowdcare.store import accounts
from crowdcare.store import models as m

REF_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
QR_SUFFIX = "__qr"      # a QR code's link says it was scanned; channels strip it (source=QR)


def campaign_out(row: m.Campaign, link: str | None = None) -> dict[str, Any]:
    return {"id": row.id, "ref": row.ref, "name": row.name, "greeting": row.greeting,
            "quick_replies": row.quick_replies, "faq_topic": row.faq_topic, "link": link,
            "created_at": serialize.iso(row.created_at)}


def check_create_campaign(session: Session, workspace_id: int, data: dict[str, Any]) -> None:
    ref = data.get("ref") or ""
    if not REF_PATTERN.match(ref) or ref.endswith(QR_SUFFIX):
        raise Invalid("ref: 1-80 letters, digits, '_', '-' or '.' (not ending in __qr)",
                      field="ref")
    if not (data.get("greeting") or "").strip():
        raise Invalid("a campaign needs a greeting", field="greeting")
    if session.scalar(select(m.Campaign.id).where(m.Campaign.workspace_id == workspace_id,
                                                  m.Campaign.ref == ref)):
        raise Conflict(f"a campaign with ref {ref!r} already exists", field="ref")


def do_create_campaign(session: Session, workspace_id: int, data: dict[str, Any]) -> m.Campaign:
    row = m.Campaign(workspace_id=workspace_id, ref=data["ref"],
                     name=data.get("name") or data["ref"], greeting=data["greeting"].strip(),
                     quick_replies=data.get("quick_replies") or [],
                     faq_topic=data.get("faq_topic"))
    session.add(row)
    session.flush()
    return row


def do_update_campaign(session: Session, row: m.Campaign, changes: dict[str, Any]) -> m.Campaign:
    for key in ("name", "greeting", "quick_replies", "faq_topic"):
        if key in changes:
            setattr(row, key, changes[key])
    session.flush()
    return row


def do_delete_campaign(session: Session, row: m.Campaign) -> None:
    session.delete(row)
    session.flush()


def entry_account(session: Session, workspace_id: int,
                  account_id: int | None = None) -> m.ChannelAccount:
    """The account whose links a campaign uses: the given one, else the first that has links."""
    query = select(m.ChannelAccount).where(m.ChannelAccount.workspace_id == workspace_id,
                                           m.ChannelAccount.active.is_(True))
    if account_id is not None:
        query = query.where(m.ChannelAccount.id == account_id)
    for row in session.scalars(query.order_by(m.ChannelAccount.id)):
        adapter = registry.get(row.kind)
        if adapter is not None and adapter.entry_link(accounts.ref(row), "x") is not None:
            return row
    raise NotFound("no connected channel makes entry links (connect a Messenger page)")


def link(campaign: m.Campaign, account: m.ChannelAccount, qr: bool = False) -> str:
    """The link that opens a conversation through this campaign, e.g. m.me/<page>?ref=<ref>."""
    ref = campaign.ref + (QR_SUFFIX if qr else "")
    found = registry.get(account.kind).entry_link(accounts.ref(account), ref)
    if found is None:
        raise Invalid(f"{account.kind} accounts have no entry links")
    return found


def qr_png(url: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(url: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=scale, border=4,
                                                 xmldecl=False)
    return buffer.getvalue()


def do_greet(session: Session, conversation: m.Conversation, campaign: m.Campaign) -> m.Message:
    """The campaign's greeting as the bot's reply, through the policy gate."""
    extra = {"campaign_id": campaign.id, "campaign_ref": campaign.ref}
    if campaign.quick_replies:
        extra["quick_replies"] = campaign.quick_replies
    if campaign.faq_topic:
        extra["faq_topic"] = campaign.faq_topic
    decision = replies.window(session, conversation, Author.bot)
    if not decision.allowed:
        return replies.do_block(session, conversation, text=campaign.greeting, author=Author.bot,
                                reason=decision.reason, purpose="response", extra=extra)
    return replies.do_reply(session, conversation, text=campaign.greeting, author=Author.bot,
                            decision=decision, extra=extra)


# -- the channel profile (Get Started, greeting, ice breakers, persistent menu) -----------------
def check_profile(account: m.ChannelAccount, profile: dict[str, Any]):
    adapter = registry.get(account.kind)
    if "profile" not in adapter.config_model.model_fields:
        raise Invalid(f"{account.kind} accounts have no profile")
    try:
        return adapter.config_model.model_validate({**account.config, "profile": profile})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def do_set_profile(session: Session, account: m.ChannelAccount, config) -> dict[str, Any]:
    account.config = config.model_dump(mode="json")
    session.flush()
    accounts.forget(account.id)
    return account.config["profile"]


def workspace_link(session: Session, campaign: m.Campaign, qr: bool = False) -> str | None:
    """The campaign's link on the workspace's first account that makes links, if any."""
    try:
        return link(campaign, entry_account(session, campaign.workspace_id), qr=qr)
    except NotFound:
        return None


def check_create(session: Session, workspace_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """check_create_campaign under the short name the console uses; returns the checked data."""
    check_create_campaign(session, workspace_id, data)
    return data


do_create = do_create_campaign
