"""Hand-off: the bot gives the ticket to a person. The ticket goes to the staff route triage
chose (tier 1 unless it said otherwise), an internal note carries the bot's transcript and the
question, the customer is told a person will answer, and from then on the bot is silent in
the conversation until the ticket is solved (respond.py only acts on tickets routed `bot`).

Under Messenger's handover protocol, when the workspace names the app its people answer in
(`bot.handoff_app_id`, e.g. the Page Inbox), the thread is passed to it once the customer has
been told (the sender passes it after that message is sent; the gate then refuses our sends).
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, handover, replies, tickets
from crowdcare.bots import phrases, settings
from crowdcare.domain import Author, Direction, Route
from crowdcare.store import models as m

log = logging.getLogger(__name__)
STAFF_ROUTES = (Route.tier1, Route.tier2, Route.escalation)
TRANSCRIPT_LINES = 20


def staff_route(route: str | None) -> str:
    """The staff route for a ticket the bot had: triage's, if it chose staff, else tier 1."""
    return route if route in STAFF_ROUTES else Route.tier1


def transcript(session: Session, ticket: m.Ticket) -> str:
    rows = session.scalars(select(m.Message).where(
        m.Message.ticket_id == ticket.id, m.Message.kind != "note")
        .order_by(m.Message.id.desc()).limit(TRANSCRIPT_LINES)).all()
    who = {Direction.inbound: "Customer"}
    return "\n".join(f"{who.get(r.direction, 'Bot' if r.author == Author.bot else 'Us')}: "
                     f"{(r.text or '').strip()[:300]}" for r in reversed(rows))


def last_answer(session: Session, ticket: m.Ticket) -> m.BotTurn | None:
    """The bot's latest answer on this ticket that has no outcome yet."""
    return session.scalar(select(m.BotTurn).where(
        m.BotTurn.ticket_id == ticket.id, m.BotTurn.kind.in_(("answer", "order")),
        m.BotTurn.outcome.is_(None)).order_by(m.BotTurn.id.desc()).limit(1))


def reroute(message: m.Message, route: str, why: str) -> None:
    """What the bot decided for the message becomes its route: the ticket's state, folded
    from its messages at commit, reads the message's route, not triage's first choice."""
    message.route = route
    message.route_reasons = [*(message.route_reasons or []), why]


def do_handoff(session: Session, conversation: m.Conversation, ticket: m.Ticket,
               message: m.Message, reason: str, route: str | None = None,
               language: str | None = None, team: str | None = None) -> m.BotTurn:
    route = staff_route(route)
    previous = last_answer(session, ticket)
    if previous is not None:
        previous.outcome = "handoff"
    first = session.scalar(select(m.Message.text).where(
        m.Message.ticket_id == ticket.id, m.Message.direction == Direction.inbound)
        .order_by(m.Message.id).limit(1))
    replies.do_reply(session, conversation, author=Author.bot, note=True,
                     text=f"Handed off by the bot: {reason}.\nQuestion: {first or message.text}"
                          f"\nTranscript:\n{transcript(session, ticket)}")
    gate = replies.window(session, conversation, Author.bot)
    target = settings.of(session, conversation.workspace_id).get("handoff_app_id")
    our_app = conversation.channel_account.config.get("app_id")
    if gate.allowed:
        extra = {"automatic": True, "bot": {"kind": "handoff"}}
        if target and our_app:
            extra["pass_thread_to"] = str(target)
        replies.do_reply(session, conversation, author=Author.bot, decision=gate, extra=extra,
                         text=phrases.text(language, "handoff",
                                           when=phrases.text(language, "soon")))
    elif target and our_app and conversation.thread_owner_app_id in (None, our_app):
        try:   # nothing can be said first: pass now
            handover.do_handover(session, conversation, "pass", str(target), "bot handoff")
        except ActionError as exc:
            log.warning("conversation %s: the thread could not be passed: %s",
                        conversation.id, exc.reason)
    turn = m.BotTurn(workspace_id=conversation.workspace_id, conversation_id=conversation.id,
                     ticket_id=ticket.id, message_id=message.id, kind="handoff",
                     entry_id=previous.entry_id if previous else None,
                     reasons=[reason, f"to {route}"]
                     + ([] if gate.allowed else [f"customer not told: {gate.reason}"]))
    session.add(turn)
    if message.route == Route.bot:   # staff's request now
        reroute(message, route, f"bot hand-off: {reason}")
    changes: dict = {"route": route, "status": "open"}
    if team:
        changes["team_id"] = session.scalar(select(m.Team.id).where(
            m.Team.workspace_id == conversation.workspace_id, m.Team.name == team))
    tickets.do_update(session, ticket, {k: v for k, v in changes.items() if v is not None},
                      by="the FAQ bot")
    return turn
