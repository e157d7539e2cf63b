"""What triage and routing need to know besides the text: workspace keywords, VIPs, rules,
which responders exist. Read here so triage and route stay pure functions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import tickets
from crowdcare.automation import calendars
from crowdcare.bots import kb, respond
from crowdcare.bots import settings as bot_settings
from crowdcare.domain import InboundMessage, Route
from crowdcare.pipeline.route import RouteContext
from crowdcare.pipeline.triage import TriageContext
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow


def _settings(session: Session, workspace_id: int) -> dict:
    return db.held(session, m.Workspace, workspace_id).settings or {}


def _rules(session: Session, workspace_id: int) -> list:
    # a late import: actions import this module
    from crowdcare.actions.rules import workspace_rules

    return workspace_rules(session, workspace_id)


def _has_advocates(session: Session, workspace_id: int) -> bool:
    """Whether anyone can answer community mentions: an active advocate who has signed up."""
    return db.once(session, ("advocates", workspace_id), lambda: session.scalar(
        select(m.Agent.id).where(m.Agent.workspace_id == workspace_id,
                                 m.Agent.role == "advocate", m.Agent.active.is_(True),
                                 m.Agent.password_hash.is_not(None)).limit(1)) is not None)


def prefetch(session: Session, workspace_id: int) -> None:
    """Read the workspace's settings and rules before a batch creates any rows (a read after
    that would flush them early)."""
    _settings(session, workspace_id)
    _rules(session, workspace_id)
    _has_advocates(session, workspace_id)
    own_handles(session, workspace_id)
    kb.has_kb(session, workspace_id)


def is_vip(session: Session, conversation: m.Conversation, event: InboundMessage) -> bool:
    vip_handles = {h.lower().lstrip("@") for h in
                   _settings(session, conversation.workspace_id).get("vip_handles", [])}
    handle = (event.sender.handle or "").lower().lstrip("@")
    return conversation.customer.vip or (bool(handle) and handle in vip_handles)


def own_handles(session: Session, workspace_id: int) -> frozenset[str]:
    """The brand's own handles, lower-case without '@': the workspace's `handles` setting and
    each of its channel accounts' configured handle (read once per unit of work)."""
    def load() -> frozenset[str]:
        handles = set(_settings(session, workspace_id).get("handles", []))
        for config in session.scalars(select(m.ChannelAccount.config).where(
                m.ChannelAccount.workspace_id == workspace_id)):
            if isinstance(config, dict) and config.get("handle"):
                handles.add(str(config["handle"]))
        return frozenset(h.lower().lstrip("@") for h in handles if h)
    return db.once(session, ("own_handles", workspace_id), load)


def _mentions(text: str, handles: frozenset[str]) -> bool:
    return "@" in text and any(f"@{h}" in text.lower() for h in handles)


def _brand_spoke_last(conversation: m.Conversation) -> bool:
    """The brand wrote in this conversation after the customer's last message."""
    last, inbound = conversation.last_message_at, conversation.last_inbound_at
    return last is not None and (inbound is None or last > inbound)


def _kind(event: InboundMessage) -> str:
    if event.kind == "postback":
        return "postback"
    if "quick_reply_payload" in event.metadata:
        return "quick_reply"
    return event.kind


def for_triage(session: Session, conversation: m.Conversation,
               event: InboundMessage) -> TriageContext:
    """Everything triage weighs besides the text, including what the platform says: who the
    message was written to, whether it answers the brand, what kind of event it is."""
    settings = _settings(session, conversation.workspace_id)
    waiting = (utcnow() - event.sent_at).total_seconds() / 60 if event.sent_at else 0.0
    text = event.text or ""
    addressed = event.addressed or (
        "@" in text and _mentions(text, own_handles(session, conversation.workspace_id)))
    return TriageContext(
        channel=conversation.channel_account.kind, public=event.public,
        followers=event.sender.followers, verified=event.sender.verified,
        vip=is_vip(session, conversation, event), handle=event.sender.handle,
        keywords=settings.get("keywords", {}), waiting_minutes=max(0.0, waiting),
        addressed=addressed, direct=addressed and not event.public,
        brand_thread=event.reply_to_brand or (
            event.reply_to is not None and _brand_spoke_last(conversation)),
        kind=_kind(event),
    )


# The community route is real once the workspace has an advocate (community/,
# docs/community.md); the FAQ bot's once it has a knowledge base and no person has the
# conversation (bots/respond). Until then they fall back to the staff queues
# (RouteDecision.fallback_from says so).
STAFF_ROUTES = frozenset({"tier1", "tier2", "escalation", "ignore"})


def for_route(session: Session, conversation: m.Conversation, event: InboundMessage,
              vip: bool | None = None) -> RouteContext:
    campaign = session.get(m.Campaign, conversation.campaign_id) if conversation.campaign_id else None
    bot = respond.available(session, conversation, event.public)   # the FAQ bot, if it can
    return RouteContext(
        channel=conversation.channel_account.kind, public=event.public,
        campaign=campaign.ref if campaign else None,
        vip=is_vip(session, conversation, event) if vip is None else vip,
        text=event.text or "", rules=_rules(session, conversation.workspace_id),
        available=set(STAFF_ROUTES)
        | ({Route.community} if _has_advocates(session, conversation.workspace_id) else set())
        | ({Route.bot} if bot else set()),
        bot_first=bot and bot_settings.of(session, conversation.workspace_id).get(
            "first", True),
        business_hours=calendars.open_now(session, conversation.workspace_id,
                                      conversation.channel_account_id),
        customer={"name": conversation.customer.name, "email": conversation.customer.email},
        tags=list(getattr(tickets.open_ticket(session, conversation), "tags", None) or []),
    )
