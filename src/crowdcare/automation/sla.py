"""SLA clocks: which policy applies to a ticket and why, and for each target (first reply, next
reply, periodic update, resolution) when it started, when it is at risk and due, and its state.
Pure decisions over plain facts; `actions/sla.py` reads the facts, stores the result and emits
the events.

The rules (docs/automation.md):
- Policies are data; the first enabled one by position whose conditions all match applies,
  else the one fallback. A ticket's band (urgent, high, normal, low) picks its targets.
- Each target runs in business time (the policy's calendar, else the ticket's channel
  account's, team's or the workspace default) or calendar time.
- While the ticket is pending (waiting on the customer) or solved, every clock is paused; it
  resumes with the deadline moved by the paused time (a reopened ticket does not "instantly
  escalate", as Zammad's does).
- What counts as a reply: an agent's message to the customer always; a community advocate's
  and the bot's as the policy says; notes, blocked and automatic messages (away messages)
  never.
- Recomputing (a policy or calendar change) never back-dates a breach: a breach recorded
  stays; one the new terms would have had in the past counts from the recomputation."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crowdcare.automation.calendars import Calendar

TARGETS = ("first_reply", "next_reply", "periodic_update", "resolution")
BANDS = ("urgent", "high", "normal", "low")
ALL = "all"                       # a policy's targets for every band without its own
FIELDS = ("channel", "route", "priority", "team", "tags", "vip", "language")
DEFAULT_AT_RISK = 0.75
ORDER = {"breached": 4, "at_risk": 3, "active": 2, "paused": 1, "met": 0}


def band(priority: int | None) -> str:
    """The priority band a target is chosen by (the console colours rows by the same)."""
    v = priority or 0
    return "urgent" if v >= 75 else "high" if v >= 55 else "normal" if v >= 30 else "low"


@dataclass(frozen=True)
class Target:
    minutes: int
    business: bool = True


@dataclass
class Policy:
    id: int
    name: str
    conditions: dict[str, list[Any]]
    targets: dict[str, dict[str, Target]]        # band or "all" -> target name -> Target
    calendar: Calendar | None = None             # None: the ticket's own calendar
    counts_community: bool = True
    counts_bot: bool = False
    at_risk_share: float = DEFAULT_AT_RISK
    fallback: bool = False

    def targets_for(self, band_name: str) -> dict[str, Target]:
        return {**self.targets.get(ALL, {}), **self.targets.get(band_name, {})}


@dataclass
class TicketFacts:
    channel: str | None
    route: str | None
    priority: int
    team: str | None
    tags: list[str]
    vip: bool
    language: str | None
    status: str
    opened_at: datetime
    solved_at: datetime | None
    # (sent_at, "request" | "reply:<author>") in order; notes, blocked, automatic left out
    timeline: list[tuple[datetime, str]] = field(default_factory=list)


def normalize_conditions(raw: dict[str, Any]) -> dict[str, list[Any]]:
    """{"channel": "messenger,x", "vip": "true"} -> {"channel": ["messenger", "x"], "vip":
    [True]}; raises ValueError with the reason."""
    out: dict[str, list[Any]] = {}
    for key, value in raw.items():
        if key not in FIELDS:
            raise ValueError(f"unknown condition '{key}': use " + ", ".join(FIELDS))
        values = value if isinstance(value, list) else str(value).split(",")
        values = [str(v).strip().lower() if key != "team" else str(v).strip() for v in values]
        values = [v for v in values if v]
        if not values:
            raise ValueError(f"condition '{key}' needs a value")
        if key == "vip":
            if any(v not in ("true", "false", "yes", "no") for v in values):
                raise ValueError("vip is true or false")
            values = [v in ("true", "yes") for v in values]
        if key == "priority" and any(v not in BANDS for v in values):
            raise ValueError("priority is a band: " + ", ".join(BANDS))
        out.setdefault(key, []).extend(values)
    return out


def matches(policy: Policy, facts: TicketFacts) -> str | None:
    """Why the policy applies ("channel messenger, vip"), or None when a condition fails."""
    have = {"channel": [facts.channel], "route": [facts.route], "priority": [band(facts.priority)],
            "team": [facts.team], "tags": [t.lower() for t in facts.tags], "vip": [facts.vip],
            "language": [facts.language]}
    reasons = []
    for key, wanted in policy.conditions.items():
        got = have[key] if key != "team" else [facts.team]
        if not any(v in wanted for v in got):
            return None
        reasons.append(f"{key} {', '.join(str(v).lower() for v in got if v in wanted)}")
    return "; ".join(reasons) or "no conditions"


def choose(policies: list[Policy], facts: TicketFacts) -> tuple[Policy | None, str]:
    for policy in policies:
        if policy.fallback:
            continue
        why = matches(policy, facts)
        if why is not None:
            return policy, f"matched: {why}"
    fallback = next((p for p in policies if p.fallback), None)
    return (fallback, "fallback: no other policy matched") if fallback else (None, "no policy")


# --- clock arithmetic --------------------------------------------------------------------------

def _measure(calendar: Calendar | None, business: bool, a: datetime, b: datetime) -> timedelta:
    if b <= a:
        return timedelta(0)
    return calendar.business_time(a, b) if business and calendar else b - a


def _add(calendar: Calendar | None, business: bool, at: datetime, amount: timedelta):
    return calendar.add_business_time(at, amount) if business and calendar else at + amount


def deadline(start: datetime, amount: timedelta, business: bool, calendar: Calendar | None,
             pauses: list[tuple[datetime, datetime | None]]) -> tuple[datetime | None, timedelta]:
    """When `amount` of (business) time has run since `start`, pauses left out. While paused:
    (None, the time left)."""
    due = _add(calendar, business, start, amount)
    for begin, end in pauses:
        if due is None:
            break
        if end is not None and end <= start:
            continue
        begin = max(begin, start)
        if begin >= due:
            break
        if end is None:
            return None, _measure(calendar, business, begin, due)
        due = _add(calendar, business, due, _measure(calendar, business, begin, end))
    return due, timedelta(0)


def cycles(facts: TicketFacts, counts: set[str]) -> dict[str, tuple[datetime, datetime | None]]:
    """Each target's current cycle: (started, stopped or None)."""
    replies = [t for t, what in facts.timeline if what in counts]
    out: dict[str, tuple[datetime, datetime | None]] = {}
    first = next((t for t in replies if t >= facts.opened_at), None)
    out["first_reply"] = (facts.opened_at, first)
    if first is not None:
        # next reply: from the oldest request after the latest reply, to the reply answering it
        waiting, last = None, None
        for at, what in facts.timeline:
            if at <= first:
                continue
            if what == "request" and waiting is None:
                waiting = at
            elif what in counts and waiting is not None:
                last, waiting = (waiting, at), None
        if waiting is not None or last is not None:
            out["next_reply"] = (waiting, None) if waiting is not None else last
        out["periodic_update"] = (replies[-1], None)
    out["resolution"] = (facts.opened_at, facts.solved_at)
    return out


