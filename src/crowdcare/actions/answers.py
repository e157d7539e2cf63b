"""Community answers, from claim to outcome: claim a post (a lease), submit a draft (checked,
paced), review it (approve, edit and approve, reject with a reason), publish it through the
one replies action and the policy gate, retract it (the platform's delete call), hand a post
over to staff, and the points each outcome earns.

Eligibility (community/eligibility.py) is decided again at claim, at submit and at publish;
at most one live answer holds a post (a unique index), and a claim is one row per
conversation changed by compare-and-set, so two advocates never answer the same mention."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, Conflict, Invalid, NotFound, advocates, replies, tickets
from crowdcare.channels import registry
from crowdcare.community import drafts, eligibility, points, trust
from crowdcare.community import settings as community_settings
from crowdcare.domain import Author, Direction, Route, TicketStatus
from crowdcare.events import emit, names
from crowdcare.store import accounts, db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

GONE = "No such mention (or it is no longer in the community queue)."


def _settings(session: Session, workspace_id: int) -> community_settings.CommunitySettings:
    return community_settings.of(session.get(m.Workspace, workspace_id))


def _nudge(session: Session, workspace_id: int, conversation_id: int) -> None:
    """Every advocate's queue redraws (the payload carries no content)."""
    emit(session, workspace_id, names.COMMUNITY_QUEUE, {"conversation_id": conversation_id},
         audience=names.ADVOCATES)


def _notice(session: Session, answer: m.CommunityAnswer, kind: str, text: str) -> None:
    emit(session, answer.workspace_id, names.COMMUNITY_NOTICE,
         {"kind": kind, "text": text, "answer_id": answer.id, "status": answer.status},
         audience=names.agent(answer.agent_id))


def _staff(session: Session, answer: m.CommunityAnswer) -> None:
    emit(session, answer.workspace_id, names.COMMUNITY_ANSWER,
         {"id": answer.id, "conversation_id": answer.conversation_id, "status": answer.status,
          "agent_id": answer.agent_id})


# --- what an advocate may open ----------------------------------------------------------------

