"""Surveys' writes: their settings, a question asked or skipped, an answer and its comment.
What is due and whether it may go is outbound/surveys.py's."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, NotFound, replies, serialize
from crowdcare.domain import Author
from crowdcare.events import emit, names
from crowdcare.outbound import surveys as rules
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

SETTING_KEYS = {"enabled": bool, "delay_minutes": int, "cooldown_days": int,
                "sample_percent": int}


def survey_out(row: m.Survey) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "ticket_id": row.ticket_id,
            "conversation_id": row.conversation_id, "customer_id": row.customer_id,
            "status": row.status, "reason": row.reason, "control": row.control,
            "message_id": row.message_id, "responder": row.responder,
            "responder_agent_id": row.responder_agent_id, "score": row.score,
            "comment": row.comment, "answer_message_id": row.answer_message_id,
            "answered_via": row.answered_via, "asked_at": serialize.iso(row.asked_at),
            "expires_at": serialize.iso(row.expires_at),
            "answered_at": serialize.iso(row.answered_at)}


# -- settings ------------------------------------------------------------------------------------
def check_settings(kind: str, changes: dict[str, Any]) -> dict[str, Any]:
    if kind not in rules.KINDS:
        raise Invalid(f"kind must be csat or nps, not {kind!r}", field="kind")
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key not in SETTING_KEYS or (key == "sample_percent" and kind != "nps"):
            raise Invalid(f"unknown {kind} setting {key!r}", field=key)
        if SETTING_KEYS[key] is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise Invalid(f"{key} must be a whole number >= 0", field=key)
            if key == "delay_minutes" and value > 60 * 24 * 7:
                raise Invalid("delay_minutes is at most 10080 (7 days): a later survey is "
                              "never sent", field=key)
            if key == "cooldown_days" and not 1 <= value <= 730:
                raise Invalid("cooldown_days must be between 1 and 730", field=key)
            if key == "sample_percent" and value > 100:
                raise Invalid("sample_percent must be between 0 and 100", field=key)
        elif not isinstance(value, bool):
            raise Invalid(f"{key} must be true or false", field=key)
        clean[key] = value
    return clean


def do_set_settings(session: Session, workspace_id: int, kind: str,
                    changes: dict[str, Any]) -> dict[str, Any]:
    ws = session.get(m.Workspace, workspace_id)
    stored = dict((ws.settings or {}).get("surveys") or {})
    stored[kind] = {**(stored.get(kind) or {}), **changes}
    ws.settings = {**(ws.settings or {}), "surveys": stored}   # a new dict: the change is seen
    session.flush()
    return rules.config(session, workspace_id)[kind]


def check_translation(language: str, texts: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A workspace's words for one language (keys of outbound/survey_words.py); an empty
    text removes that key's translation (the built-in words apply again)."""
    import re

    from crowdcare.outbound import survey_words

    lang = (language or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2}", lang):
        raise Invalid("a language is a two-letter code such as de or fr", field="language")
    clean: dict[str, str] = {}
    for key, value in texts.items():
        if key not in survey_words.KEYS:
            raise Invalid(f"unknown survey text {key!r}; known: {', '.join(survey_words.KEYS)}",
                          field=key)
        if value is None:
            continue
        value = str(value).strip()
        if len(value) > 640:
            raise Invalid(f"{key} is at most 640 characters", field=key)
        if value and key.endswith("_typed") and "{link}" not in value:
            raise Invalid(f"{key} must contain {{link}} (the signed link)", field=key)
        clean[key] = value
    return lang, clean


def do_set_translation(session: Session, workspace_id: int, language: str,
                       texts: dict[str, str]) -> dict[str, str]:
    ws = session.get(m.Workspace, workspace_id)
    stored = dict((ws.settings or {}).get("surveys") or {})
    mine = {**(stored.get("translations") or {}).get(language, {}), **texts}
    mine = {k: v for k, v in mine.items() if v}
    stored["translations"] = {**(stored.get("translations") or {}), language: mine}
    ws.settings = {**(ws.settings or {}), "surveys": stored}
    session.flush()
    return mine


