"""Agents', bots' and automations' messages out: every one passes the policy gate first."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, serialize, sla, tickets
from crowdcare.channels import registry
from crowdcare.domain import Author, Direction, MessageStatus
from crowdcare.events import emit, names
from crowdcare.outbound.policy import PolicyDecision, SendContext, decide
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

# canned-response variables: {{customer.name}} or {customer_name}; one left {{like.this}} in an
# answer was never filled in
VARIABLE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}|\{([a-z_]+)\}")
UNFILLED = re.compile(r"\{\{\s*[a-z]+\.[a-z_]+\s*\}\}")


def send_context(session: Session, conversation: m.Conversation, author: str,
                 purpose: str = "response", public: bool = False, reply_to: str | None = None,
                 message_id: int | None = None) -> SendContext:
    account = conversation.channel_account
    adapter = registry.get(account.kind)
    optin = None
    if purpose == "marketing":
        optin = session.scalar(
            select(m.OptInToken)
            .where(m.OptInToken.channel_account_id == account.id,
                   m.OptInToken.customer_id == conversation.customer_id,
                   m.OptInToken.status == "active")
            .order_by(m.OptInToken.id.desc()).limit(1))
    private_data: tuple[str, ...] = ()
    if public:   # the post a public answer goes under: its private data forbids answering there
        last = session.scalar(
            select(m.Message)
            .where(m.Message.conversation_id == conversation.id,
                   m.Message.direction == Direction.inbound, m.Message.public.is_(True))
            .order_by(m.Message.id.desc()).limit(1))
        private_data = tuple(((last.triage or {}).get("pii") or {}).get("value") or ()) \
            if last is not None else ()
    return SendContext(
        policy=adapter.policy, author=author, purpose=purpose, now=utcnow(),
        last_inbound_at=conversation.last_inbound_at,
        optin_token=optin.token if optin else None,
        optin_expires_at=optin.expires_at if optin else None,
        optin_active=optin is not None,
        thread_owner_app_id=conversation.thread_owner_app_id,
        our_app_id=account.config.get("app_id"),
        public=public, private_data=private_data,
        answered_by=_answered_by(session, conversation, author, reply_to, message_id)
        if public and reply_to else None,
    )


ANSWERING = (MessageStatus.queued, MessageStatus.sent, MessageStatus.delivered,
             MessageStatus.read)


def _answered_by(session: Session, conversation: m.Conversation, author: str, reply_to: str,
                 message_id: int | None) -> str | None:
    """Another public answer under the same post, when it or this one is a community
    advocate's: the second never goes out (the sender asks again before sending)."""
    query = select(m.Message.author).where(
        m.Message.conversation_id == conversation.id, m.Message.reply_to == reply_to,
        m.Message.direction == Direction.outbound, m.Message.public.is_(True),
        m.Message.status.in_(ANSWERING))
    if message_id is not None:
        query = query.where(m.Message.id < message_id)
    if author != Author.advocate:
        query = query.where(m.Message.author == Author.advocate)
    first = session.scalar(query.order_by(m.Message.id).limit(1))
    if first is None:
        return None
    return "by a community advocate" if first == Author.advocate else "by staff"


def undeliverable(account: m.ChannelAccount) -> str | None:
    """Why nothing sent on this channel account can reach anyone now (None: it can)."""
    if not account.active:
        return f"the channel '{account.name}' is disabled: an admin enables it in Admin → Channels"
    adapter = registry.get(account.kind)
    if adapter is None:
        return f"the {account.kind} channel is not installed in this version"
    try:
        config = adapter.config_model.model_validate(account.config)
    except ValueError as exc:
        return f"the channel's settings are invalid ({exc.__class__.__name__}): fix them in Admin"
    return adapter.cannot_send(config)


def window(session: Session, conversation: m.Conversation, author: str = Author.agent,
           purpose: str = "response", public: bool = False,
           reply_to: str | None = None) -> PolicyDecision:
    """May this author send here now, until when, and if not, why (a channel that cannot
    deliver at all says so first)."""
    blocked = undeliverable(conversation.channel_account)
    if blocked:
        return PolicyDecision(False, blocked)
    return decide(send_context(session, conversation, author, purpose, public, reply_to))


def check_reply(session: Session, conversation: m.Conversation, author: str, note: bool,
                purpose: str = "response", public: bool = False,
                reply_to: str | None = None) -> PolicyDecision | None:
    if note:
        return None
    decision = window(session, conversation, author, purpose, public, reply_to)
    if not decision.allowed:
        raise Conflict(decision.reason)
    return decision


