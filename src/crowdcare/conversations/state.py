"""How a ticket's route, priority and escalation follow from its messages and from agents.

One fold: each event (a customer's message, an agent's answer, an agent clearing an
escalation...) turns the ticket's state into the next, and the state says what set each
figure. Pure: no database, no clock of its own; `actions.tickets` applies it and mirrors it on
the conversation, so the inbox list, the ticket bar and the triage panel read one state.
The rules, with a table of examples, are in docs/conversation-state.md:

- A service request opens a ticket (or joins the open one). Postbacks, quick-reply taps,
  greetings and messages triage routes to `ignore` are not requests by themselves: they
  never open a ticket, raise its priority or change its route.
- Priority is the open ticket's: the highest priority among its unanswered requests (each
  message's own triage, without its waiting share) plus the waiting share of the oldest
  unanswered one. An agent's answer answers them all (priority falls to 0, "waiting for the
  customer"); so does the customer saying it is solved ("all sorted now").
- An agent may set the priority: it holds until the agent answers, unless a later request
  comes out higher.
- Route follows the latest request, except that an escalation holds until an agent clears
  it (then the route is the latest request's non-escalation route, else tier1); solving the
  ticket ends it too, and a follow-on ticket starts fresh.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from crowdcare.pipeline.triage.priority import WAIT_FULL_MINUTES, WEIGHTS

ESCALATION, STAFF = "escalation", "tier1"
WAITING = re.compile(r"^waiting[^:]*:\s*([+-]?\d+)")
GREETING = re.compile(
    r"^\W*(hi+|hello|hey+|hiya|yo|good (morning|afternoon|evening|day)|hola|buenas|bonjour|"
    r"salut|hallo|servus|ciao|ol[aá]|namaste|नमस्ते|안녕하세요|안녕|你好|您好|hi there|hello there)"
    r"(\s+(there|team|all|everyone|guys|folks))?[\W\s]*$", re.IGNORECASE)
SOLVED = re.compile(   # clear-cut only: "it arrived" may go on "...broken"
    r"\b(all sorted|sorted now|(it|that)'?s sorted|problem solved|issue (is )?resolved|"
    r"(it'?s|it is|all) (resolved|fixed) now|(it|that) works now|(it'?s|it is) working now|"
    r"never ?mind|no longer need|all good now|thanks,? all good|all good,? thanks|"
    r"ya est[aá] resuelto|c'est réglé|hat sich erledigt|해결됐|해결되었|解决了|हल हो गया)"
    r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What the rules read of a customer's message."""

    message_id: int | None
    kind: str                       # message | postback | comment | mention | post | dm
    text: str
    route: str                      # the message's own route (triage + rules)
    route_reasons: list[str]
    priority: int                   # the message's own priority (triage + rules)
    factors: list[str]              # its triage priority reasons ("anger: +25", ...)
    sent_at: datetime
    quick_reply: bool = False
    standby: bool = False           # another app owns the thread: recorded, never worked


@dataclass(frozen=True)
class State:
    route: str | None = None
    route_message_id: int | None = None
    route_why: str = ""
    last_route: str | None = None          # the latest request's route that is not escalation
    escalation: dict[str, Any] | None = None   # {"message_id", "why", "by"} while it holds
    cleared: dict[str, Any] | None = None      # the last time an agent cleared one
    priority: int = 0
    priority_message_id: int | None = None
    factors: list[str] = field(default_factory=list)
    unanswered: int = 0
    waiting_since: datetime | None = None
    first_unanswered_id: int | None = None
    top: int = 0                           # the worst unanswered request, without waiting
    top_factors: list[str] = field(default_factory=list)
    manual: dict[str, Any] | None = None   # {"value", "by"}: an agent's priority
    note: str = ""                         # what the last event did, in words

    @property
    def escalated(self) -> bool:
        return self.escalation is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["waiting_since"] = self.waiting_since.isoformat() if self.waiting_since else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> State:
        data = dict(data or {})
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("waiting_since"):
            known["waiting_since"] = datetime.fromisoformat(known["waiting_since"])
        return cls(**known)


def not_a_request(f: Facts) -> str | None:
    """Why this message is not a service request by itself (None: it is one)."""
    if f.standby:
        return "seen while another app owns the thread"
    if f.kind == "postback":
        return "a button press (postback)"
    if f.quick_reply:
        return "a quick-reply tap"
    if GREETING.match(f.text or ""):
        return "a greeting only"
    if f.route == "ignore":
        return "not a service request (route ignore)"
    return None


def says_solved(f: Facts) -> str | None:
    """The customer saying it is solved ("Thanks, all sorted now"), not asking again."""
    text = f.text or ""
    hit = SOLVED.search(text)
    return hit.group(0) if hit and "?" not in text else None


def own_points(f: Facts) -> tuple[int, list[str]]:
    """The message's priority without its waiting share (the ticket adds its own)."""
    waiting = sum(int(m.group(1)) for r in f.factors if (m := WAITING.match(r)))
    factors = [r for r in f.factors if not WAITING.match(r) and not r.startswith("clamped")]
    rules = [r for r in f.route_reasons if r.startswith("priority ")]
    return max(0, min(100, f.priority - waiting)), factors + rules