# -- asking ----------------------------------------------------------------------------------------
def do_ask(session: Session, ticket: m.Ticket | None, kind: str, now: datetime,
           conversation: m.Conversation | None = None) -> m.Survey:
    """Ask, or record why not (the gate's refusal is also shown in the timeline as not sent).
    Without a ticket (NPS to a customer with recent activity): in `conversation`."""
    conversation = conversation if ticket is None else ticket.conversation
    verdict = rules.verdict(session, ticket, kind, now, conversation=conversation)
    author, agent_id = rules.responder(session, ticket)
    row = m.Survey(workspace_id=conversation.workspace_id, kind=kind,
                   ticket_id=ticket.id if ticket is not None else None,
                   conversation_id=conversation.id,
                   customer_id=ticket.customer_id if ticket is not None
                   else conversation.customer_id,
                   status="asked" if verdict.ask else "skipped",
                   reason=None if verdict.ask else verdict.reason, control=verdict.control,
                   responder=author, responder_agent_id=agent_id, asked_at=now,
                   expires_at=now + timedelta(days=rules.LINK_DAYS) if verdict.ask else None)
    session.add(row)
    session.flush()
    extra = {"automatic": True, "automation": kind, "survey_id": row.id}
    language, own = conversation.language, rules.own_words(session, conversation.workspace_id)
    if not verdict.ask:
        if verdict.gate is not None:   # the gate refused: the timeline shows it not sent
            text, _ = rules.question(kind, row.id, "link", "", language, own)
            replies.do_block(session, conversation, text=text, author=Author.system,
                             reason=verdict.reason, purpose="response", extra=extra)
        return row
    url = rules.link(row.id, row.expires_at)
    text, quick = rules.question(kind, row.id, verdict.control, url, language, own)
    if quick:
        extra["quick_replies"] = quick
    # for an API client that does not show quick replies: the link, in the callback
    extra["metadata"] = {"survey_id": row.id, "survey_link": url}
    extra["language"] = language   # the thanks and an opt-out's confirmation follow it
    message = replies.do_reply(session, conversation, text=text, author=Author.system,
                               decision=verdict.gate, extra=extra)
    message.ticket_id = ticket.id if ticket is not None else None
    row.message_id = message.id
    session.flush()
    return row


def due_surveys(session: Session, now: datetime | None = None) -> int:
    """The periodic round's step: ask (or skip) every survey that is due. Idempotent: a
    ticket has at most one survey of each kind, asked or skipped."""
    now = now or utcnow()
    done = 0
    for ws in session.query(m.Workspace).all():
        conf = rules.config(session, ws.id)
        for kind in rules.KINDS:
            if not conf[kind]["enabled"]:
                continue
            for ticket in rules.due_tickets(session, ws.id, kind, now):
                do_ask(session, ticket, kind, now)
                done += 1
            if kind == "nps":   # and to a sample of customers active without a solved ticket
                for conversation in rules.due_active(session, ws.id, now):
                    do_ask(session, None, kind, now, conversation=conversation)
                    done += 1
    return done


# -- answers ---------------------------------------------------------------------------------------
def on_message(session: Session, conversation: m.Conversation, row: m.Message) -> bool:
    """The pipeline's call on each customer message: a survey's answer or comment is stored
    (the message stays a message, triaged like any other). True when it was one."""
    found = rules.recognise(session, conversation, row, utcnow())
    if found is None:
        return False
    if row.id is None:
        session.flush()
    row.meta = {**(row.meta or {}), "survey_id": found.survey.id}
    if found.via == "opt_out":
        customer = session.get(m.Customer, conversation.customer_id)
        do_opt_out(session, customer, f"replied {(row.text or '').strip()[:40]!r} to "
                                      f"{found.survey.kind.upper()} survey {found.survey.id}",
                   conversation=conversation, survey=found.survey)
    elif found.score is None:
        do_comment(session, found.survey, found.comment)
    elif found.survey.status == "asked":
        do_answer(session, found.survey, found.score, found.via, message=row,
                  comment=found.comment)
    return True


