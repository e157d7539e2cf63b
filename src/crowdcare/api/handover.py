"""Thread operations beyond a plain reply: the handover protocol (pass / take / request thread
control) and answers to public comments (in public, or privately in the inbox)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crowdcare.actions import handover
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.api.errors import UPSTREAM
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class HandoverIn(BaseModel):
    action: Literal["pass", "take", "request"]
    target_app_id: str | None = Field(None, max_length=100,
                                      description="pass only; default: the Page Inbox")
    metadata: str | None = Field(None, max_length=1000)


@router.post("/{conversation_id}/handover", responses=UPSTREAM)
def post_handover(conversation_id: Int64, body: HandoverIn, principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    handover.check_handover(conversation, body.action)
    result = handover.do_handover(session, conversation, body.action, body.target_app_id,
                                  body.metadata)
    session.commit()
    return result
