"""Trust levels, earned from outcomes (the way Discourse keeps promotion in lib/promotion.rb):
one function decides an advocate's level from their figures and says why, and the profile
page shows those reasons to the advocate.

    new      every answer waits in the staff review queue
    trusted  N approved answers with at least X % approved unedited over the last M reviewed:
             answers publish at once and 1 in K is reviewed after publishing
    lead     granted only by staff; reviews new advocates' answers

Demotion: when the rolling figures fall below `demote_below` (90 %) of a threshold, once the
grace period after promotion has passed; on a retracted answer; or by staff. Staff can lock
a level, and nothing automatic changes it then."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.community.settings import Trust
from crowdcare.store import models as m

NEW, TRUSTED, LEAD = "new", "trusted", "lead"
LEVELS = (NEW, TRUSTED, LEAD)


@dataclass(frozen=True)
class Figures:
    approved: int                  # answers a reviewer approved (before or after publishing)
    reviewed: int                  # reviewed answers in the rolling window
    unedited: int                  # of those, approved as written
    approved_in_window: int
    last_retraction: datetime | None = None

    @property
    def share(self) -> float:
        return self.unedited / self.reviewed if self.reviewed else 0.0


@dataclass(frozen=True)
class Decision:
    level: str
    reasons: list[str] = field(default_factory=list)


def figures(session: Session, agent_id: int, window: int) -> Figures:
    A = m.CommunityAnswer
    reviewed = session.execute(
        select(A.status, A.edited, A.sample_result).where(
            A.agent_id == agent_id, A.kind == "answer", A.reviewed_at.is_not(None))
        .order_by(A.reviewed_at.desc(), A.id.desc()).limit(window)).all()
    approved = session.scalar(select(func.count()).select_from(A).where(
        A.agent_id == agent_id, A.kind == "answer", A.reviewed_at.is_not(None),
        A.status == "published"))
    last_retraction = session.scalar(select(A.retracted_at).where(
        A.agent_id == agent_id, A.retracted_at.is_not(None))
        .order_by(A.retracted_at.desc()).limit(1))
    ok = [r for r in reviewed if r.status == "published"]
    unedited = [r for r in ok if not r.edited and r.sample_result != "weak"]
    return Figures(approved or 0, len(reviewed), len(unedited), len(ok), last_retraction)


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def decide(level: str, since: datetime, locked: bool, f: Figures, t: Trust,
           now: datetime) -> Decision:
    """The level an advocate should have now, and why."""
    if locked:
        return Decision(level, [f"{level}: locked by staff"])
    if f.last_retraction is not None and f.last_retraction >= since and level != NEW:
        return Decision(NEW, [f"an answer was retracted on {f.last_retraction:%d %b %Y}: "
                              "answers are reviewed again"])
    figures_line = (f"{f.approved} approved answers; {_pct(f.share)} approved unedited over "
                    f"the last {f.reviewed} reviewed")
    if level == LEAD:
        return Decision(LEAD, ["lead: granted by staff", figures_line])
    if level == NEW:
        missing = []
        if f.approved < t.trusted_after:
            missing.append(f"{f.approved} of {t.trusted_after} approved answers")
        if f.share < t.unedited_share:
            missing.append(f"{_pct(f.share)} approved unedited over the last {f.reviewed} "
                           f"reviewed (needs {_pct(t.unedited_share)})")
        if missing:
            return Decision(NEW, ["new: every answer is reviewed before it is published"]
                            + [f"to become trusted: {x}" for x in missing])
        return Decision(TRUSTED, [f"promoted: {figures_line} (needs {t.trusted_after} and "
                                  f"{_pct(t.unedited_share)})"])
    # trusted
    grace_ends = since + timedelta(days=t.grace_days)
    low_share = t.unedited_share * t.demote_below
    low_count = t.trusted_after * t.demote_below
    if now < grace_ends:
        return Decision(TRUSTED, [f"trusted since {since:%d %b %Y}; figures count from "
                                  f"{grace_ends:%d %b %Y} (grace period)", figures_line])
    below = []
    if f.reviewed and f.share < low_share:
        below.append(f"{_pct(f.share)} approved unedited over the last {f.reviewed} reviewed, "
                     f"below {_pct(low_share)} ({_pct(t.demote_below)} of "
                     f"{_pct(t.unedited_share)})")
    if f.reviewed >= t.window and f.approved_in_window < low_count:
        below.append(f"{f.approved_in_window} approved in the last {f.reviewed} reviewed, "
                     f"below {low_count:g} ({_pct(t.demote_below)} of {t.trusted_after})")
    if below:
        return Decision(NEW, [f"demoted: {x}" for x in below])
    return Decision(TRUSTED, ["trusted: answers publish at once, 1 in "
                              f"{t.sample_one_in} is reviewed after publishing", figures_line])