def pauses_now(stored: list[list[str | None]], paused: bool, now: datetime) -> list[list[Any]]:
    """The pause ledger brought up to `now`: open a pause when the ticket starts waiting,
    close it when it stops."""
    ledger = [list(p) for p in stored or []]
    open_ = bool(ledger) and ledger[-1][1] is None
    if paused and not open_:
        ledger.append([now.isoformat(), None])
    elif not paused and open_:
        ledger[-1][1] = now.isoformat()
    return ledger


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


PAUSING = ("pending", "solved", "closed")


def compute(policy: Policy | None, why: str, calendar: Calendar | None, facts: TicketFacts,
            previous: dict[str, Any] | None, now: datetime) -> tuple[dict[str, Any], list[tuple[str, str, dict]]]:
    """The ticket's SLA as of `now`, and the notices due (("at_risk" | "breached", target,
    target's data)), each once per target cycle."""
    previous = previous or {}
    ledger = pauses_now(previous.get("pauses", []), facts.status in PAUSING, now)
    pauses = [(_dt(a), _dt(b)) for a, b in ledger]
    breaches = list(previous.get("breaches", []))
    notified = set(previous.get("notified", []))
    result: dict[str, Any] = {
        "policy": ({"id": policy.id, "name": policy.name, "why": why} if policy else None),
        "band": band(facts.priority), "calendar": calendar.name if calendar else None,
        "targets": {}, "pauses": ledger, "breaches": breaches, "computed_at": now.isoformat(),
        "paused": facts.status in PAUSING,
    }
    notices: list[tuple[str, str, dict]] = []
    if policy is None:
        result["notified"] = sorted(notified)
        return result, notices
    counts = {"reply:agent"} | ({"reply:advocate"} if policy.counts_community else set()) \
        | ({"reply:bot"} if policy.counts_bot else set())
    targets = policy.targets_for(band(facts.priority))
    for name, (started, stopped) in cycles(facts, counts).items():
        target = targets.get(name)
        if target is None:
            continue
        if stopped is None and facts.status in ("solved", "closed") and name != "resolution":
            continue   # nothing more to answer on a solved ticket
        cycle = f"{name}@{started.isoformat()}"
        amount = timedelta(minutes=target.minutes)
        upto = [p for p in pauses if stopped is None or p[0] < stopped]
        if stopped is not None:   # a pause after the stop does not move a met deadline
            upto = [(a, min(b, stopped) if b else stopped) for a, b in upto]
        due, left = deadline(started, amount, target.business, calendar, upto)
        risk, _ = deadline(started, amount * policy.at_risk_share, target.business, calendar,
                           upto)
        recorded = next((b for b in breaches if b["cycle"] == cycle), None)
        kept = (previous.get("targets") or {}).get(name) or {}
        if stopped is not None and kept.get("started_at") == started.isoformat() \
                and kept.get("state") == "met":
            state = "met"   # a cycle met under earlier terms stays met
        elif stopped is not None:
            state = "breached" if recorded or (due is not None and stopped > due) else "met"
        elif due is None:
            state = "breached" if recorded else "paused"
        elif now >= due or recorded:
            state = "breached"
        elif risk is not None and now >= risk:
            state = "at_risk"
        else:
            state = "active"
        if state == "breached" and recorded is None:
            # a deadline that passed under the terms we last computed breached then (the sweep
            # may see it late); one that new terms put in the past (a policy or calendar
            # change, a policy applied to an older ticket) counts from now: never back-dated
            same_terms = kept.get("started_at") == started.isoformat() and due is not None \
                and kept.get("due_at") == due.isoformat()
            at = due if same_terms else now
            recorded = {"target": name, "cycle": cycle, "at": at.isoformat(),
                        "due": due.isoformat() if due else None}
            breaches.append(recorded)
        data = {"minutes": target.minutes, "business": target.business,
                "started_at": started.isoformat(), "due_at": due.isoformat() if due else None,
                "at_risk_at": risk.isoformat() if risk else None, "state": state,
                "met_at": stopped.isoformat() if stopped and state == "met" else None,
                "breached_at": recorded["at"] if recorded else None,
                "left_minutes": round(left.total_seconds() / 60) if due is None else None}
        result["targets"][name] = data
        for notice in ("at_risk", "breached"):
            key = f"{cycle}:{notice}"
            reached = state == "breached" if notice == "breached" else state in ("at_risk",
                                                                                  "breached")
            if reached and stopped is None and key not in notified:
                notified.add(key)
                if notice == "at_risk" and state == "breached":
                    continue   # straight to breached: one notice, the breach
                notices.append((notice, name, data))
    result["notified"] = sorted(notified)
    live = [t for t in result["targets"].values() if t["state"] not in ("met",)]
    result["state"] = max((t["state"] for t in live), key=ORDER.get, default="met"
                          if result["targets"] else None)
    dues = [t["due_at"] for t in live if t["due_at"]]   # a breached one: overdue since
    result["due_at"] = min(dues) if dues else None
    return result, notices


