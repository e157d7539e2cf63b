"""What arrives from a channel becomes domain state here. Every write is idempotent: the unique
(channel account, external id) of a message makes a redelivered or replayed event a no-op."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crowdcare.actions import serialize, tickets
from crowdcare.domain import (
    Author,
    Direction,
    InboundMessage,
    MessageStatus,
    OptIn,
    OutboundEcho,
    Referral,
    RouteDecision,
    StatusUpdate,
    ThreadControl,
    TriageResult,
)
from crowdcare.events import emit, names
from crowdcare.store import db
from crowdcare.store import models as m

log = logging.getLogger(__name__)
STATUS_ORDER = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}


def message_exists(session: Session, account_id: int, external_id: str) -> bool:
    return db.once(session, ("message", account_id, external_id), lambda: session.scalar(
        select(m.Message.id).where(m.Message.channel_account_id == account_id,
                                   m.Message.external_id == external_id)) is not None)


def _recorded(session: Session, account_id: int, external_id: str | None) -> None:
    if external_id is not None:
        db.remember(session, ("message", account_id, external_id), True)


def prefetch(session: Session, account: m.ChannelAccount, messages: list[InboundMessage],
             conversations: list[m.Conversation]) -> None:
    """Which of a batch's messages are stored already, and the order messages that they may
    answer in their (existing) conversations: two statements for the batch."""
    ids = [msg.external_id for msg in messages]
    found = set(session.scalars(select(m.Message.external_id).where(
        m.Message.channel_account_id == account.id, m.Message.external_id.in_(ids))))
    for external_id in ids:
        db.remember(session, ("message", account.id, external_id), external_id in found)
    if conversations:
        sent = _order_messages(session, [c.id for c in conversations], messages)
        for conversation in conversations:
            db.remember(session, ("order messages", conversation), sent.get(conversation.id, []))


def do_receive_message(
    session: Session, account: m.ChannelAccount, conversation: m.Conversation,
    msg: InboundMessage, result: TriageResult, decision: RouteDecision,
    delivery_id: int | None = None,
) -> m.Message | None:
    if message_exists(session, account.id, msg.external_id):
        return None
    priority = decision.priority if decision.priority is not None else int(result.priority.value)
    row = m.Message(
        workspace_id=account.workspace_id, conversation=conversation,
        channel_account_id=account.id,
        direction=Direction.inbound, author=Author.customer, kind=msg.kind, public=msg.public,
        external_id=msg.external_id, reply_to=msg.reply_to, text=msg.text,
        attachments=msg.attachments, meta={**msg.metadata, **({"standby": True} if msg.standby else {})},
        url=msg.url, status=MessageStatus.received, triage=result.to_dict(),
        language=str(result.language.value), priority=priority, route=decision.route,
        route_reasons=decision.reasons + ([f"fallback from {decision.fallback_from}"]
                                          if decision.fallback_from else []),
        order_id=_order_context(session, conversation, msg), delivery_id=delivery_id,
        sent_at=msg.sent_at,
    )
    session.add(row)
    _recorded(session, account.id, msg.external_id)
    # a request opens or joins the ticket; its route, priority and escalation follow the
    # rules of conversations.state (folded at commit, when the message has its id)
    row.ticket = ticket = tickets.on_customer_message(session, conversation, row, decision.route)
    if ticket is not None and decision.team:
        team_id = db.once(session, ("team", account.workspace_id, decision.team),
                          lambda: session.scalar(select(m.Team.id).where(
                              m.Team.workspace_id == account.workspace_id,
                              m.Team.name == decision.team)))
        if team_id is not None:
            ticket.team_id = conversation.team_id = team_id
    conversation.last_message_at = msg.sent_at
    conversation.last_inbound_at = max(filter(None, (conversation.last_inbound_at, msg.sent_at)))
    conversation.last_preview = (msg.text or f"[{msg.kind}]")[:200]
    conversation.language = row.language
    conversation.status = "open" if ticket is not None else "closed"
    # made at commit, after the one flush that gives the batch's new rows their ids
    emit(session, account.workspace_id, names.MESSAGE_CREATED, lambda: serialize.message(row))
    emit(session, account.workspace_id, names.CONVERSATION_UPDATED,
         lambda: serialize.conversation(conversation))
    return row


REPLY_WINDOW = timedelta(hours=24)   # a message this soon after a receipt is about its order


def _order_messages(session: Session, conversation_ids: list[int],
                    messages: list[InboundMessage]) -> dict[int, list[tuple[str | None, int, datetime]]]:
    """Our order messages (receipts, shipping updates) in these conversations that these
    messages may answer, newest first: those sent in the window before them, or replied to."""
    since = min(msg.sent_at for msg in messages) - REPLY_WINDOW
    replied = [msg.reply_to for msg in messages if msg.reply_to]
    rows = session.execute(
        select(m.Message.conversation_id, m.Message.external_id, m.Message.order_id,
               m.Message.sent_at)
        .where(m.Message.conversation_id.in_(conversation_ids),
               m.Message.direction == Direction.outbound, m.Message.order_id.is_not(None),
               or_(m.Message.sent_at >= since, m.Message.external_id.in_(replied)))
        .order_by(m.Message.id.desc()))
    out: dict[int, list] = {}
    for conversation_id, external_id, order_id, sent_at in rows:
        out.setdefault(conversation_id, []).append((external_id, order_id, sent_at))
    return out


def _order_context(session: Session, conversation: m.Conversation, msg: InboundMessage) -> int | None:
    """A reply to a receipt or shipping update carries that order as context."""
    sent = db.once(session, ("order messages", conversation), lambda: _order_messages(
        session, [conversation.id], [msg]).get(conversation.id, []) if conversation.id else [])
    if msg.reply_to:
        for external_id, order_id, _ in sent:
            if external_id == msg.reply_to:
                return order_id
    since = msg.sent_at - REPLY_WINDOW
    return next((order_id for _, order_id, at in sent if at >= since), None)


def do_record_echo(session: Session, account: m.ChannelAccount, conversation: m.Conversation,
                   echo: OutboundEcho) -> m.Message | None:
    """Our own sends are matched to their message; the page's sends from other tools are
    recorded once as outbound messages."""
    if message_exists(session, account.id, echo.external_id):
        return None
    ours = None
    if echo.metadata and echo.metadata.isdigit():
        ours = session.get(m.Message, int(echo.metadata))
        if ours is not None and ours.channel_account_id != account.id:
            ours = None
    if ours is not None:
        if ours.external_id is None:
            ours.external_id = echo.external_id
            _recorded(session, account.id, echo.external_id)
            if STATUS_ORDER.get(ours.status, -1) < STATUS_ORDER["sent"]:
                ours.status = MessageStatus.sent
            emit(session, account.workspace_id, names.MESSAGE_UPDATED, serialize.message(ours))
        return ours
    row = m.Message(
        workspace_id=account.workspace_id, conversation=conversation,
        channel_account_id=account.id, direction=Direction.outbound, author=Author.agent,
        external_id=echo.external_id, text=echo.text, attachments=echo.attachments,
        meta={"source": "echo", "app_id": echo.app_id}, status=MessageStatus.sent,
        sent_at=echo.sent_at,
    )
    session.add(row)
    _recorded(session, account.id, echo.external_id)
    conversation.last_message_at = echo.sent_at
    emit(session, account.workspace_id, names.MESSAGE_CREATED, lambda: serialize.message(row))
    return row


def do_update_status(session: Session, account: m.ChannelAccount, conversation: m.Conversation,
                     status: StatusUpdate) -> int:
    """Delivery and read receipts only move a message forward: sent → delivered → read."""
    rank = STATUS_ORDER[status.status]
    lower = [s for s, r in STATUS_ORDER.items() if 0 < r < rank]
    query = select(m.Message).where(
        m.Message.conversation_id == conversation.id,
        m.Message.direction == Direction.outbound, m.Message.status.in_(lower))
    if status.external_ids:
        query = query.where(m.Message.external_id.in_(status.external_ids))
    elif status.watermark is not None:
        query = query.where(m.Message.sent_at <= status.watermark)
    else:
        return 0
    rows = session.scalars(query).all()
    for row in rows:
        row.status = status.status
        emit(session, account.workspace_id, names.MESSAGE_UPDATED, serialize.message(row))
    return len(rows)


def do_record_referral(session: Session, account: m.ChannelAccount,
                       conversation: m.Conversation, referral: Referral) -> m.Campaign | None:
    """Attribute the conversation to its entry point; the referral also opens the window."""
    campaign = None
    if referral.ref:
        campaign = session.scalar(select(m.Campaign).where(
            m.Campaign.workspace_id == account.workspace_id, m.Campaign.ref == referral.ref))
    conversation.campaign_id = campaign.id if campaign else conversation.campaign_id
    conversation.entry_source = referral.source
    conversation.entry_ad_id = referral.ad_id
    conversation.entry_at = referral.at
    conversation.last_inbound_at = max(filter(None, (conversation.last_inbound_at, referral.at)))
    session.flush()
    emit(session, account.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))
    return campaign


def do_record_optin(session: Session, account: m.ChannelAccount, conversation: m.Conversation,
                    optin: OptIn) -> m.OptInToken | None:
    if not optin.token:
        return None
    row = session.scalar(select(m.OptInToken).where(
        m.OptInToken.channel_account_id == account.id, m.OptInToken.token == optin.token))
    if row is None:
        row = m.OptInToken(workspace_id=account.workspace_id, channel_account_id=account.id,
                           customer_id=conversation.customer_id, token=optin.token)
        session.add(row)
    row.topic = optin.topic or row.topic
    row.status = optin.status
    row.expires_at = optin.expires_at
    session.flush()
    emit(session, account.workspace_id, names.CUSTOMER_UPDATED,
         {"customer_id": conversation.customer_id, "optin": {"topic": row.topic,
                                                              "status": row.status}})
    return row


def do_thread_control(session: Session, account: m.ChannelAccount,
                      conversation: m.Conversation, control: ThreadControl) -> None:
    if control.action in ("pass", "take") and control.new_owner_app_id is not None:
        conversation.thread_owner_app_id = control.new_owner_app_id
    session.flush()
    emit(session, account.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))

