"""May an advocate see, claim or publish an answer to this post, and if not, why.

One place decides, asked when a queue is shown, again at claim and again at publish (triage
can be corrected meanwhile, staff can answer, the customer can write again), and by the
report, which asks it "as of" the moment a post was shown or answered to count leaks.

An advocate only ever gets a public post (a mention, a comment) that triage routed to the
community, in a case with no private messages, no private data, no anger and nothing
technical, from someone who is not a VIP or a staff-only account, not escalated, still open
and not answered by anyone. The reasons never quote what a customer wrote."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crowdcare.actions.tickets import OPEN_STATES
from crowdcare.channels import registry
from crowdcare.community import settings as community_settings
from crowdcare.domain import Direction, MessageStatus, Route
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

# outbound messages that answer a post (a failed or blocked one did not reach the customer)
ANSWERING = (MessageStatus.queued, MessageStatus.sent, MessageStatus.delivered,
             MessageStatus.read)
LIVE = ("pending", "published")   # an answer that holds its post (the unique index agrees)
QUEUE_SCAN = 500                  # candidate conversations read for one queue


# --- conversation state: read here only, so its rules can move without touching the rest ---

@dataclass(frozen=True)
class State:
    route: str | None
    escalated: bool


def state(conversation: m.Conversation) -> State:
    """The conversation's route and whether staff escalated it."""
    return State(conversation.route, conversation.route == Route.escalation)


def candidates(workspace_id: int):
    """The SQL filter matching `state(...).route == community` on open conversations."""
    C = m.Conversation
    return (C.workspace_id == workspace_id, C.status == "open", C.route == Route.community)


# --- triage values, with staff corrections -----------------------------------------------------

def triage_value(msg: m.Message, name: str,
                 corrections: Sequence[m.TriageCorrection] | None = None,
                 at: datetime | None = None):
    """A triage field's value; a staff correction wins (as of `at` when corrections are given:
    the report's view of what was known then)."""
    entry = (msg.triage or {}).get(name) or {}
    if corrections is None:
        corrected = entry.get("corrected")
        if corrected is not None:
            return corrected.get("value")
    else:
        made = [c for c in corrections if c.message_id == msg.id and c.field == name
                and (at is None or c.created_at <= at)]
        if made:
            return max(made, key=lambda c: (c.created_at, c.id)).new_value
    if name == "route":
        return msg.route
    return entry.get("value")


def flagged(value) -> bool:
    return value is True or value == "true" or (isinstance(value, list) and bool(value))


# --- the decision ------------------------------------------------------------------------------