def waiting_share(state: State, now: datetime) -> tuple[int, float]:
    if state.waiting_since is None:
        return 0, 0.0
    minutes = max(0.0, (now - state.waiting_since).total_seconds() / 60)
    return round(WEIGHTS["waiting"] * min(1.0, minutes / WAIT_FULL_MINUTES)), minutes


def _minutes(minutes: float) -> str:
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


def settle(state: State, now: datetime) -> State:
    """Recompute the priority figure from the unanswered requests and the time now."""
    if state.manual is not None:
        return replace(state, priority=int(state.manual["value"]),
                       priority_message_id=None,
                       factors=[f"set by {state.manual['by']}: {state.manual['value']}"])
    if not state.unanswered:   # what answered them (an agent, the customer) is in the note
        return replace(state, priority=0, factors=[state.note or "nothing unanswered"])
    share, minutes = waiting_share(state, now)
    factors = list(state.top_factors)
    if share:
        factors.append(f"waiting {_minutes(minutes)} since message "
                       f"#{state.first_unanswered_id}: +{share}")
    return replace(state, priority=max(0, min(100, state.top + share)), factors=factors)


def is_request(f: Facts) -> bool:
    """A request opens a ticket when none is open; anything else only joins an open one."""
    return not_a_request(f) is None and says_solved(f) is None


def on_customer(state: State, f: Facts, now: datetime) -> State:
    """A customer's message on the ticket."""
    solved = says_solved(f)
    if solved:
        state = replace(state, unanswered=0, waiting_since=None, first_unanswered_id=None,
                        top=0, top_factors=[], manual=None, priority_message_id=f.message_id,
                        note=f"the customer says it is solved (message #{f.message_id}: "
                             f"'{solved}')")
        return settle(state, now)
    if not_a_request(f):
        return state
    points, factors = own_points(f)
    if state.unanswered == 0 or points >= state.top:
        state = replace(state, top=points, top_factors=factors, priority_message_id=f.message_id)
    state = replace(state, unanswered=state.unanswered + 1,
                    waiting_since=state.waiting_since or f.sent_at,
                    first_unanswered_id=state.first_unanswered_id or f.message_id,
                    note=f"message #{f.message_id} is a request")
    if state.manual is not None and settle(replace(state, manual=None), now).priority \
            > int(state.manual["value"]):
        state = replace(state, manual=None)   # a later request came out higher
    why = "; ".join(f.route_reasons) or f.route
    if f.route == ESCALATION:
        if state.escalation is None:
            state = replace(state, escalation={"message_id": f.message_id, "why": why,
                                               "by": None})
    else:
        state = replace(state, last_route=f.route)
    if state.escalation is not None:
        esc = state.escalation
        origin = f"message #{esc['message_id']}" if esc["message_id"] else esc["by"]
        state = replace(state, route=ESCALATION, route_message_id=esc["message_id"],
                        route_why=f"escalated by {origin} ({esc['why']}); holds until an "
                                  "agent clears it")
    else:
        state = replace(state, route=f.route, route_message_id=f.message_id,
                        route_why=f"message #{f.message_id}: {why}")
    return settle(state, now)


def on_answer(state: State, by: str, now: datetime) -> State:
    """An agent's (or bot's) answer answers every request before it."""
    state = replace(state, unanswered=0, waiting_since=None, first_unanswered_id=None, top=0,
                    top_factors=[], manual=None, priority_message_id=None,
                    note=f"answered by {by} at {now:%H:%M} UTC; waiting for the customer")
    return settle(state, now)


def on_set_priority(state: State, value: int, by: str, now: datetime) -> State:
    return settle(replace(state, manual={"value": int(value), "by": by},
                          note=f"priority set by {by}"), now)


def on_route(state: State, route: str, by: str, now: datetime) -> State:
    """Someone hands the ticket to a route (the bot handing off to staff): it holds like a
    request's route, and an escalation still holds over it."""
    state = replace(state, last_route=route, note=f"handed to {route} by {by}")
    if state.escalated:
        return settle(state, now)
    return settle(replace(state, route=route, route_message_id=None,
                          route_why=f"handed to {route} by {by}"), now)


def on_escalate(state: State, by: str, now: datetime) -> State:
    state = replace(state, escalation={"message_id": None, "why": f"by {by}", "by": by},
                    route=ESCALATION, route_message_id=None,
                    route_why=f"escalated by {by}; holds until an agent clears it",
                    note=f"escalated by {by}")
    return settle(state, now)


def on_clear_escalation(state: State, by: str, now: datetime) -> State:
    route = state.last_route or STAFF
    state = replace(state, escalation=None, cleared={"by": by, "at": now.isoformat()},
                    route=route, route_message_id=None,
                    route_why=f"escalation cleared by {by}; "
                              + ("the latest request's route" if state.last_route
                                 else "to staff (tier1)"),
                    note=f"escalation cleared by {by}")
    return settle(state, now)


def on_solved(state: State, by: str, now: datetime) -> State:
    """Solving ends the ticket's work: nothing unanswered, no escalation."""
    if state.escalated:
        state = replace(state, escalation=None, route=state.last_route or STAFF,
                        route_message_id=None, route_why=f"escalation ended: solved by {by}")
    state = replace(state, unanswered=0, waiting_since=None, first_unanswered_id=None, top=0,
                    top_factors=[], manual=None, priority_message_id=None,
                    note=f"solved by {by}")
    return settle(state, now)
