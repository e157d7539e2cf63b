"""Handover protocol: pass the thread to another app (the Page Inbox...), take it back, or ask
for it. The owner is stored on the conversation; the policy gate refuses our sends while
another app owns it."""
from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, Invalid, serialize
from crowdcare.channels import registry
from crowdcare.events import emit, names
from crowdcare.store import accounts
from crowdcare.store import models as m

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
    async with httpx.AsyncClient() as http:
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