def do_reply(
    session: Session, conversation: m.Conversation, *, text: str, author: str,
    agent_id: int | None = None, note: bool = False, decision: PolicyDecision | None = None,
    attachments: list[dict[str, Any]] | None = None, purpose: str = "response",
    public: bool = False, reply_to: str | None = None, order_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> m.Message:
    """Queue the message for the sender (or store the note). The sender re-checks the gate."""
    now = utcnow()
    ticket = tickets.current(session, conversation.id)
    row = m.Message(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        channel_account_id=conversation.channel_account_id,
        ticket_id=ticket.id if ticket else None, direction=Direction.outbound, author=author,
        agent_id=agent_id, kind="note" if note else "message", public=public, text=text,
        attachments=attachments or [], reply_to=reply_to, order_id=order_id,
        status=MessageStatus.note if note else MessageStatus.queued,
        purpose=None if note else purpose, next_attempt_at=None if note else now,
        meta={**(extra or {}), **({"messaging_type": decision.messaging_type,
                                   "tag": decision.tag} if decision else {})},
        sent_at=now,
    )
    session.add(row)
    if not note:
        conversation.last_message_at = now
        conversation.last_preview = text[:200]
        if ticket is not None and author == Author.agent:
            # a person's answer answers every request before it: the ticket's priority
            # falls. The bot's never does (nor is it a first response): until the customer
            # says it helped, the request still waits, so a hand-off finds it waiting.
            ticket.first_response_at = ticket.first_response_at or now
            if ticket.status == "new":
                ticket.status = "open"
            tickets.on_answer(session, ticket, tickets.agent_name(session, agent_id))
        elif ticket is not None:   # an advocate's or the bot's: its SLA policy says if it counts
            sla.refresh_at_commit(session, ticket)
    session.flush()
    emit(session, conversation.workspace_id, names.MESSAGE_CREATED, serialize.message(row))
    if not note and ticket is not None:
        emit(session, conversation.workspace_id, names.CONVERSATION_UPDATED,
             serialize.conversation(conversation))
    return row


def last_public_post(session: Session, conversation: m.Conversation) -> str | None:
    """The platform id of the customer's newest public post here (a mention, a comment)."""
    return session.scalar(select(m.Message.external_id).where(
        m.Message.conversation_id == conversation.id, m.Message.direction == Direction.inbound,
        m.Message.public.is_(True)).order_by(m.Message.id.desc()).limit(1))


def answer(session: Session, conversation: m.Conversation, *, text: str, agent_id: int | None,
           note: bool = False, attachments: list[dict[str, Any]] | None = None,
           public: bool = False, reply_to: str | None = None) -> m.Message:
    """An agent's answer, on every channel: an internal note; a private message (with
    `reply_to`, a private reply to that post: Messenger answers a comment in the commenter's
    inbox, X sends a direct message); or a public reply under the customer's post (`reply_to`,
    default their newest public post). The policy gate decides; private data in the post
    forbids a public answer (409 with the reason)."""
    if note and (public or reply_to):
        raise Invalid("a note is stored, never sent: it cannot be public or reply to a post",
                      field="note")
    unfilled = UNFILLED.search(text or "")
    if unfilled and not note:
        raise Invalid(f"fill in {unfilled.group(0)} first: the customer would read it as it is",
                      field="text")
    if public and reply_to is None:
        reply_to = last_public_post(session, conversation)
        if reply_to is None:
            raise Conflict("no public post in this conversation to answer in public")
    decision = check_reply(session, conversation, Author.agent, note, public=public,
                           reply_to=reply_to if public else None)
    private_reply = bool(reply_to) and not public and not note
    row = do_reply(session, conversation, text=text, author=Author.agent, agent_id=agent_id,
                   note=note, decision=decision, attachments=attachments, public=public,
                   reply_to=reply_to,
                   extra={"metadata": {"private_reply": True}} if private_reply else None)
    ticket = session.get(m.Ticket, row.ticket_id) if row.ticket_id else None
    if not note and agent_id and ticket is not None and ticket.assignee_id is None:
        # who answers an unassigned ticket takes it
        tickets.do_update(session, ticket, {"assignee_id": agent_id},
                          by=tickets.agent_name(session, agent_id))
    return row


def do_block(session: Session, conversation: m.Conversation, *, text: str, author: str,
             reason: str, purpose: str, order_id: int | None = None,
             extra: dict[str, Any] | None = None) -> m.Message:
    """An automation's message the gate refused: recorded as not sent, with the reason."""
    row = m.Message(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        channel_account_id=conversation.channel_account_id, direction=Direction.outbound,
        author=author, text=text, status=MessageStatus.blocked, error=reason, purpose=purpose,
        order_id=order_id, meta=extra or {}, sent_at=utcnow(),
    )
    session.add(row)
    session.flush()
    emit(session, conversation.workspace_id, names.MESSAGE_CREATED, serialize.message(row))
    return row


def check_retry(session: Session, message: m.Message) -> None:
    if message.direction != Direction.outbound or message.status != MessageStatus.failed:
        raise Conflict(f"message {message.id} is {message.status}: only a failed message can "
                       "be retried")
    conversation = session.get(m.Conversation, message.conversation_id)
    blocked = undeliverable(conversation.channel_account)
    if blocked:
        raise Conflict(f"still cannot send: {blocked}")


def do_retry(session: Session, message: m.Message) -> m.Message:
    """Queue a failed message again (the sender asks the gate again, and keeps the order:
    an older queued message goes before newer ones)."""
    message.status, message.error = MessageStatus.queued, None
    message.attempts, message.next_attempt_at = 0, utcnow()
    session.flush()
    emit(session, message.workspace_id, names.MESSAGE_UPDATED, serialize.message(message))
    return message
