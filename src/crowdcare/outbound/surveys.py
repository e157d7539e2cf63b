"""CSAT and NPS surveys: when one is due, whether it may go (and why not), in which control,
how an answer is recognised, and the scores. Writes go through actions/surveys.py.

- CSAT "How did we do?" 1-5, `delay_minutes` after a ticket is solved; at most once per
  customer per `cooldown_days` (7). Score = share of 4-5.
- NPS "How likely are you to recommend us?" 0-10, to the customers in the sample
  (`sample_percent`), at most once per customer per `cooldown_days` (90): after a solved
  ticket, or, for a customer with no ticket solved or open, `delay_minutes` after their last
  private message while the messaging window is still open (`due_active`).
  NPS = % of 9-10 minus % of 0-6.
- A customer who opted out (answered "stop", "unsubscribe", "abmelden"... to a survey, or an
  agent recorded it) is skipped with the reason "opted out".
- The question, its thanks and the opt-out's confirmation are in the conversation's language
  when the workspace (settings `surveys.translations`) or the built-in words
  (outbound/survey_words.py) have it.
- One question per ticket: whichever kind is due first asks; the other is skipped with that
  reason. A skip is recorded with its reason (a cooldown, the sample, the policy gate).
- Control: quick replies where the channel renders them (Messenger); elsewhere a signed link
  valid `LINK_DAYS`, and a typed number is recognised on every channel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from crowdcare.actions import replies  # its read-only gate question, window()
from crowdcare.domain import Author, Direction, MessageStatus
from crowdcare.outbound import survey_words
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db
from crowdcare.store import models as m

KINDS = ("csat", "nps")
SCALE = {"csat": range(1, 6), "nps": range(0, 11)}
QUESTION = {kind: survey_words.WORDS["en"][kind] for kind in KINDS}   # English, the default
TYPED = {kind: survey_words.WORDS["en"][f"{kind}_typed"] for kind in KINDS}
THANKS = survey_words.WORDS["en"]["thanks"]
OPTED_OUT = "opted out"           # the skip reason
CSAT_FACES = {1: "1 😞", 2: "2 🙁", 3: "3 😐", 4: "4 🙂", 5: "5 😀"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "csat": {"enabled": False, "delay_minutes": 60, "cooldown_days": 7},
    "nps": {"enabled": False, "delay_minutes": 60, "cooldown_days": 90, "sample_percent": 100},
}
# NPS to a customer without a solved ticket: their last message at most this long ago (the
# standard messaging window; the policy gate decides per channel)
ACTIVE_WITHIN = timedelta(hours=24)
HORIZON = timedelta(days=7)       # a ticket solved longer ago than this is never surveyed late
LINK_DAYS = 14                    # the signed link, and a typed answer, are taken this long
COMMENT_WINDOW = timedelta(hours=24)   # the customer's next words after a score: its comment
PAYLOAD = re.compile(r"^SURVEY:(\d+):(\d{1,2})$")
# "5", "5/5", "4 - quick and kind", "10!": a number alone, or set off by punctuation before
# a comment; "2 items are missing" is a message, not a score
TYPED_SCORE = re.compile(r"^\s*(\d{1,2})\s*(?:/\s*(?:5|10))?\s*(?:[.!:,;-]+\s*(.*?))?\s*$",
                         re.S)
ASKING = ("asked", "answered")


def config(session: Session, workspace_id: int) -> dict[str, dict[str, Any]]:
    """Each kind's settings with the defaults filled in (read once per unit of work)."""
    stored = (db.held(session, m.Workspace, workspace_id).settings or {}).get("surveys") or {}
    return {kind: {**DEFAULTS[kind], **(stored.get(kind) or {})} for kind in KINDS}


def any_enabled(session: Session, workspace_id: int) -> bool:
    return any(c["enabled"] for c in config(session, workspace_id).values())


