"""Away messages and instant replies: whether a customer's message gets one now, and why not.

Outside business hours (automation/calendars.py: the channel account's calendar, else the
team's, else the workspace's default; no calendar: always open) a private message, or a public
mention when the workspace enables it, gets the away message saying when we open again, in the
calendar's zone ("we'll reply from Monday 09:00 CET"), in the customer's language when the
workspace has that translation. Never:

- twice in one closed period of a conversation (a period is named by the opening that ends it);
- within `HUMAN_QUIET` of a person's reply (they are there: the customer is not left alone);
- while another app owns the thread (Messenger handover) or the FAQ bot owns the ticket
  (or has just answered the message);
- to our own echoes, a button press, a survey's answer, or what triage routes to `ignore`.

During open hours an optional instant reply gives the expected wait, once per ticket and only
before anyone answered it. Both are the system's messages through the policy gate (a RESPONSE
inside the window), marked automatic, and never a first response (actions/replies.do_reply).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.automation import calendars
from crowdcare.domain import Author, Direction, Role, Route
from crowdcare.store import db
from crowdcare.store import models as m

HUMAN_QUIET = timedelta(minutes=5)
DEFAULT_TEXT = "Thanks for your message! We're closed right now; we'll reply from {opens}."
DEFAULT_INSTANT = "Thanks for your message! The expected wait is about {wait}."
DEFAULTS: dict[str, Any] = {"enabled": False, "text": DEFAULT_TEXT, "translations": {},
                            "public": False, "instant": False, "instant_text": DEFAULT_INSTANT,
                            "minutes_per_ticket": 4}
PEOPLE = (Author.agent, Author.advocate)
LIVE = ("queued", "sent", "delivered", "read")


def config(session: Session, workspace_id: int) -> dict[str, Any]:
    stored = (db.held(session, m.Workspace, workspace_id).settings or {}).get("away") or {}
    return {**DEFAULTS, **stored}


@dataclass(frozen=True)
class Plan:
    """What to send (kind away | instant, text, public), or None with the reason."""

    kind: str | None
    reason: str
    text: str | None = None
    opens: datetime | None = None
    public: bool = False


def _calendar(session: Session, conversation: m.Conversation):
    key = ("calendar", conversation.workspace_id, conversation.channel_account_id,
           conversation.team_id)
    return db.once(session, key, lambda: calendars.calendar_for(
        session, conversation.workspace_id, conversation.channel_account_id,
        conversation.team_id))


def _person_replied_since(session: Session, conversation: m.Conversation,
                          since: datetime) -> datetime | None:
    return session.scalar(select(func.max(m.Message.sent_at)).where(
        m.Message.conversation_id == conversation.id, m.Message.direction == Direction.outbound,
        m.Message.author.in_(PEOPLE), m.Message.status.in_(LIVE), m.Message.sent_at > since))


def _automatic(session: Session, conversation: m.Conversation, kind: str) -> list[dict]:
    """The metadata of this conversation's automatic messages of a kind, newest first."""
    metas = session.scalars(
        select(m.Message.meta).where(m.Message.conversation_id == conversation.id,
                                     m.Message.direction == Direction.outbound,
                                     m.Message.author == Author.system)
        .order_by(m.Message.id.desc()).limit(50)).all()
    return [x for x in metas if (x or {}).get("automation") == kind]


# weekday names for the opening time inside a translation (Monday first); others read English
WEEKDAYS = {
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
}


def translated(conf: dict[str, Any], language: str | None) -> tuple[str, str | None]:
    """The text for this language and the language it is in (None: the default text)."""
    language = (language or "").lower()
    text = (conf.get("translations") or {}).get(language)
    if text:
        return text, language
    return conf.get("text") or DEFAULT_TEXT, None


def opening(opens: datetime | None, language: str | None) -> str:
    """"Monday 09:00 CET", with the weekday in the translation's language when known."""
    phrase = calendars.opening_phrase(opens)
    names = WEEKDAYS.get((language or "").split("-")[0])
    if opens is None or names is None:
        return phrase
    return names.split()[opens.weekday()] + phrase[len(opens.strftime("%A")):]


