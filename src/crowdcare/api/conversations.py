from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crowdcare.actions import replies, serialize, tickets
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.domain import Author
from crowdcare.store import models as m
from crowdcare.store import queries

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


@router.get("")
def list_conversations(
    status: Literal["open", "closed", "all"] = "open",
    assignee_id: Int64 | None = None, unassigned: bool = False, team_id: Int64 | None = None,
    channel: str | None = None, language: str | None = None, route: str | None = None,
    customer_id: Int64 | None = None, q: str | None = Query(None, max_length=200),
    sort: Literal["priority", "recent"] = "priority",
    limit: Int64 = Query(50, ge=1, le=200), offset: Int64 = Query(0, ge=0),
    principal: Principal = Depends(staff), session: Session = Depends(get_session),
) -> dict[str, Any]:
    rows, total = queries.conversations(session, principal.workspace_id, queries.ConversationFilter(
        status=None if status == "all" else status, assignee_id=assignee_id,
        unassigned=unassigned, team_ids=[team_id] if team_id is not None else None,
        channel=channel, language=language, route=route, customer_id=customer_id, q=q,
        sort=sort, limit=limit, offset=offset))
    return {"items": [serialize.conversation(r) for r in rows], "total": total,
            "limit": limit, "offset": offset}


@router.get("/{conversation_id}")
def get_conversation(conversation_id: Int64, limit: Int64 = Query(200, ge=1, le=1000),
                     principal: Principal = Depends(staff),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    ticket = tickets.current(session, conversation.id)
    return {
        **serialize.conversation(conversation),
        "ticket": serialize.ticket(ticket) if ticket else None,
        "messages": [serialize.message(r) for r in queries.messages(session, conversation.id, limit)],
        "window": _window(session, conversation),
    }


def _window(session: Session, conversation: m.Conversation) -> dict[str, Any]:
    decision = replies.window(session, conversation, Author.agent)
    return {"allowed": decision.allowed, "reason": decision.reason,
            "until": decision.until.isoformat() if decision.until else None,
            "tag": decision.tag}


@router.get("/{conversation_id}/window")
def get_window(conversation_id: Int64, principal: Principal = Depends(staff),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """Whether an agent may send here now, until when, and if not, why (shown before typing)."""
    return _window(session, owned(session, m.Conversation, conversation_id, principal,
                                  "conversation"))


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)
    note: bool = Field(False, description="an internal note: stored, never sent")
    attachments: list[dict[str, Any]] = Field(default_factory=list, max_length=10)
    public: bool = Field(False, description="answer in public, under the customer's post "
                                            "(where the platform allows)")
    reply_to: str | None = Field(None, min_length=1, max_length=255,
                                 description="the post answered: in public, default the "
                                             "customer's newest public post; in private, a "
                                             "private reply to that post")


@router.post("/{conversation_id}/replies", status_code=201)
def reply(conversation_id: Int64, body: ReplyIn,
          principal: Principal = Depends(staff),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """Send an answer (through the policy gate and the channel's sender) or store a note."""
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    row = replies.answer(session, conversation, text=body.text, agent_id=principal.agent_id,
                         note=body.note, attachments=body.attachments, public=body.public,
                         reply_to=body.reply_to)
    session.commit()
    return serialize.message(row)