def own_words(session: Session, workspace_id: int) -> dict[str, Any]:
    """The workspace's translations: {"de": {"csat": "...", "thanks": "..."}}."""
    stored = (db.held(session, m.Workspace, workspace_id).settings or {}).get("surveys") or {}
    return stored.get("translations") or {}


def words(session: Session, conversation: m.Conversation, key: str,
          survey: m.Survey | None = None) -> str:
    """A survey text in the language its question was asked in (a "5" or "stop" says little
    about a language), else the conversation's: the workspace's words, built in, English."""
    language = conversation.language
    question = session.get(m.Message, survey.message_id) if survey and survey.message_id \
        else None
    if question is not None and (question.meta or {}).get("language"):
        language = question.meta["language"]
    return survey_words.text(key, language, own_words(session, conversation.workspace_id))


# -- when and whether -------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ask: bool
    reason: str
    control: str | None = None        # quick_replies | link
    gate: Any = None                  # the policy decision, when it was asked


def due_tickets(session: Session, workspace_id: int, kind: str, now: datetime) -> list[m.Ticket]:
    """Solved tickets whose delay has passed, within the horizon, with no `kind` survey yet."""
    conf = config(session, workspace_id)[kind]
    until = now - timedelta(minutes=conf["delay_minutes"])
    done = exists().where(m.Survey.ticket_id == m.Ticket.id, m.Survey.kind == kind)
    return list(session.scalars(
        select(m.Ticket).where(m.Ticket.workspace_id == workspace_id,
                               m.Ticket.status.in_(("solved", "closed")),
                               m.Ticket.solved_at <= until, m.Ticket.solved_at > until - HORIZON,
                               ~done)
        .order_by(m.Ticket.solved_at).limit(200)))


def in_sample(customer_id: int, percent: int) -> bool:
    """A fixed share of customers (by id), so a customer is in or out of the sample for good."""
    return (customer_id * 2654435761) % 100 < percent


def due_active(session: Session, workspace_id: int, now: datetime) -> list[m.Conversation]:
    """NPS without a solved ticket: conversations whose customer wrote (in private) within
    ACTIVE_WITHIN but not in the last `delay_minutes`, who has no ticket open or solved within
    the horizon (those are asked after solving), is in the sample and had no NPS survey
    (asked, skipped or answered) within the cooldown. One conversation per customer; the policy gate still
    decides per channel (verdict)."""
    conf = config(session, workspace_id)["nps"]
    ticketed = exists().where(
        m.Ticket.customer_id == m.Conversation.customer_id,
        m.Ticket.status.in_(("new", "open", "pending")) | (m.Ticket.solved_at > now - HORIZON))
    recent = exists().where(
        m.Survey.customer_id == m.Conversation.customer_id, m.Survey.kind == "nps",
        m.Survey.asked_at > now - timedelta(days=conf["cooldown_days"]))
    # a private message of theirs (a public mention is no invitation to a direct message)
    wrote = exists().where(m.Message.conversation_id == m.Conversation.id,
                           m.Message.direction == Direction.inbound,
                           m.Message.public.is_(False),
                           m.Message.created_at > now - ACTIVE_WITHIN)
    C = m.Conversation
    rows = session.scalars(
        select(C).where(C.workspace_id == workspace_id,
                        C.last_inbound_at <= now - timedelta(minutes=conf["delay_minutes"]),
                        C.last_inbound_at > now - ACTIVE_WITHIN, ~ticketed, ~recent, wrote)
        .order_by(C.last_inbound_at.desc()).limit(500)).all()
    seen: set[int] = set()
    out = []
    for conversation in rows:
        if conversation.customer_id in seen or not in_sample(
                conversation.customer_id, int(conf["sample_percent"])):
            continue   # out of the sample: nothing recorded (there is no ticket to name)
        seen.add(conversation.customer_id)
        out.append(conversation)
    return out[:200]


