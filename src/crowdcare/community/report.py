"""`crowdcare community report`: for a period, the mentions routed to the community, who
answered them (advocates, staff, nobody), the time to the first public answer by responder
against the two-hour expectation, approval and edit rates, retractions, hand-overs, and
leaks: every post an advocate was shown, answered or published is judged again, as of that
moment, from the stored records (triage, staff corrections made by then, the thread then);
one that was unsafe for a volunteer (private data, anger, a VIP...) is a leak."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.community import eligibility
from crowdcare.domain import Direction, Route
from crowdcare.store import models as m

EXPECTATION_MINUTES = 120   # half of the people asking on social media expect an answer by then


DEFAULT_DAYS = 7


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def since(value: str | datetime | None, now: datetime) -> datetime:
    """The period's start: an ISO date or time (UTC when it names no zone), default a week
    ago. ValueError for anything else."""
    if value is None or value == "":
        return now - timedelta(days=DEFAULT_DAYS)
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _timing(minutes: list[float]) -> dict[str, Any]:
    if not minutes:
        return {"n": 0, "median_minutes": None, "p90_minutes": None, "within_2h_pct": None}
    ordered = sorted(minutes)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"n": len(ordered), "median_minutes": round(median(ordered), 1),
            "p90_minutes": round(p90, 1),
            "within_2h_pct": pct(sum(1 for x in ordered if x <= EXPECTATION_MINUTES),
                                  len(ordered))}


def build(session: Session, workspace_id: int, start: datetime, until: datetime) -> dict:
    M = m.Message
    posts = [p for p in session.scalars(select(M).where(
        M.workspace_id == workspace_id, M.direction == Direction.inbound, M.public.is_(True),
        M.created_at >= start, M.created_at <= until).order_by(M.id))
        if eligibility.triage_value(p, "route") == Route.community or p.route == Route.community]
    answered = {"advocates": 0, "staff": 0, "unanswered": 0}
    minutes: dict[str, list[float]] = {"advocates": [], "staff": []}
    conversations = {p.conversation_id for p in posts}
    replies_by_conv: dict[int, list[m.Message]] = {c: [] for c in conversations}
    if conversations:
        for r in session.scalars(select(M).where(
                M.conversation_id.in_(conversations), M.direction == Direction.outbound,
                M.kind != "note", M.status.in_(eligibility.ANSWERING)).order_by(M.id)):
            replies_by_conv[r.conversation_id].append(r)
    for post in posts:
        first = next((r for r in replies_by_conv[post.conversation_id] if r.id > post.id), None)
        if first is None:
            answered["unanswered"] += 1
            continue
        who = "advocates" if first.author == "advocate" else "staff"
        answered[who] += 1
        public = next((r for r in replies_by_conv[post.conversation_id]
                       if r.id > post.id and r.public), None)
        if public is not None:
            kind = "advocates" if public.author == "advocate" else "staff"
            minutes[kind].append((public.sent_at - post.sent_at).total_seconds() / 60)
    A = m.CommunityAnswer
    rows = session.scalars(select(A).where(A.workspace_id == workspace_id,
                                           A.submitted_at >= start,
                                           A.submitted_at <= until)).all()
    answers = [a for a in rows if a.kind == "answer"]
    reviewed_first = [a for a in answers if a.trust == "new" and a.reviewed_at is not None]
    approved = [a for a in reviewed_first if a.status in ("published", "retracted")]
    rejected = [a for a in reviewed_first if a.status == "rejected"]
    retractions = session.scalars(select(A).where(
        A.workspace_id == workspace_id, A.retracted_at >= start, A.retracted_at <= until)).all()
    leaks = _leaks(session, workspace_id, start, until)
    return {
        "workspace_id": workspace_id, "since": start.isoformat(), "until": until.isoformat(),
        "mentions": len(posts),
        "answered": {k: {"count": v, "pct": pct(v, len(posts))} for k, v in answered.items()},
        "first_public_answer": {k: _timing(v) for k, v in minutes.items()},
        "expectation_minutes": EXPECTATION_MINUTES,
        "answers": {
            "submitted": len(answers),
            "reviewed_before_publishing": len(reviewed_first),
            "approved": len(approved),
            "approval_pct": pct(len(approved), len(approved) + len(rejected)),
            "edited": sum(a.edited for a in approved),
            "edit_pct": pct(sum(a.edited for a in approved), len(approved)),
            "rejected": len(rejected),
            "published_without_review": sum(1 for a in answers if a.trust != "new"
                                            and a.published_at is not None),
            "sampled_after_publishing": sum(1 for a in answers if a.sample_result),
            "withdrawn": sum(1 for a in answers if a.status == "withdrawn"),
            "pending": sum(1 for a in answers if a.status == "pending"),
        },
        "handovers": sum(1 for a in rows if a.kind == "handover"),
        "retractions": len(retractions),
        "leaks": {"count": len(leaks), "items": leaks},
    }


def _leaks(session: Session, workspace_id: int, start: datetime, until: datetime) -> list[dict]:
    """Each post an advocate was shown, answered or published, judged as of that moment."""
    E, A = m.CommunityExposure, m.CommunityAnswer
    moments: list[tuple[str, int, int, datetime]] = [
        ("shown", e.agent_id, e.message_id, e.shown_at) for e in session.scalars(select(E).where(
            E.workspace_id == workspace_id, E.shown_at >= start, E.shown_at <= until))]
    for a in session.scalars(select(A).where(A.workspace_id == workspace_id, A.kind == "answer",
                                             A.submitted_at >= start, A.submitted_at <= until)):
        moments.append(("answered", a.agent_id, a.message_id, a.submitted_at))
        if a.published_at is not None:
            moments.append(("published", a.agent_id, a.message_id, a.published_at))
    if not moments:
        return []
    ids = {mid for _, _, mid, _ in moments}
    posts = {p.id: p for p in session.scalars(select(m.Message).where(m.Message.id.in_(ids)))}
    corrections = session.scalars(select(m.TriageCorrection).where(
        m.TriageCorrection.workspace_id == workspace_id)).all()
    rules = eligibility.Rules.of(session.get(m.Workspace, workspace_id))
    threads: dict[int, list[m.Message]] = {}
    out = []
    for what, agent_id, message_id, at in moments:
        post = posts[message_id]
        if post.id not in threads:
            threads[post.id] = list(session.scalars(select(m.Message).where(
                m.Message.ticket_id == post.ticket_id).order_by(m.Message.id))) \
                if post.ticket_id else [post]
        verdict = eligibility.check(rules, post.conversation, post, threads[post.id], at=at,
                                    corrections=corrections, live=False)
        if verdict.unsafe:
            out.append({"what": what, "agent_id": agent_id, "message_id": message_id,
                        "conversation_id": post.conversation_id, "at": at.isoformat(),
                        "reasons": verdict.unsafe})
    return out


def lines(r: dict, workspace_name: str) -> list[str]:
    def pct(x):
        return "–" if x is None else f"{x:.1f} %"

    def mins(x):
        return "–" if x is None else f"{x:g} min"

    a = r["answers"]
    out = [f"Community report: {workspace_name}, {r['since'][:16]} → {r['until'][:16]} UTC",
           f"Mentions routed to the community: {r['mentions']}"]
    for key, label in (("advocates", "answered by advocates"), ("staff", "answered by staff"),
                       ("unanswered", "unanswered")):
        v = r["answered"][key]
        out.append(f"  {label:<24}{v['count']:>5}  {pct(v['pct'])}")
    out.append(f"Time to the first public answer (expectation: {r['expectation_minutes']} min):")
    for key in ("advocates", "staff"):
        t = r["first_public_answer"][key]
        out.append(f"  {key:<10} n={t['n']:<4} median {mins(t['median_minutes'])}, "
                   f"p90 {mins(t['p90_minutes'])}, within 2 h {pct(t['within_2h_pct'])}")
    out += [f"Answers submitted: {a['submitted']}",
            f"  reviewed before publishing {a['reviewed_before_publishing']}: approved "
            f"{a['approved']} ({pct(a['approval_pct'])}), edited {a['edited']} of those "
            f"({pct(a['edit_pct'])}), rejected {a['rejected']}",
            f"  published without review (trusted, lead) {a['published_without_review']}, "
            f"sampled after publishing {a['sampled_after_publishing']}",
            f"  withdrawn (no longer eligible at publish) {a['withdrawn']}, pending {a['pending']}",
            f"Hand-overs to staff: {r['handovers']}",
            f"Retractions: {r['retractions']}",
            f"Leaks (unsafe for a volunteer when shown, answered or published): "
            f"{r['leaks']['count']}"]
    for leak in r["leaks"]["items"][:20]:
        out.append(f"  {leak['what']} to advocate {leak['agent_id']}: message "
                   f"{leak['message_id']} at {leak['at'][:16]}: {', '.join(leak['reasons'])}")
    return out
