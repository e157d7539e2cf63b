"""Thread operations beyond a plain reply: the handover protocol (pass / take / request thread
control) and answers to public comments (in public, or privately in the inbox)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crowdcare.actions import handover, replies, serialize
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.domain import Author
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class HandoverIn(BaseModel):
    action: Literal["pass", "take", "request"]
    target_app_id: str | None = Field(None, max_length=100,
                                      description="pass only; default: the Page Inbox")
    metadata: str | None = Field(None, max_length=1000)


@router.post("/{conversation_id}/handover")
def post_handover(conversation_id: int, body: HandoverIn, principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    handover.check_handover(conversation, body.action)
    result = handover.do_handover(session, conversation, body.action, body.target_app_id,
                                  body.metadata)
    session.commit()
    return result


class CommentReplyIn(BaseModel):
    reply_to: str = Field(min_length=1, max_length=255, description="the comment or post id")
    text: str = Field(min_length=1, max_length=8000)
    private: bool = Field(False, description="answer in the customer's inbox, not in public")


@router.post("/{conversation_id}/comment-replies", status_code=201)
def comment_reply(conversation_id: int, body: CommentReplyIn,
                  principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """Answer a public comment in public, or privately in the commenter's inbox."""
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    public = not body.private
    decision = replies.check_reply(session, conversation, Author.agent, False, public=public)
    row = replies.do_reply(session, conversation, text=body.text, author=Author.agent,
                           agent_id=principal.agent_id, decision=decision, public=public,
                           reply_to=body.reply_to,
                           extra={"metadata": {"private_reply": True}} if body.private else None)
    session.commit()
    return serialize.message(row)