def verdict(session: Session, ticket: m.Ticket | None, kind: str, now: datetime,
            conversation: m.Conversation | None = None) -> Verdict:
    """Whether to ask about this ticket (or, NPS without a ticket, in this conversation)."""
    conversation = conversation if ticket is None else ticket.conversation
    customer_id = ticket.customer_id if ticket is not None else conversation.customer_id
    customer = session.get(m.Customer, customer_id)
    conf = config(session, conversation.workspace_id)[kind]
    if customer is not None and customer.surveys_opted_out_at is not None:
        return Verdict(False, OPTED_OUT)
    other = ticket and session.scalar(select(m.Survey.kind).where(
        m.Survey.ticket_id == ticket.id, m.Survey.kind != kind, m.Survey.status.in_(ASKING)))
    if other:
        return Verdict(False, f"one question per ticket: a {other.upper()} survey was asked")
    last = session.scalar(select(func.max(m.Survey.asked_at)).where(
        m.Survey.customer_id == customer_id, m.Survey.kind == kind,
        m.Survey.status.in_(ASKING)))
    if last is not None and last > now - timedelta(days=conf["cooldown_days"]):
        days = (now - last).total_seconds() / 86400
        return Verdict(False, f"the customer was asked {days:.1f} days ago (at most once per "
                              f"{conf['cooldown_days']} days)")
    if kind == "nps" and not in_sample(customer_id, int(conf["sample_percent"])):
        return Verdict(False, f"the customer is not in the {conf['sample_percent']}% sample")
    gate = replies.window(session, conversation, Author.system)
    if not gate.allowed:
        return Verdict(False, f"the policy gate refused: {gate.reason}", gate=gate)
    control = "quick_replies" if accounts.renders_quick_replies(conversation.channel_account) \
        else "link"
    return Verdict(True, gate.reason, control, gate)


def responder(session: Session, ticket: m.Ticket | None) -> tuple[str | None, int | None]:
    """Who answered the ticket last (agent, advocate or bot): the one an answer rates.
    Automatic messages (away, surveys) are nobody's answer; no ticket, no responder."""
    if ticket is None:
        return None, None
    rows = session.execute(
        select(m.Message.author, m.Message.agent_id, m.Message.meta)
        .where(m.Message.ticket_id == ticket.id, m.Message.direction == Direction.outbound,
               m.Message.author.in_((Author.agent, Author.advocate, Author.bot)),
               m.Message.status.not_in((MessageStatus.note, MessageStatus.blocked,
                                        MessageStatus.failed)))
        .order_by(m.Message.id.desc()).limit(20)).all()
    for author, agent_id, meta in rows:
        if not (meta or {}).get("automation"):
            return author, agent_id
    return None, None


def question(kind: str, survey_id: int, control: str, link: str, language: str | None = None,
             own: dict[str, Any] | None = None) -> tuple[str, list[dict]]:
    """The text (in the language, when there are its words) and quick replies."""
    if control == "quick_replies":
        titles = CSAT_FACES if kind == "csat" else {n: str(n) for n in SCALE[kind]}
        return survey_words.text(kind, language, own), [
            {"title": titles[n], "payload": f"SURVEY:{survey_id}:{n}"} for n in SCALE[kind]]
    return survey_words.text(f"{kind}_typed", language, own).replace("{link}", link), []


# -- the signed link ---------------------------------------------------------------------------
def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().signing_key(), salt="crowdcare.survey")


def token(survey_id: int, expires_at: datetime) -> str:
    return _signer().dumps({"s": survey_id, "e": int(expires_at.timestamp())})


def link(survey_id: int, expires_at: datetime) -> str:
    return f"{get_settings().public_url.rstrip('/')}/s/{token(survey_id, expires_at)}"


def read_token(value: str, now: datetime) -> tuple[int | None, str | None]:
    """(survey id, None), or (None, why the link is refused). Expiry reads the one clock."""
    try:
        data = _signer().loads(value)
    except BadSignature:
        return None, "this survey link is not valid"
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None, "this survey link is not valid"
    if now.timestamp() >= int(data.get("e") or 0):
        return None, "this survey link has expired"
    return data["s"], None


