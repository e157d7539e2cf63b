"""The review queues: answers waiting for approval (new advocates'), trusted advocates'
published answers picked for a sample review, and what advocates published (to retract)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crowdcare.actions.serialize import iso
from crowdcare.community import eligibility, visible
from crowdcare.store import models as m

PUBLISHED_PAGE = 50


def _rows(session: Session, workspace_id: int, *where) -> list[m.CommunityAnswer]:
    A = m.CommunityAnswer
    return list(session.scalars(select(A).where(A.workspace_id == workspace_id, *where)
                                .options(joinedload(A.agent), joinedload(A.message),
                                         joinedload(A.conversation))
                                .order_by(A.submitted_at, A.id)).unique())


def pending(session: Session, workspace_id: int) -> list[m.CommunityAnswer]:
    return _rows(session, workspace_id, m.CommunityAnswer.status == "pending")


def samples(session: Session, workspace_id: int) -> list[m.CommunityAnswer]:
    A = m.CommunityAnswer
    return _rows(session, workspace_id, A.status == "published", A.sample.is_(True),
                 A.sample_result.is_(None))


def published(session: Session, workspace_id: int) -> list[m.CommunityAnswer]:
    A = m.CommunityAnswer
    rows = _rows(session, workspace_id, A.status.in_(("published", "retracted")))
    return sorted(rows, key=lambda a: a.published_at or a.submitted_at, reverse=True)[
        :PUBLISHED_PAGE]


def console_note(session: Session, conversation: m.Conversation) -> str | None:
    """What staff see above the composer while the community is on this conversation."""
    claim = eligibility.claim_of(session, conversation.id)
    if claim is not None:
        who = session.get(m.Agent, claim.agent_id)
        return (f"{who.name} (community) is answering this mention, held until "
                f"{claim.expires_at:%H:%M} UTC. A staff answer now takes precedence: theirs "
                "will not be published.")
    waiting = session.scalar(select(m.CommunityAnswer).where(
        m.CommunityAnswer.conversation_id == conversation.id,
        m.CommunityAnswer.status == "pending").limit(1))
    if waiting is not None:
        return (f"An answer by {waiting.agent.name} (community) waits for review in "
                "Community. A staff answer now takes precedence: theirs will not be published.")
    return None


def item(session: Session, answer: m.CommunityAnswer, staff: bool = True) -> dict[str, Any]:
    """A review card. Staff see the conversation's id (to open it in the console) and, for a
    pending answer, whether publishing would go ahead now and why not."""
    conversation = answer.conversation
    out = {
        "id": answer.id, "status": answer.status, "kind": answer.kind,
        "advocate": {"id": answer.agent_id, "name": answer.agent.name, "trust": answer.trust},
        "author": visible.author_handle(conversation),
        "channel": conversation.channel_account.kind,
        "post": {"text": answer.message.text, "url": answer.message.url,
                 "sent_at": iso(answer.message.sent_at)},
        "text": answer.text, "published_text": answer.published_text, "edited": answer.edited,
        "reason": answer.reason, "sample": answer.sample, "sample_result": answer.sample_result,
        "submitted_at": iso(answer.submitted_at), "published_at": iso(answer.published_at),
        "retracted_at": iso(answer.retracted_at), "retract_result": answer.retract_result,
    }
    if staff:
        out["conversation_id"] = conversation.id
    if answer.status == "pending":
        verdict = eligibility.case(session, conversation, answer_id=answer.id).verdict
        out["publishable"] = verdict.ok
        out["why_not"] = verdict.reasons
    return out
