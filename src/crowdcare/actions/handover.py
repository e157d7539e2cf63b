"""Handover protocol: pass the thread to another app (the Page Inbox...), take it back, or ask
for it. The owner is stored on the conversation; the policy gate refuses our sends while
another app owns it."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, Invalid, serialize
from crowdcare.channels import registry
from crowdcare.events import emit, names
from crowdcare.outbound import network
from crowdcare.store import accounts
from crowdcare.store import models as m

log = logging.getLogger(__name__)
ACTIONS = ("pass", "take", "request")


def check_handover(conversation: m.Conversation, action: str) -> None:
    if action not in ACTIONS:
        raise Invalid(f"action must be one of {', '.join(ACTIONS)}", field="action")
    if conversation.identity is None:
        raise Invalid("this conversation has no channel identity")


async def _call(conversation: m.Conversation, action: str, target_app_id: str | None,
                metadata: str | None):
    account = accounts.ref(conversation.channel_account)
    adapter = registry.get(account.kind)
    async with network.client() as http:
        return await adapter.thread_control(account, conversation.identity.external_id, action,
                                            target_app_id, http, metadata)


def do_handover(session: Session, conversation: m.Conversation, action: str,
                target_app_id: str | None = None, metadata: str | None = None) -> dict:
    """Calls the platform now (an agent waits for the answer), then records the new owner."""
    result = asyncio.run(_call(conversation, action, target_app_id, metadata))
    if not result.ok:
        raise ActionError(f"handover refused: {result.error}", status=409 if not
                          result.retryable else 502)
    if action in ("pass", "take"):
        conversation.thread_owner_app_id = result.external_id
    session.flush()
    emit(session, conversation.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))
    return {"action": action, "thread_owner_app_id": conversation.thread_owner_app_id}


def do_honour_request(session: Session, conversation: m.Conversation, requester_app_id: str,
                      our_app_id: str | None) -> bool:
    """Another app asked for the thread (request_thread_control): while we own it (or nobody
    is recorded as owner), pass it. A replay finds the requester already owning it and does
    nothing; a refusal is logged, never fails the delivery."""
    if conversation.thread_owner_app_id not in (None, our_app_id):
        return False
    if requester_app_id == our_app_id:
        return False
    try:
        do_handover(session, conversation, "pass", requester_app_id)
    except ActionError as exc:
        log.warning("conversation %s: could not honour the thread request of app %s: %s",
                    conversation.id, requester_app_id, exc.reason)
        return False
    return True
