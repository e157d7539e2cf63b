"""What triage and routing need to know besides the text: workspace keywords, VIPs, rules,
which responders exist. Read here so triage and route stay pure functions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.bots import kb, respond
from crowdcare.bots import settings as bot_settings
from crowdcare.domain import InboundMessage, Route
from crowdcare.pipeline.route import RouteContext, rule_from_dict
from crowdcare.pipeline.triage import TriageContext
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow


def _settings(session: Session, workspace_id: int) -> dict:
    return db.held(session, m.Workspace, workspace_id).settings or {}


def _rules(session: Session, workspace_id: int) -> list:
    """The workspace's enabled rules, read once per unit of work (a batch shares them)."""
    def load() -> list:
        rows = session.scalars(
            select(m.RoutingRule)
            .where(m.RoutingRule.workspace_id == workspace_id, m.RoutingRule.enabled.is_(True))
            .order_by(m.RoutingRule.position, m.RoutingRule.id)
        ).all()
        return [rule_from_dict({"name": r.name, **r.rule}) for r in rows]
    return db.once(session, ("routing_rules", workspace_id), load)


def prefetch(session: Session, workspace_id: int) -> None:
    """Read the workspace's settings and rules before a batch creates any rows (a read after
    that would flush them early)."""
    _settings(session, workspace_id)
    _rules(session, workspace_id)
    kb.has_kb(session, workspace_id)


def is_vip(session: Session, conversation: m.Conversation, event: InboundMessage) -> bool:
    vip_handles = {h.lower().lstrip("@") for h in
                   _settings(session, conversation.workspace_id).get("vip_handles", [])}
    handle = (event.sender.handle or "").lower().lstrip("@")
    return conversation.customer.vip or (bool(handle) and handle in vip_handles)


def for_triage(session: Session, conversation: m.Conversation,
               event: InboundMessage) -> TriageContext:
    settings = _settings(session, conversation.workspace_id)
    waiting = (utcnow() - event.sent_at).total_seconds() / 60 if event.sent_at else 0.0
    return TriageContext(
        channel=conversation.channel_account.kind, public=event.public,
        followers=event.sender.followers, verified=event.sender.verified,
        vip=is_vip(session, conversation, event), handle=event.sender.handle,
        keywords=settings.get("keywords", {}), waiting_minutes=max(0.0, waiting),
    )


# The community portal is not built yet: its route falls back to the staff queues
# (RouteDecision.fallback_from says so) until it adds itself here. The FAQ bot is available
# when the workspace has a knowledge base and no person has the conversation (bots/respond).
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
        available=set(STAFF_ROUTES) | ({Route.bot} if bot else set()),
        bot_first=bot and bot_settings.of(session, conversation.workspace_id).get(
            "first", True),
    )