# -- recognising an answer on inbound ------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    survey: m.Survey
    score: int | None                 # None: the comment of an answered survey, or an opt-out
    via: str                          # quick_reply | text | opt_out
    comment: str | None = None


def recognise(session: Session, conversation: m.Conversation, row: m.Message,
              now: datetime) -> Answer | None:
    """A quick-reply payload, a typed number while a survey waits, or the customer's next
    words after a score (its comment)."""
    if row.public or row.direction != Direction.inbound:
        return None
    meta = row.meta or {}
    payload = str(meta.get("quick_reply_payload") or meta.get("payload") or "")
    tapped = PAYLOAD.match(payload)
    if tapped:
        survey = session.get(m.Survey, int(tapped.group(1)))
        score = int(tapped.group(2))
        if survey is None or survey.conversation_id != conversation.id \
                or score not in SCALE[survey.kind]:
            return None
        return Answer(survey, score, "quick_reply")
    if not any_enabled(session, conversation.workspace_id) or conversation.id is None:
        return None
    latest = session.scalar(
        select(m.Survey).where(m.Survey.conversation_id == conversation.id,
                               m.Survey.status.in_(ASKING),
                               m.Survey.asked_at > now - timedelta(days=LINK_DAYS))
        .order_by(m.Survey.id.desc()).limit(1))
    if latest is None:
        return None
    text = (row.text or "").strip()
    if survey_words.is_opt_out(text) and (latest.status == "asked" or (
            latest.answered_at is not None and latest.answered_at > now - COMMENT_WINDOW)):
        return Answer(latest, None, "opt_out")
    if latest.status == "asked":
        typed = TYPED_SCORE.match(text)
        if typed and int(typed.group(1)) in SCALE[latest.kind]:
            return Answer(latest, int(typed.group(1)), "text", (typed.group(2) or "").strip()
                          or None)
        return None
    if text and latest.comment is None and latest.answered_via != "link" \
            and latest.answered_at is not None and latest.answered_at > now - COMMENT_WINDOW \
            and latest.answer_message_id != row.id:
        return Answer(latest, None, "text", text)
    return None


# -- the scores ------------------------------------------------------------------------------------
def score_of(kind: str, scores: list[int]) -> float | None:
    """CSAT: % of 4-5. NPS: % of 9-10 minus % of 0-6. None without answers."""
    if not scores:
        return None
    n = len(scores)
    if kind == "csat":
        return round(100 * sum(s >= 4 for s in scores) / n, 1)
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / n, 1)


def summary(session: Session, workspace_id: int, since: datetime | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in KINDS:
        query = select(m.Survey.score).where(m.Survey.workspace_id == workspace_id,
                                             m.Survey.kind == kind,
                                             m.Survey.status == "answered")
        if since is not None:
            query = query.where(m.Survey.answered_at >= since)
        scores = list(session.scalars(query))
        counts = dict(session.execute(
            select(m.Survey.status, func.count()).where(m.Survey.workspace_id == workspace_id,
                                                        m.Survey.kind == kind)
            .group_by(m.Survey.status)).all())
        out[kind] = {"score": score_of(kind, scores), "answers": len(scores),
                     "asked": counts.get("asked", 0) + counts.get("answered", 0),
                     "skipped": counts.get("skipped", 0)}
    return out


def listing(session: Session, workspace_id: int, kind: str | None = None,
            status: str | None = None, limit: int = 100) -> list[m.Survey]:
    query = select(m.Survey).where(m.Survey.workspace_id == workspace_id)
    if kind:
        query = query.where(m.Survey.kind == kind)
    if status:
        query = query.where(m.Survey.status == status)
    return list(session.scalars(query.order_by(m.Survey.id.desc()).limit(limit)))