def check_answer(survey: m.Survey | None, score: Any) -> None:
    if survey is None:
        raise NotFound("no such survey")
    if survey.status == "answered":
        raise Invalid("this survey was answered already: thank you!")
    if survey.status != "asked":
        raise Invalid("this survey was not sent")
    if isinstance(score, bool) or not isinstance(score, int) \
            or score not in rules.SCALE[survey.kind]:
        low, high = rules.SCALE[survey.kind][0], rules.SCALE[survey.kind][-1]
        raise Invalid(f"the score must be a whole number from {low} to {high}", field="score")


def do_answer(session: Session, survey: m.Survey, score: int, via: str,
              message: m.Message | None = None, comment: str | None = None) -> m.Survey:
    survey.status, survey.score, survey.answered_via = "answered", score, via
    survey.answered_at = utcnow()
    survey.answer_message_id = message.id if message is not None else None
    survey.comment = (comment or "").strip()[:4000] or None
    session.flush()
    emit(session, survey.workspace_id, names.SURVEY_ANSWERED, survey_out(survey))
    ticket = session.get(m.Ticket, survey.ticket_id) if survey.ticket_id else None
    if ticket is not None:   # rules of "survey.answered" (automation/run.py)
        from crowdcare.automation import run  # run imports actions
        run.on_event(session, ticket, names.SURVEY_ANSWERED,
                     {"survey.kind": survey.kind, "survey.score": score})
    if via != "link" and survey.comment is None:
        conversation = session.get(m.Conversation, survey.conversation_id)
        gate = replies.window(session, conversation, Author.system)
        if gate.allowed:   # the optional comment: their next words are it
            thanks = replies.do_reply(session, conversation,
                                      text=rules.words(session, conversation, "thanks", survey),
                                      author=Author.system, decision=gate,
                                      extra={"automatic": True, "automation": "survey_thanks",
                                             "survey_id": survey.id})
            thanks.ticket_id = survey.ticket_id
    return survey


def do_comment(session: Session, survey: m.Survey, comment: str | None) -> m.Survey:
    survey.comment = (comment or "").strip()[:4000] or None
    session.flush()
    emit(session, survey.workspace_id, names.SURVEY_ANSWERED, survey_out(survey))
    return survey


# -- opting out ------------------------------------------------------------------------------------
def check_opt_out(session: Session, workspace_id: int, customer_id: int) -> m.Customer:
    from crowdcare.actions import owned

    return owned(session, m.Customer, customer_id, workspace_id, "customer")


def do_opt_out(session: Session, customer: m.Customer, via: str,
               conversation: m.Conversation | None = None,
               survey: m.Survey | None = None) -> m.Customer:
    """No more surveys for this customer (later ones are skipped "opted out"). From a reply
    in a conversation, the customer is told, in their language, through the gate."""
    if customer.surveys_opted_out_at is not None:
        return customer
    customer.surveys_opted_out_at, customer.surveys_opt_out_via = utcnow(), via[:200]
    session.flush()
    emit(session, customer.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(customer))
    if conversation is not None:
        gate = replies.window(session, conversation, Author.system)
        if gate.allowed:
            replies.do_reply(session, conversation,
                             text=rules.words(session, conversation, "opted_out", survey),
                             author=Author.system, decision=gate,
                             extra={"automatic": True, "automation": "survey_opt_out"})
    return customer


def do_opt_in(session: Session, customer: m.Customer) -> m.Customer:
    """Surveys again (an agent's action, when the customer asks for them)."""
    customer.surveys_opted_out_at, customer.surveys_opt_out_via = None, None
    session.flush()
    emit(session, customer.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(customer))
    return customer