def expected_wait(session: Session, workspace_id: int, ticket: m.Ticket | None,
                  minutes_per_ticket: int) -> str:
    """The requests waiting ahead of this one, times the minutes one takes, shared among the
    workspace's staff: "about 15 minutes"."""
    ahead_query = select(func.count()).select_from(m.Ticket).where(
        m.Ticket.workspace_id == workspace_id, m.Ticket.waiting_since.is_not(None),
        m.Ticket.status.in_(("new", "open")),
        (m.Ticket.route.is_(None)) | (m.Ticket.route != Route.bot))
    if ticket is not None and ticket.id is not None:
        ahead_query = ahead_query.where(m.Ticket.id != ticket.id)
        if ticket.waiting_since is not None:
            ahead_query = ahead_query.where(m.Ticket.waiting_since <= ticket.waiting_since)
    ahead = session.scalar(ahead_query) or 0
    staff = session.scalar(select(func.count()).select_from(m.Agent).where(
        m.Agent.workspace_id == workspace_id, m.Agent.active.is_(True),
        m.Agent.role.in_((Role.agent, Role.admin)))) or 1
    minutes = (ahead + 1) * minutes_per_ticket / staff
    minutes = max(5, int(math.ceil(minutes / 5.0) * 5))
    if minutes >= 90:
        return f"{math.ceil(minutes / 60)} hours"
    return f"{minutes} minutes"


def plan(session: Session, conversation: m.Conversation, row: m.Message,
         now: datetime) -> Plan:
    """Whether this customer message gets an away message or an instant reply, and why not."""
    conf = config(session, conversation.workspace_id)
    if not conf["enabled"] and not conf["instant"]:
        return Plan(None, "away messages and instant replies are off")
    meta = row.meta or {}
    if row.direction != Direction.inbound or row.author != Author.customer:
        return Plan(None, "not a customer's message (our own echo?)")
    if meta.get("standby"):
        return Plan(None, "another app owns the thread")
    account = conversation.channel_account
    ours = (account.config or {}).get("app_id")
    if conversation.thread_owner_app_id and conversation.thread_owner_app_id != ours:
        return Plan(None, f"another app ({conversation.thread_owner_app_id}) owns the thread")
    if row.kind == "postback" or meta.get("quick_reply_payload") is not None:
        return Plan(None, "a button press, not a message to answer")
    if meta.get("survey_id"):
        return Plan(None, "a survey's answer")
    if row.route == Route.ignore:
        return Plan(None, "triage found nothing to answer")
    if row.public and not conf["public"]:
        return Plan(None, "a public post: away messages answer private messages only here")
    ticket = row.ticket
    if ticket is not None and ticket.route == Route.bot:
        return Plan(None, "the FAQ bot owns this conversation's ticket")
    if row.id is not None and session.scalar(select(m.Message.id).where(
            m.Message.conversation_id == conversation.id, m.Message.id > row.id,
            m.Message.direction == Direction.outbound, m.Message.author == Author.bot).limit(1)):
        return Plan(None, "the FAQ bot answered this message")
    replied = _person_replied_since(session, conversation, now - HUMAN_QUIET)
    if replied is not None:
        minutes = max(0, int((now - replied).total_seconds() // 60))
        return Plan(None, f"a person replied {minutes} min ago (none within "
                          f"{int(HUMAN_QUIET.total_seconds() // 60)} min of a human reply)")
    calendar = _calendar(session, conversation)
    if calendar is not None and not calendar.is_open(now):
        if not conf["enabled"]:
            return Plan(None, "away messages are off")
        opens = calendar.next_open(now)
        period = opens.isoformat() if opens is not None else "never"
        if any(x.get("opens") == period for x in _automatic(session, conversation, "away")):
            return Plan(None, "already sent in this closed period")
        text, language = translated(conf, row.language or conversation.language)
        return Plan("away", f"closed until {period}",
                    text.replace("{opens}", opening(opens, language)), opens,
                    public=row.public)
    if not conf["instant"]:
        return Plan(None, "open: instant replies are off")
    if ticket is None:
        return Plan(None, "open: not a request, no ticket to wait for")
    if ticket.first_response_at is not None:
        return Plan(None, "open: the ticket was answered already")
    if ticket.id is not None and any(x.get("ticket_id") == ticket.id for x in
                                     _automatic(session, conversation, "instant")):
        return Plan(None, "open: this ticket had its instant reply")
    wait = expected_wait(session, conversation.workspace_id, ticket,
                         int(conf["minutes_per_ticket"]))
    text = (conf.get("instant_text") or DEFAULT_INSTANT).replace("{wait}", wait)
    return Plan("instant", f"open: expected wait {wait}", text, public=row.public)