def visible_case(session: Session, agent: m.Agent, conversation_id: int) -> eligibility.Case:
    """The case if the advocate may see it now, else 404 (a private conversation, another
    workspace's, or one that left the queue look the same: nothing is disclosed)."""
    conversation = session.get(m.Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != agent.workspace_id:
        raise NotFound(GONE)
    case = eligibility.case(session, conversation)
    if not case.verdict.ok:
        raise NotFound(GONE)
    return case


def do_record_exposures(session: Session, agent: m.Agent, posts: list[m.Message]) -> None:
    """Remember when the advocate was first shown each post (the report re-checks them)."""
    ids = [p.id for p in posts]
    if not ids:
        return
    known = set(session.scalars(select(m.CommunityExposure.message_id).where(
        m.CommunityExposure.agent_id == agent.id, m.CommunityExposure.message_id.in_(ids))))
    now = utcnow()
    for message_id in ids:
        if message_id not in known:
            session.add(m.CommunityExposure(workspace_id=agent.workspace_id, agent_id=agent.id,
                                            message_id=message_id, shown_at=now))
    session.flush()


# --- claims -------------------------------------------------------------------------------

def do_claim(session: Session, agent: m.Agent, case: eligibility.Case) -> m.CommunityClaim:
    """Take the lease, or 409 when someone else holds it: one compare-and-set UPDATE of the
    conversation's claim row, else an INSERT that the unique conversation_id lets only one
    advocate win."""
    now = utcnow()
    lease = now + timedelta(minutes=_settings(session, agent.workspace_id).lease_minutes)
    C = m.CommunityClaim
    taken = session.execute(
        update(C).where(C.conversation_id == case.conversation.id,
                        (C.expires_at <= now) | (C.agent_id == agent.id))
        .values(agent_id=agent.id, message_id=case.post.id, claimed_at=now, expires_at=lease)
        .execution_options(synchronize_session=False)).rowcount
    if not taken:
        try:
            with session.begin_nested():
                session.add(C(workspace_id=agent.workspace_id, conversation_id=case.conversation.id,
                              message_id=case.post.id, agent_id=agent.id, claimed_at=now,
                              expires_at=lease))
        except IntegrityError:
            raise Conflict("Being answered by another advocate.") from None
    do_record_exposures(session, agent, [case.post])
    _nudge(session, agent.workspace_id, case.conversation.id)
    return session.scalar(select(C).where(C.conversation_id == case.conversation.id))


def do_renew(session: Session, agent: m.Agent, conversation_id: int) -> m.CommunityClaim:
    """Typing keeps the lease (renewed while it is still held)."""
    now = utcnow()
    lease = now + timedelta(minutes=_settings(session, agent.workspace_id).lease_minutes)
    C = m.CommunityClaim
    if not session.execute(update(C).where(
            C.conversation_id == conversation_id, C.agent_id == agent.id, C.expires_at > now)
            .values(expires_at=lease).execution_options(synchronize_session=False)).rowcount:
        raise Conflict("Your claim expired: claim the mention again.")
    return session.scalar(select(C).where(C.conversation_id == conversation_id))


def do_release(session: Session, agent: m.Agent, conversation_id: int) -> bool:
    gone = session.execute(delete(m.CommunityClaim).where(
        m.CommunityClaim.conversation_id == conversation_id,
        m.CommunityClaim.agent_id == agent.id)).rowcount
    if gone:
        _nudge(session, agent.workspace_id, conversation_id)
    return bool(gone)


def _held(session: Session, agent: m.Agent, case: eligibility.Case) -> None:
    """Submitting needs the claim (taken again if it lapsed and nobody else took it)."""
    claim = case.claim
    if claim is not None and claim.agent_id != agent.id:
        raise Conflict("Being answered by another advocate.")
    if claim is not None and claim.message_id != case.post.id:
        raise Conflict("The customer wrote again: read the new post first.")
    if claim is None:
        do_claim(session, agent, case)


# --- submitting -----------------------------------------------------------------------------

def check_pace(session: Session, agent: m.Agent,
               settings: community_settings.CommunitySettings) -> None:
    A = m.CommunityAnswer
    now = utcnow()
    last = session.scalar(select(func.max(A.submitted_at)).where(
        A.agent_id == agent.id, A.kind == "answer"))
    if last is not None and (now - last).total_seconds() < settings.pace_seconds:
        wait = settings.pace_seconds - (now - last).total_seconds()
        raise Conflict(f"Take a breath: {settings.pace_seconds:g} s between two answers "
                       f"(wait {wait:.0f} s more).")
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = session.scalar(select(func.count()).select_from(A).where(
        A.agent_id == agent.id, A.kind == "answer", A.submitted_at >= day))
    if today >= settings.daily_cap:
        raise Conflict(f"That is today's {settings.daily_cap} answers: thank you! The queue "
                       "opens again tomorrow (UTC).")


def check_draft(session: Session, agent: m.Agent, conversation: m.Conversation,
                text: str) -> tuple[str, list[drafts.Problem]]:
    """(the text as it would be published, the problems that stop it)."""
    ws = session.get(m.Workspace, conversation.workspace_id)
    settings = community_settings.of(ws)
    signature = community_settings.signature(settings, ws, agent.name)
    problems = drafts.check(text, settings, conversation.channel_account.kind, signature)
    return drafts.with_signature(text, signature), problems


def check_submit(session: Session, agent: m.Agent, conversation_id: int,
                 text: str) -> tuple[eligibility.Case, str]:
    conversation = session.get(m.Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != agent.workspace_id:
        raise NotFound(GONE)
    case = eligibility.case(session, conversation)
    claim = case.claim
    if not case.verdict.ok:
        if claim is not None and claim.agent_id == agent.id:   # they were answering it
            raise Conflict("This mention left the queue: " + case.verdict.why() + ".")
        raise NotFound(GONE)
    _held(session, agent, case)
    check_pace(session, agent, _settings(session, agent.workspace_id))
    published, problems = check_draft(session, agent, conversation, text)
    if problems:
        raise Invalid(" ".join(p.reason for p in problems), field="text")
    return case, published


def do_submit(session: Session, agent: m.Agent, case: eligibility.Case, text: str,
              published_text: str) -> m.CommunityAnswer:
    """New advocates' answers wait for review; trusted and lead advocates' publish now (1 in
    `sample_one_in` is reviewed after publishing)."""
    profile = advocates.profile(session, agent)
    settings = _settings(session, agent.workspace_id)
    now = utcnow()
    answer = m.CommunityAnswer(
        workspace_id=agent.workspace_id, conversation_id=case.conversation.id,
        message_id=case.post.id, agent_id=agent.id, kind="answer", text=text.strip(),
        published_text=published_text, status="pending", trust=profile.trust, submitted_at=now)
    try:
        with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        raise Conflict("Another answer to this post is already waiting or published.") from None
    session.execute(delete(m.CommunityClaim).where(
        m.CommunityClaim.conversation_id == case.conversation.id))
    _nudge(session, agent.workspace_id, case.conversation.id)
    if profile.trust == trust.NEW:
        _staff(session, answer)
        _notice(session, answer, "submitted", "Thanks! Your answer waits for a reviewer.")
        return answer
    published = session.scalar(select(func.count()).select_from(m.CommunityAnswer).where(
        m.CommunityAnswer.agent_id == agent.id, m.CommunityAnswer.status == "published",
        m.CommunityAnswer.reviewed_at.is_(None)))
    answer.sample = (published % settings.trust.sample_one_in) == settings.trust.sample_one_in - 1
    do_publish(session, answer)
    return answer


def do_publish(session: Session, answer: m.CommunityAnswer) -> bool:
    """Publish through the policy gate, after deciding eligibility once more; an answer whose
    post is no longer eligible is withdrawn with the reason (no points lost)."""
    conversation = session.get(m.Conversation, answer.conversation_id)
    case = eligibility.case(session, conversation, answer_id=answer.id)
    reason = None if case.verdict.ok else case.verdict.why()
    if reason is None and case.post.id != answer.message_id:
        reason = "the customer wrote again"
    decision = None
    if reason is None:
        try:
            decision = replies.check_reply(session, conversation, Author.advocate, note=False,
                                           public=True, reply_to=case.post.external_id)
        except ActionError as exc:
            reason = exc.reason
    if reason is not None:
        answer.status, answer.reason = "withdrawn", f"not published: {reason}"
        session.flush()
        _staff(session, answer)
        _nudge(session, answer.workspace_id, answer.conversation_id)
        _notice(session, answer, "withdrawn", f"Your answer was not published: {reason}. "
                                              "No points lost.")
        return False
    msg = replies.do_reply(session, conversation, text=answer.published_text, author=Author.advocate,
                           agent_id=answer.agent_id, decision=decision, public=True,
                           reply_to=case.post.external_id,
                           extra={"community": {"answer_id": answer.id}})
    now = utcnow()
    answer.status, answer.published_at, answer.reply_message_id = "published", now, msg.id
    ticket = tickets.current(session, conversation.id)
    if ticket is not None:   # answered: waiting on the customer, who reopens it by writing
        ticket.first_response_at = ticket.first_response_at or now
        ticket.status = TicketStatus.pending
        emit(session, ticket.workspace_id, names.TICKET_UPDATED, lambda: _ticket(ticket))
    session.flush()
    award(session, answer, "published")
    _staff(session, answer)
    _nudge(session, answer.workspace_id, answer.conversation_id)
    _notice(session, answer, "published", "Your answer is published. Thank you!")
    return True


def _ticket(ticket: m.Ticket) -> dict:
    from crowdcare.actions import serialize

    return serialize.ticket(ticket)


# --- review --------------------------------------------------------------------------------

def get_answer(session: Session, workspace_id: int, answer_id: int) -> m.CommunityAnswer:
    row = session.get(m.CommunityAnswer, answer_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"answer {answer_id} not found")
    return row


def check_review(session: Session, reviewer: m.Agent, answer: m.CommunityAnswer,
                 sample: bool = False) -> None:
    """Staff review any answer; a lead advocate reviews new advocates' answers, not their own."""
    if sample:
        if answer.status != "published" or not answer.sample or answer.sample_result:
            raise Conflict("This answer is not waiting for a sample review.")
    elif answer.status != "pending":
        raise Conflict(f"This answer is {answer.status}, not waiting for review.")
    if reviewer.role == "advocate":
        lead = advocates.profile(session, reviewer)
        if lead.trust != trust.LEAD or answer.agent_id == reviewer.id or answer.trust != trust.NEW:
            raise NotFound(f"answer {answer.id} not found")


def do_approve(session: Session, reviewer: m.Agent, answer: m.CommunityAnswer,
               edited_text: str | None = None) -> bool:
    agent = session.get(m.Agent, answer.agent_id)
    if edited_text is not None and edited_text.strip() and edited_text.strip() != answer.text:
        published, problems = check_draft(session, agent, answer.conversation, edited_text)
        if problems:
            raise Invalid(" ".join(p.reason for p in problems), field="text")
        answer.published_text, answer.edited = published, True
    answer.reviewed_by_id, answer.reviewed_at = reviewer.id, utcnow()
    ok = do_publish(session, answer)
    if ok and not answer.edited:
        award(session, answer, "unedited")
    if ok:
        _notice(session, answer, "approved", "Approved" + (" with edits" if answer.edited
                                                          else " as written") + " and published.")
    advocates.do_reevaluate(session, advocates.profile(session, agent))
    return ok


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < 3:
        raise Invalid("Give the advocate a reason (they see it).", field="reason")
    return reason[:1000]


def do_reject(session: Session, reviewer: m.Agent, answer: m.CommunityAnswer,
              reason: str) -> None:
    answer.status, answer.reason = "rejected", reason
    answer.reviewed_by_id, answer.reviewed_at = reviewer.id, utcnow()
    session.flush()
    award(session, answer, "rejected")
    _staff(session, answer)
    _nudge(session, answer.workspace_id, answer.conversation_id)   # back in the queue
    _notice(session, answer, "rejected", f"Your answer was not approved: {reason}")
    advocates.do_reevaluate(session, advocates.profile(session, session.get(m.Agent,
                                                                            answer.agent_id)))


def do_sample(session: Session, reviewer: m.Agent, answer: m.CommunityAnswer, fine: bool,
              reason: str = "") -> None:
    """A trusted advocate's published answer, reviewed afterwards: fine, or could be better
    (with a word for the advocate). Retracting is `retract`."""
    answer.sample_result = "fine" if fine else "weak"
    answer.reviewed_by_id, answer.reviewed_at = reviewer.id, utcnow()
    if reason:
        answer.reason = reason
    session.flush()
    if fine:
        award(session, answer, "unedited")
    _staff(session, answer)
    _notice(session, answer, "sampled", "A reviewer read your published answer: "
            + ("well done." if fine else f"could be better: {reason}"))
    advocates.do_reevaluate(session, advocates.profile(session, session.get(m.Agent,
                                                                            answer.agent_id)))


# --- retraction: the platform's delete call, recorded either way ---------------------------

def check_retract(session: Session, answer: m.CommunityAnswer) -> None:
    if answer.status != "published":
        raise Conflict(f"Only a published answer can be retracted (this one is {answer.status}).")


def _prepare_retract(answer_id: int):
    with db.session_scope() as session:
        answer = session.get(m.CommunityAnswer, answer_id)
        msg = session.get(m.Message, answer.reply_message_id) if answer.reply_message_id else None
        if msg is None or not msg.external_id:
            return None, None, msg.status if msg else None
        return accounts.ref(msg.conversation.channel_account), msg.external_id, msg.status


async def retract(workspace_id: int, answer_id: int, reviewer_id: int, reason: str,
                  http: httpx.AsyncClient) -> m.CommunityAnswer:
    """Delete the reply on the platform where it has a delete call, then record the
    retraction, take the answer's points back and demote the advocate."""
    with db.session_scope() as session:
        check_retract(session, get_answer(session, workspace_id, answer_id))
    account, external_id, status = await asyncio.to_thread(_prepare_retract, answer_id)
    if account is None:
        result = ("not on the platform yet: stopped before sending" if status == "queued"
                  else "not on the platform: nothing to delete")
    else:
        sent = await registry.get(account.kind).delete(account, external_id, http)
        result = (f"deleted on {account.kind}" if sent.ok
                  else f"{account.kind} did not delete it: {sent.error}")
    return await asyncio.to_thread(_record_retract, workspace_id, answer_id, reviewer_id, reason,
                                   result)


def _record_retract(workspace_id: int, answer_id: int, reviewer_id: int, reason: str,
                    result: str) -> m.CommunityAnswer:
    with db.session_scope() as session:
        answer = get_answer(session, workspace_id, answer_id)
        check_retract(session, answer)
        now = utcnow()
        answer.status, answer.reason, answer.retract_result = "retracted", reason, result
        answer.retracted_at, answer.retracted_by_id = now, reviewer_id
        msg = session.get(m.Message, answer.reply_message_id) if answer.reply_message_id else None
        if msg is not None:   # a queued one must not go out now; a sent one no longer answers
            msg.status, msg.error, msg.next_attempt_at = "retracted", reason, None
            msg.meta = {**(msg.meta or {}), "retracted": {"at": now.isoformat(),
                                                          "by": reviewer_id, "result": result}}
            from crowdcare.actions import serialize

            emit(session, msg.workspace_id, names.MESSAGE_UPDATED, serialize.message(msg))
        route_to_staff(session, answer.conversation, Route.tier1)   # staff answer it now
        session.flush()
        award(session, answer, "retracted")
        _staff(session, answer)
        _notice(session, answer, "retracted", f"Your answer was retracted: {reason}")
        advocates.do_reevaluate(session, advocates.profile(session, session.get(
            m.Agent, answer.agent_id)))
        return answer


# --- hand-over -------------------------------------------------------------------------------

def do_handover(session: Session, agent: m.Agent, case: eligibility.Case,
                reason: str) -> m.CommunityAnswer:
    """"This needs staff": the case goes to tier 1 with the advocate's reason, as a note."""
    conversation = case.conversation
    row = m.CommunityAnswer(workspace_id=agent.workspace_id, conversation_id=conversation.id,
                            message_id=case.post.id, agent_id=agent.id, kind="handover",
                            text="", status="handed_over", reason=reason,
                            trust=advocates.profile(session, agent).trust)
    session.add(row)
    route_to_staff(session, conversation, Route.tier1)
    replies.do_reply(session, conversation, text=f"Handed over by {agent.name} (community): "
                                                 f"{reason}",
                     author=Author.advocate, agent_id=agent.id, note=True)
    session.execute(delete(m.CommunityClaim).where(
        m.CommunityClaim.conversation_id == conversation.id))
    session.flush()
    _staff(session, row)
    _nudge(session, agent.workspace_id, conversation.id)
    return row


def route_to_staff(session: Session, conversation: m.Conversation, route: str) -> None:
    """The one place community changes a conversation's route."""
    from crowdcare.actions import serialize

    conversation.route = route
    ticket = tickets.current(session, conversation.id)
    if ticket is not None:
        ticket.route = route
    session.flush()
    emit(session, conversation.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))


# --- points, badges, outcomes ----------------------------------------------------------------

def award(session: Session, answer: m.CommunityAnswer, kind: str) -> int:
    """One ledger row per (answer, outcome), so a replay never pays twice. A retraction takes
    back everything the answer earned, and costs the penalty on top."""
    P = m.CommunityPoints
    value = points.POINTS[kind]
    if kind == "retracted":
        earned = session.scalar(select(func.coalesce(func.sum(P.points), 0)).where(
            P.answer_id == answer.id, P.points > 0)) or 0
        value -= int(earned)
    try:
        with session.begin_nested():
            session.add(P(workspace_id=answer.workspace_id, agent_id=answer.agent_id,
                          answer_id=answer.id, kind=kind, points=value, created_at=utcnow()))
    except IntegrityError:
        return 0
    if value > 0:
        do_badges(session, session.get(m.Agent, answer.agent_id))
    return value


def do_badges(session: Session, agent: m.Agent) -> list[str]:
    A = m.CommunityAnswer
    published = session.scalars(select(A.published_at).where(
        A.agent_id == agent.id, A.status == "published")).all()
    have = set(session.scalars(select(m.CommunityBadge.badge).where(
        m.CommunityBadge.agent_id == agent.id)))
    new = points.earned(len(published), points.longest_streak(
        [p.date() for p in published if p])) - have
    for badge in sorted(new):
        session.add(m.CommunityBadge(workspace_id=agent.workspace_id, agent_id=agent.id,
                                     badge=badge, granted_at=utcnow()))
        emit(session, agent.workspace_id, names.COMMUNITY_NOTICE,
             {"kind": "badge", "text": f"New badge: {points.BADGES[badge]}"},
             audience=names.agent(agent.id))
    session.flush()
    return sorted(new)


def do_outcomes(session: Session, workspace_id: int) -> int:
    """What happened after an answer: the customer replied warmly, or the ticket was solved
    without staff writing; a hand-over staff then answered. Each pays once."""
    A = m.CommunityAnswer
    credited = 0
    for answer in session.scalars(select(A).where(
            A.workspace_id == workspace_id, A.outcome.is_(None),
            A.status.in_(("published", "handed_over")))):
        after = session.scalars(select(m.Message).where(
            m.Message.conversation_id == answer.conversation_id,
            m.Message.id > (answer.reply_message_id or answer.message_id))
            .order_by(m.Message.id)).all()
        if answer.kind == "handover":
            if any(x.direction == Direction.outbound and x.author == Author.agent
                   and x.kind != "note" for x in after):
                answer.outcome = "staff_took_it"
                credited += bool(award(session, answer, "handover"))
            continue
        staff_wrote = any(x.direction == Direction.outbound and x.author == Author.agent
                          and x.kind != "note" for x in after)
        warm = next((x for x in after if x.direction == Direction.inbound
                     and eligibility.triage_value(x, "sentiment") == "positive"), None)
        reply = session.get(m.Message, answer.reply_message_id) if answer.reply_message_id else None
        ticket = session.get(m.Ticket, reply.ticket_id) if reply and reply.ticket_id else None
        if warm is not None and not staff_wrote:
            answer.outcome = "positive_reply"
            credited += bool(award(session, answer, "positive_reply"))
        elif ticket is not None and ticket.status in ("solved", "closed") and not staff_wrote:
            answer.outcome = "solved"
            credited += bool(award(session, answer, "solved"))
    session.flush()
    return credited