@dataclass
class Verdict:
    reasons: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)   # the reasons that keep it from volunteers

    @property
    def ok(self) -> bool:
        return not self.reasons

    def __bool__(self) -> bool:
        return self.ok

    def why(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Rules:
    """What the workspace says beyond triage: its VIPs and its staff-only accounts."""

    vip_handles: frozenset[str] = frozenset()
    staff_only: frozenset[str] = frozenset()
    max_influence: float = 0.9

    @classmethod
    def of(cls, workspace: m.Workspace) -> Rules:
        def handles(items) -> frozenset[str]:
            return frozenset(h.lower().lstrip("@") for h in items if isinstance(h, str))
        settings = community_settings.of(workspace)
        return cls(handles((workspace.settings or {}).get("vip_handles", [])),
                   handles(settings.staff_only_handles), settings.max_influence)


def check(rules: Rules, conversation: m.Conversation, post: m.Message,
          thread: Sequence[m.Message], *, at: datetime | None = None,
          answers: Iterable[m.CommunityAnswer] = (), answer_id: int | None = None,
          corrections: Sequence[m.TriageCorrection] | None = None,
          live: bool = True) -> Verdict:
    """`thread`: the messages of the post's case (its ticket), oldest first; `answers`: the
    community answers of the post; `answer_id`: the answer being published (it does not
    count against itself). `live=False` judges from the messages' own records only (the
    report, as of `at`)."""
    at = at or utcnow()
    why: list[str] = []
    unsafe: list[str] = []

    def never(reason: str) -> None:
        why.append(reason)
        unsafe.append(reason)

    seen = [x for x in thread if x.created_at is None or x.created_at <= at]
    inbound = [x for x in seen if x.direction == Direction.inbound]
    account = conversation.channel_account
    adapter = registry.get(account.kind) if account else None
    if post.direction != Direction.inbound or not post.public:
        never("not a public post")
    if adapter is None or not adapter.policy.public_replies:
        why.append("this channel cannot answer in public")
    route = triage_value(post, "route", corrections, at)
    if live:
        current = state(conversation)
        route = route if route != Route.community else current.route
        if current.escalated:
            never("escalated to staff")
    if route != Route.community:
        never(f"routed to {route or 'nobody'}, not the community")
    if inbound and inbound[-1].id != post.id:
        why.append("the customer wrote again: answer the newest post")
    if any(not x.public for x in inbound):
        never("private messages in this conversation")
    for name, reason in (("pii", "private data in the thread"), ("anger", "angry"),
                         ("technical", "needs a technical expert")):
        if any(flagged(triage_value(x, name, corrections, at)) for x in inbound):
            never(reason)
    if "needs a technical expert" not in why and any(
            triage_value(x, "intent", corrections, at) == "technical" for x in inbound):
        never("needs a technical expert")   # the intent says so even where the signal did not
    handle = ((conversation.identity.handle if conversation.identity else "") or "") \
        .lower().lstrip("@")
    if (conversation.customer is not None and conversation.customer.vip) or \
            (handle and handle in rules.vip_handles):
        never("VIP customer")
    if handle and handle in rules.staff_only:
        never("a staff-only account")
    influence = triage_value(post, "influence", corrections, at)
    if isinstance(influence, int | float) and influence > rules.max_influence:
        never(f"an influential account (influence {influence:.2f}): staff answer")
    for x in seen:
        if (x.direction == Direction.outbound and x.id > post.id and x.kind != "note"
                and x.status in ANSWERING):
            why.append("answered by the community" if x.author == "advocate"
                       else "answered by staff")
            break
    if any(a.status in LIVE and a.id != answer_id and a.message_id == post.id
           for a in answers):
        why.append("another answer is waiting for review or published")
    if live and conversation.status != "open":
        why.append("the case is closed")
    return Verdict(why, unsafe)


# --- loading a case ----------------------------------------------------------------------------

def threads(session: Session, conversations: Sequence[m.Conversation]) -> dict[int, list]:
    """Each conversation's current case: the messages of its open ticket, oldest first."""
    if not conversations:
        return {}
    ids = [c.id for c in conversations]
    open_tickets = select(m.Ticket.id).where(m.Ticket.conversation_id.in_(ids),
                                             m.Ticket.status.in_(OPEN_STATES))
    out: dict[int, list] = {i: [] for i in ids}
    for row in session.scalars(select(m.Message).where(
            m.Message.conversation_id.in_(ids), m.Message.ticket_id.in_(open_tickets))
            .order_by(m.Message.id)):
        out[row.conversation_id].append(row)
    return out


def post_of(thread: Sequence[m.Message]) -> m.Message | None:
    """The post an advocate answers: the customer's newest message of the case."""
    return next((x for x in reversed(thread) if x.direction == Direction.inbound), None)


def answers_for(session: Session, message_ids: Iterable[int]) -> dict[int, list]:
    ids = list(message_ids)
    out: dict[int, list] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(select(m.CommunityAnswer).where(
                m.CommunityAnswer.message_id.in_(ids), m.CommunityAnswer.status.in_(LIVE))):
            out[a.message_id].append(a)
    return out


@dataclass
class Case:
    """A conversation as the community sees it: its post, its case, the verdict."""

    conversation: m.Conversation
    post: m.Message | None
    thread: list[m.Message]
    verdict: Verdict
    claim: m.CommunityClaim | None = None

    @property
    def language(self) -> str | None:
        return self.post.language if self.post else None

    @property
    def topic(self) -> str | None:
        return triage_value(self.post, "intent") if self.post else None


def case(session: Session, conversation: m.Conversation, *,
         answer_id: int | None = None) -> Case:
    """One conversation, decided now (at claim, at submit, at publish)."""
    thread = threads(session, [conversation])[conversation.id]
    post = post_of(thread)
    rules = Rules.of(session.get(m.Workspace, conversation.workspace_id))
    if post is None:
        return Case(conversation, None, thread, Verdict(["nothing to answer"]))
    verdict = check(rules, conversation, post, thread, answer_id=answer_id,
                    answers=answers_for(session, [post.id])[post.id])
    return Case(conversation, post, thread, verdict, claim_of(session, conversation.id))


def claim_of(session: Session, conversation_id: int) -> m.CommunityClaim | None:
    """The live claim on a conversation (an expired lease is no claim)."""
    row = session.scalar(select(m.CommunityClaim).where(
        m.CommunityClaim.conversation_id == conversation_id))
    return row if row is not None and row.expires_at > utcnow() else None


def queue(session: Session, workspace_id: int, *, languages: Sequence[str] = (),
          topics: Sequence[str] = (), limit: int = 50) -> list[Case]:
    """The eligible posts of a workspace matching an advocate's languages and topics (empty:
    any), oldest waiting first. Posts being answered by someone stay, marked by their claim."""
    C = m.Conversation
    rows = session.scalars(select(C).where(*candidates(workspace_id))
                           .options(joinedload(C.customer), joinedload(C.identity),
                                    joinedload(C.channel_account))
                           .order_by(C.last_inbound_at, C.id).limit(QUEUE_SCAN)).unique().all()
    by_thread = threads(session, rows)
    posts = {c.id: post_of(by_thread[c.id]) for c in rows}
    answers = answers_for(session, [p.id for p in posts.values() if p is not None])
    now = utcnow()
    claims = {c.conversation_id: c for c in session.scalars(select(m.CommunityClaim).where(
        m.CommunityClaim.conversation_id.in_([c.id for c in rows]),
        m.CommunityClaim.expires_at > now))} if rows else {}
    rules = Rules.of(session.get(m.Workspace, workspace_id))
    out = []
    for conversation in rows:
        post = posts[conversation.id]
        if post is None:
            continue
        verdict = check(rules, conversation, post, by_thread[conversation.id], at=now,
                        answers=answers[post.id])
        item = Case(conversation, post, by_thread[conversation.id], verdict,
                    claims.get(conversation.id))
        if not verdict.ok or (languages and item.language not in languages) or \
                (topics and item.topic not in topics):
            continue
        out.append(item)
    out.sort(key=lambda i: (i.post.sent_at, i.post.id))
    return out[:limit]
