"""Sends queued outbound messages through their channel adapter, with retries.

Claimed like deliveries (compare-and-set on next_attempt_at), re-checked against the policy
gate at send time (a window may have closed while it waited), retried with exponential backoff
on retryable failures, and marked failed with the platform's readable reason otherwise.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from crowdcare.actions import ActionError, handover, inbound, replies, serialize
from crowdcare.channels import registry
from crowdcare.domain import MessageStatus, OutboundMessage, Sender, SendResult
from crowdcare.events import bus, emit, names
from crowdcare.metrics import instruments
from crowdcare.outbound import network
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)


def claim(limit: int = 20) -> list[int]:
    now = utcnow()
    lease = now + timedelta(seconds=get_settings().lease_seconds)
    with db.session_scope() as session:
        # Only the oldest queued message of each conversation may go: a customer reads them
        # in the order we wrote them (a receipt before its shipping update), retries included.
        heads = (select(func.min(m.Message.id))
                 .where(m.Message.status == MessageStatus.queued)
                 .group_by(m.Message.conversation_id))
        due = session.scalars(
            select(m.Message.id)
            .where(m.Message.id.in_(heads), m.Message.next_attempt_at <= now)
            .order_by(m.Message.id).limit(limit)).all()
        return [i for i in due if session.execute(
            update(m.Message)
            .where(m.Message.id == i, m.Message.status == MessageStatus.queued,
                   m.Message.next_attempt_at <= now)
            .values(next_attempt_at=lease, attempts=m.Message.attempts + 1)).rowcount]


def prepare(message_id: int):
    """Build the platform request, or block the message if the gate now refuses it."""
    with db.session_scope() as session:
        row = session.get(m.Message, message_id)
        conversation = session.get(m.Conversation, row.conversation_id)
        cannot = replies.undeliverable(conversation.channel_account)
        if cannot:   # failed, not blocked: once the channel is fixed, Retry sends it
            row.status, row.error, row.next_attempt_at = MessageStatus.failed, cannot, None
            emit(session, row.workspace_id, names.MESSAGE_UPDATED, serialize.message(row))
            return None
        context = replies.send_context(session, conversation, row.author,
                                       row.purpose or "response", row.public, row.reply_to,
                                       row.id)
        decision = replies.decide(context)
        if not decision.allowed:
            row.status, row.error, row.next_attempt_at = MessageStatus.blocked, decision.reason, None
            emit(session, row.workspace_id, names.MESSAGE_UPDATED, serialize.message(row))
            return None
        identity = conversation.identity
        meta = row.meta or {}
        out = OutboundMessage(
            message_id=row.id,
            recipient=Sender(external_id=identity.external_id, name=identity.display_name,
                             handle=identity.handle),
            text=row.text or None, attachments=row.attachments or [],
            quick_replies=meta.get("quick_replies", []), buttons=meta.get("buttons", []),
            template=meta.get("template"), messaging_type=decision.messaging_type,
            tag=decision.tag, optin_token=context.optin_token if row.purpose == "marketing" else None,
            reply_to=row.reply_to, public=row.public, metadata=meta.get("metadata", {}),
        )
        return accounts.ref(conversation.channel_account), out


def record(message_id: int, result: SendResult) -> None:
    settings = get_settings()
    with db.session_scope() as session:
        row = session.get(m.Message, message_id)
        if result.ok:
            row.status = MessageStatus.sent
            if row.external_id is None and result.external_id:
                row.external_id = _unused_id(session, row, result.external_id)
            row.error, row.next_attempt_at = None, None
            if (row.meta or {}).get("pass_thread_to"):   # e.g. the bot's hand-off, now said
                _pass_thread(session, row)
        elif result.retryable and row.attempts < settings.send_max_attempts:
            delay = result.retry_after or settings.retry_base_seconds * 2 ** (row.attempts - 1)
            row.error = f"retrying: {result.error}"
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        else:
            row.status, row.error, row.next_attempt_at = MessageStatus.failed, result.error, None
        emit(session, row.workspace_id, names.MESSAGE_UPDATED, serialize.message(row))


def _unused_id(session, row: m.Message, external_id: str) -> str | None:
    """The platform's id for what it accepted, unless another message of the channel holds it
    (a business's endpoint that restarted and counts from 1 again): ids are unique per channel,
    and a failing record would leave the message to be sent again."""
    if not inbound.message_exists(session, row.channel_account_id, external_id):
        return external_id
    log.warning("message %s: the platform answered id %r, which another message holds: "
                "not kept", row.id, external_id)
    return None


def _pass_thread(session, row: m.Message) -> None:
    conversation = session.get(m.Conversation, row.conversation_id)
    try:
        handover.do_handover(session, conversation, "pass", row.meta["pass_thread_to"],
                             "handoff")
    except ActionError as exc:
        log.warning("conversation %s: thread not passed after message %s: %s",
                    conversation.id, row.id, exc.reason)


async def send_one(message_id: int, http: httpx.AsyncClient) -> None:
    prepared = await asyncio.to_thread(prepare, message_id)
    if prepared is None:
        return
    account, out = prepared
    try:
        result = await registry.get(account.kind).send(account, out, http)
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the message
        log.exception("send of message %s raised", message_id)
        result = SendResult(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
    await asyncio.to_thread(record, message_id, result)
    instruments.sent(result.ok)


async def send_pending(http: httpx.AsyncClient, max_rounds: int = 100) -> int:
    total = 0
    for _ in range(max_rounds):
        ids = await asyncio.to_thread(claim)
        if not ids:
            break
        await asyncio.gather(*(send_one(i, http) for i in ids))
        total += len(ids)
    return total


class OutboundWorker:
    def __init__(self) -> None:
        self.wake = asyncio.Event()

    def notify(self) -> None:
        self.wake.set()

    async def _wake_on_queued(self) -> None:
        """Whatever queued a message (a reply, a greeting, a receipt) wakes the sender once it
        is committed: no caller has to remember to."""
        async for ev in bus.current().subscribe():   # created, or queued again (Retry)
            if ev["name"] in (names.MESSAGE_CREATED, names.MESSAGE_UPDATED) and \
                    (ev.get("payload") or {}).get("status") == MessageStatus.queued:
                self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._wake_on_queued())
        stopping = asyncio.create_task(stop.wait())   # a stop ends the sleep, not the next poll
        stopping.add_done_callback(lambda _: self.wake.set())
        try:
            await self._loop(stop)
        finally:
            listener.cancel()
            stopping.cancel()

    async def _loop(self, stop: asyncio.Event) -> None:
        async with network.client() as http:
            while not stop.is_set():
                self.wake.clear()   # before the round: a message queued during it wakes the next
                try:
                    sent = await send_pending(http, max_rounds=1)
                except Exception:  # noqa: BLE001 - keep the loop alive; rows stay queued
                    log.exception("outbound round failed")
                    sent = 0
                if not sent:
                    try:
                        await asyncio.wait_for(self.wake.wait(),
                                               timeout=get_settings().worker_poll_seconds)
                    except TimeoutError:
                        pass
