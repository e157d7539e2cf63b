"""Recognition for outcomes, not volume (after discourse-gamification, where an accepted
solution is worth far more than a like): the points each outcome earns or costs, levels by
points, badges, and the leaderboards an advocate may leave."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.store import models as m

POINTS = {
    "published": 10,        # an answer approved by a reviewer, or published by a trusted one
    "unedited": 5,          # approved as written (before publishing or in a sample review)
    "positive_reply": 15,   # the customer answered warmly
    "solved": 15,           # the ticket was solved without staff writing
    "handover": 3,          # a hand-over staff then took up
    "rejected": -5,
    "retracted": -10,       # on top of taking back what the answer earned
}
LEVELS = [(0, "Newcomer"), (50, "Helper"), (200, "Regular"), (500, "Expert"),
          (1500, "Champion")]
BADGES = {
    "first_answer": "First answer", "approved_10": "10 approved", "approved_50": "50 approved",
    "approved_150": "150 approved", "streak_3": "3-day streak", "streak_7": "7-day streak",
}
PERIODS = ("week", "month", "year", "all")


def level(points: int) -> tuple[int, str, int | None]:
    """(number, name, points needed for the next level or None)."""
    n = max(i for i, (low, _) in enumerate(LEVELS) if points >= low) if points >= 0 else 0
    nxt = LEVELS[n + 1][0] if n + 1 < len(LEVELS) else None
    return n + 1, LEVELS[n][1], nxt


def longest_streak(days: list[date]) -> int:
    best = run = 0
    previous = None
    for d in sorted(set(days)):
        run = run + 1 if previous is not None and d - previous == timedelta(days=1) else 1
        best, previous = max(best, run), d
    return best


def earned(published: int, streak: int) -> set[str]:
    out = set()
    if published >= 1:
        out.add("first_answer")
    for n in (10, 50, 150):
        if published >= n:
            out.add(f"approved_{n}")
    for n in (3, 7):
        if streak >= n:
            out.add(f"streak_{n}")
    return out


def period_start(period: str, now: datetime) -> datetime | None:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return None


def total(session: Session, agent_id: int, since: datetime | None = None) -> int:
    q = select(func.coalesce(func.sum(m.CommunityPoints.points), 0)).where(
        m.CommunityPoints.agent_id == agent_id)
    if since is not None:
        q = q.where(m.CommunityPoints.created_at >= since)
    return int(session.scalar(q) or 0)


@dataclass(frozen=True)
class Row:
    rank: int
    agent_id: int
    name: str
    points: int


def leaderboard(session: Session, workspace_id: int, period: str, now: datetime,
                limit: int = 20) -> list[Row]:
    P = m.CommunityPoints
    q = (select(P.agent_id, m.Agent.name, func.sum(P.points).label("points"))
         .join(m.Agent, m.Agent.id == P.agent_id)
         .join(m.Advocate, m.Advocate.agent_id == P.agent_id)
         .where(P.workspace_id == workspace_id, m.Advocate.on_leaderboard.is_(True),
                m.Agent.active.is_(True))
         .group_by(P.agent_id, m.Agent.name).order_by(func.sum(P.points).desc(), P.agent_id))
    start = period_start(period, now)
    if start is not None:
        q = q.where(P.created_at >= start)
    rows = session.execute(q.limit(limit)).all()
    return [Row(i + 1, r.agent_id, r.name, int(r.points)) for i, r in enumerate(rows)]
