"""The demo's away message (with a German translation) over its support hours (seed.CALENDAR)
and an instant reply, CSAT and NPS switched on, and a few weeks of answered surveys so /surveys shows
scores from the start. Idempotent: each part is seeded only where it is missing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import away, surveys
from crowdcare.domain import Author, Direction, MessageStatus
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

AWAY_TEXT = "Thanks for writing to Northwind Threads! We're closed right now; we'll reply from {opens}."
AWAY_DE = "Danke für Ihre Nachricht! Wir haben gerade geschlossen; wir antworten ab {opens}."
# (customer's external id on the shop's chat, CSAT score, comment, NPS score or None)
HISTORY = [("cust-arjun", 5, "Quick and friendly, thank you!", 10),
           ("cust-jiwoo", 4, None, None), ("cust-lucas", 2, "Took three days to hear back.", 4),
           ("cust-sofia", 5, "Ana sorted my exchange in minutes.", 9),
           ("cust-priya", 4, None, 8), ("cust-tom", 3, "OK, but I had to ask twice.", None)]


def seed(session: Session, ws: m.Workspace, api: m.ChannelAccount) -> None:
    if "away" not in (ws.settings or {}):
        away.do_set_settings(session, ws.id, away.check_settings(
            {"text": AWAY_TEXT, "enabled": True, "instant": True}))
        away.do_set_settings(session, ws.id, away.check_settings(
            {"text": AWAY_DE, "language": "de"}))
    if "surveys" not in (ws.settings or {}):
        surveys.do_set_settings(session, ws.id, "csat", {"enabled": True, "delay_minutes": 2})
        surveys.do_set_settings(session, ws.id, "nps", {"enabled": True, "delay_minutes": 2,
                                                        "sample_percent": 30})
    if not session.scalar(select(m.Survey.id).where(m.Survey.workspace_id == ws.id)):
        _history(session, ws, api)


def _history(session: Session, ws: m.Workspace, api: m.ChannelAccount) -> None:
    """Solved conversations of the past weeks, each answered by Ana, with its CSAT (and for
    some an NPS) answer rating her."""
    ana = session.scalar(select(m.Agent).where(m.Agent.workspace_id == ws.id,
                                               m.Agent.email == "ana@northwind.example"))
    now = utcnow()
    for n, (external, csat, comment, nps) in enumerate(HISTORY):
        identity = session.scalar(select(m.Identity).where(
            m.Identity.channel_account_id == api.id, m.Identity.external_id == external))
        if identity is None:
            continue
        at = now - timedelta(days=20 - 3 * n)
        conversation = m.Conversation(
            workspace_id=ws.id, channel_account=api, customer_id=identity.customer_id,
            identity=identity, status="closed", last_message_at=at + timedelta(minutes=40),
            last_inbound_at=at, last_preview="Thanks!", language="en", created_at=at)
        session.add(conversation)
        session.flush()
        ticket = m.Ticket(workspace_id=ws.id, conversation_id=conversation.id,
                          customer_id=identity.customer_id, status="solved", route="tier1",
                          subject="Where is my order?", assignee_id=ana.id, opened_at=at,
                          first_response_at=at + timedelta(minutes=12),
                          solved_at=at + timedelta(minutes=30))
        session.add(ticket)
        session.flush()
        for direction, author, text, minutes in (
                (Direction.inbound, Author.customer, "Hi, where is my order?", 0),
                (Direction.outbound, Author.agent, "It left our warehouse today: you'll have "
                                                   "it by Friday.", 12)):
            session.add(m.Message(
                workspace_id=ws.id, conversation_id=conversation.id, channel_account_id=api.id,
                ticket_id=ticket.id, direction=direction, author=author,
                agent_id=ana.id if author == Author.agent else None, text=text,
                status=MessageStatus.received if direction == Direction.inbound
                else MessageStatus.read, language="en", sent_at=at + timedelta(minutes=minutes),
                created_at=at + timedelta(minutes=minutes)))
        for kind, score, text in (("csat", csat, comment), ("nps", nps, None)):
            if score is None:
                continue
            asked = at + timedelta(minutes=32)
            session.add(m.Survey(
                workspace_id=ws.id, kind=kind, ticket_id=ticket.id,
                conversation_id=conversation.id, customer_id=identity.customer_id,
                status="answered", control="quick_replies", responder="agent",
                responder_agent_id=ana.id, score=score, comment=text, answered_via="quick_reply",
                asked_at=asked, expires_at=asked + timedelta(days=14),
                answered_at=asked + timedelta(minutes=5)))
    session.flush()
