"""Stage 5: apply each event through the actions (the only writers of domain state)."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from crowdcare.actions import away, campaigns, handover, inbound, surveys, threads, tickets
from crowdcare.automation import run as rules
from crowdcare.bots import respond
from crowdcare.domain import (
    ChannelEvent,
    InboundMessage,
    Malformed,
    OptIn,
    OutboundEcho,
    Referral,
    StatusUpdate,
    ThreadControl,
    Unsupported,
)
from crowdcare.pipeline import context, route, triage
from crowdcare.store import models as m

log = logging.getLogger(__name__)


def prefetch(session: Session, batch: list[tuple[m.ChannelAccount, ChannelEvent]]) -> None:
    """Read what a batch's customer messages need (senders, conversations, open tickets,
    stored ids, order context) in a few statements for the batch, not several per message."""
    by_account: dict[m.ChannelAccount, list[InboundMessage]] = {}
    for account, event in batch:
        if isinstance(event, InboundMessage):
            by_account.setdefault(account, []).append(event)
    for account, messages in by_account.items():
        context.prefetch(session, account.workspace_id)
        conversations = threads.prefetch(session, account,
                                         (msg.sender.external_id for msg in messages))
        tickets.prefetch(session, conversations)
        inbound.prefetch(session, account, messages, conversations)


def _thread(session: Session, account: m.ChannelAccount, person) -> m.Conversation:
    """The conversation, flushed if new: the rarer events below write its ids directly."""
    conversation = threads.resolve(session, account, person)
    if conversation.id is None:
        session.flush()
    return conversation


def apply(session: Session, account: m.ChannelAccount, event: ChannelEvent,
          delivery_id: int | None = None) -> None:
    match event:
        case InboundMessage():
            if inbound.message_exists(session, account.id, event.external_id):
                return  # replayed: triage is not run twice either
            conversation = threads.resolve(session, account, event.sender)
            campaign = None
            if event.referral is not None:
                campaign = inbound.do_record_referral(session, account, conversation,
                                                      event.referral)
            tctx = context.for_triage(session, conversation, event)
            result = triage.triage(event.text, tctx)
            decision = route.route(result, context.for_route(session, conversation, event,
                                                             vip=tctx.vip))
            row = inbound.do_receive_message(session, account, conversation, event, result,
                                             decision, delivery_id)
            rules.on_message(session, conversation, row, decision.fired)   # rules' actions
            if row is not None and not surveys.on_message(session, conversation, row):
                respond.on_message(session, conversation, row, result, decision)   # FAQ bot
                away.on_message(session, conversation, row)   # closed: when we reply
            if campaign is not None and not event.standby:   # arrived through a campaign
                campaigns.do_greet(session, conversation, campaign)
        case OutboundEcho():
            conversation = _thread(session, account, event.recipient)
            inbound.do_record_echo(session, account, conversation, event)
        case StatusUpdate():
            conversation = _thread(session, account, event.recipient)
            inbound.do_update_status(session, account, conversation, event)
        case Referral():
            conversation = _thread(session, account, event.sender)
            replayed = conversation.entry_at == event.at and conversation.entry_at is not None
            campaign = inbound.do_record_referral(session, account, conversation, event)
            if campaign is not None and not replayed:
                campaigns.do_greet(session, conversation, campaign)
        case OptIn():
            conversation = _thread(session, account, event.sender)
            inbound.do_record_optin(session, account, conversation, event)
        case ThreadControl():
            conversation = _thread(session, account, event.sender)
            inbound.do_thread_control(session, account, conversation, event)
            if event.action == "request" and event.new_owner_app_id:
                handover.do_honour_request(session, conversation, event.new_owner_app_id,
                                           account.config.get("app_id"))
        case Malformed():   # recorded on its delivery by the worker
            log.warning("account %s: rejected an event it cannot read (%s: %s)",
                        account.id, event.where, event.reason)
        case Unsupported():
            log.info("account %s: unsupported %s event acknowledged (%s)",
                     account.id, event.kind, event.detail)