def next_look(sla: dict[str, Any], now: datetime) -> datetime | None:
    """When the sweep must look again: the next at-risk or due time still ahead."""
    times = []
    for t in (sla or {}).get("targets", {}).values():
        if t["state"] in ("met", "breached", "paused"):
            continue
        for key in ("at_risk_at", "due_at"):
            if t.get(key) and _dt(t[key]) > now:
                times.append(_dt(t[key]))
    return min(times) if times else None


def view(sla: dict[str, Any] | None) -> dict[str, Any] | None:
    """The API's `sla`: the policy, the overall state and nearest due time, each target's due
    time and state, and the breaches recorded (the pause ledger and notices stay inside)."""
    if not sla:
        return None
    keep = ("due_at", "at_risk_at", "state", "minutes", "business", "started_at", "met_at",
            "breached_at", "left_minutes")
    return {"policy": sla.get("policy"), "band": sla.get("band"), "calendar": sla.get("calendar"),
            "state": sla.get("state"), "due_at": sla.get("due_at"),
            "paused": sla.get("paused", False),
            "targets": {name: {k: t.get(k) for k in keep}
                        for name, t in (sla.get("targets") or {}).items()},
            "breaches": [{"target": b["target"], "at": b["at"], "due": b.get("due")}
                         for b in sla.get("breaches", [])]}
