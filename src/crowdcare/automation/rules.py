"""The rules engine, pure: rules as data, checked when saved, matched against facts.

A rule names an event, conditions on what is known when it happens, and actions:

    {"name": "VIP billing", "event": "message.received",
     "when": {"intent": "billing", "influence": {"gte": 0.5}, "business_hours": false},
     "then": {"route": "escalation", "team": "Tier 2", "priority": "+20",
              "assign": "round_robin", "tags": ["vip"], "reply": "closed",
              "notify": ["team"], "webhook": "https://hooks.example.com/crowdcare"}}

A condition's field is any triage field (its value), or channel, public, campaign, vip, text,
business_hours, tags, customer.name, customer.email, status, team, assignee, assigned, and on
their events sla.target, survey.kind, survey.score. Its test is a value (equal), a list (any
of), or {"gte"|"lte"|"gt"|"lt"|"contains"|"not": x}. A fact nobody knows is None.

On "message.received" the rules are the routing rules: pipeline/route.py evaluates them, in
order, and the first with a route decides it (team and priority apply as they match); the
other actions of the rules that matched run after the message is stored (automation/run.py).
On every other event each matching rule runs its actions, in order.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crowdcare.domain import TriageResult
from crowdcare.domain.enums import Route

log = logging.getLogger(__name__)

MESSAGE_RECEIVED = "message.received"
EVENTS = {
    MESSAGE_RECEIVED: "a customer's message arrived (the routing rules)",
    "ticket.created": "a ticket was opened",
    "ticket.updated": "a ticket changed (status, priority, team, assignee, tags)",
    "ticket.solved": "a ticket was solved or closed",
    "sla.at_risk": "an SLA target is at risk",
    "sla.breached": "an SLA target was breached",
    "survey.answered": "a customer answered a CSAT or NPS survey",
}

OPS = {
    "gte": lambda a, b: a is not None and a >= b, "lte": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b, "lt": lambda a, b: a is not None and a < b,
    "contains": lambda a, b: a is not None and (str(b).lower() in str(a).lower()
                                                if not isinstance(a, list) else b in a),
    "not": lambda a, b: a != b,
}
ORDERED = ("gte", "lte", "gt", "lt")

TRIAGE_FIELDS = tuple(TriageResult.__dataclass_fields__)
CONTEXT_FIELDS = ("channel", "public", "campaign", "vip", "text")
# What each field's value is, so a rule is checked against it when saved: a mistyped rule
# ({"sentiment": {"gte": 5}}) used to be stored, then fail every message of its workspace.
KINDS: dict[str, type] = {
    "language": str, "sentiment": str, "service_related": bool, "intent": str, "anger": bool,
    "technical": bool, "pii": list, "influence": float, "priority": int,
    "channel": str, "public": bool, "campaign": str, "vip": bool, "text": str,
    "business_hours": bool, "tags": list, "customer.name": str, "customer.email": str,
    "status": str, "team": str, "assignee": str, "assigned": bool,
    "sla.target": str, "survey.kind": str, "survey.score": int}
assert set(TRIAGE_FIELDS) <= set(KINDS), "a new triage field needs its kind in KINDS"
# fields only some events know
ONLY_ON = {"sla.target": ("sla.at_risk", "sla.breached"),
           "survey.kind": ("survey.answered",), "survey.score": ("survey.answered",)}
KIND_NAMES = {str: "text", bool: "true or false", list: "a list of names", float: "a number",
              int: "a number"}

ROUND_ROBIN = "round_robin"
NOTIFY_WHO = ("assignee", "team")   # or an agent's email
ACTIONS = ("route", "team", "priority", "assign", "tags", "reply", "notify", "webhook")


class RuleError(ValueError):
    """A rule that cannot be evaluated; the message says which part, `field` where."""

    def __init__(self, message: str, field: str = "rule") -> None:
        super().__init__(message)
        self.field = field


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fits(kind: type, value: Any) -> bool:
    """`value` can be compared with a field of this kind (None: the field is empty)."""
    if value is None:
        return True
    if kind in (int, float):
        return _number(value)
    if kind is list:   # equal to, or any of, the names it holds
        return isinstance(value, str) or (isinstance(value, list)
                                           and all(isinstance(v, str) for v in value))
    return isinstance(value, kind)


def _check_test(name: str, key: str, test: Any) -> None:
    kind, where = KINDS[key], f"when.{key}"
    said = f"rule '{name}': '{key}' is {KIND_NAMES[kind]}"
    if isinstance(test, Mapping):
        for op, arg in test.items():
            if op not in OPS:
                raise RuleError(f"rule '{name}': unknown test in '{key}' (use {', '.join(OPS)})",
                                where)
            if op in ORDERED and not (kind in (int, float) and _number(arg)):
                raise RuleError(f"{said}: '{op}' compares a number field with a number", where)
            if op == "contains" and not (kind in (str, list) and isinstance(arg, str)):
                raise RuleError(f"{said}: 'contains' looks for text in a text or list field",
                                where)
            if op == "not" and not _fits(kind, arg):
                raise RuleError(f"{said}, not {arg!r}", where)
    elif isinstance(test, list):
        wrong = [v for v in test if not _fits(kind, v) or isinstance(v, list)]
        if wrong:
            raise RuleError(f"{said}: cannot be any of {wrong!r}", where)
    elif not _fits(kind, test):
        raise RuleError(f"{said}, not {test!r}", where)


def test(value: Any, spec: Any) -> bool:
    if isinstance(spec, Mapping):
        return all(OPS[op](value, arg) for op, arg in spec.items())
    if isinstance(spec, list):
        return value in spec or (isinstance(value, list) and bool(set(value) & set(spec)))
    if isinstance(value, list):   # a list field (tags, pii) equals a name it holds
        return spec in value
    return value == spec


def adjust(priority: int, change: str | int) -> int:
    """A priority after a rule's change: 70 sets it, "+20" / "-10" moves it (0..100)."""
    text = str(change)
    new = priority + int(text) if text[:1] in "+-" else int(text)
    return max(0, min(100, new))


@dataclass
class Rule:
    name: str
    when: dict[str, Any] = field(default_factory=dict)
    route: str | None = None
    team: str | None = None
    priority: str | int | None = None   # 70 sets it, "+20" / "-10" changes it
    event: str = MESSAGE_RECEIVED
    actions: dict[str, Any] = field(default_factory=dict)   # assign, tags, reply, notify, webhook
    id: int | None = None

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(test(facts.get(key), spec) for key, spec in self.when.items())


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_actions(name: str, then: Mapping[str, Any]) -> dict[str, Any]:
    """The side-effect actions of `then`, normalised (a single notify target as a list)."""
    out: dict[str, Any] = {}
    assign = then.get("assign")
    if assign is not None:
        if not isinstance(assign, str) or not (assign == ROUND_ROBIN or "@" in assign):
            raise RuleError(f"rule '{name}': assign is \"{ROUND_ROBIN}\" (within the team) or "
                            "an agent's email", "then.assign")
        out["assign"] = assign.strip().lower() if assign != ROUND_ROBIN else assign
    tags = then.get("tags")
    if tags is not None:
        if not _names(tags) or any(len(t) > 50 for t in tags):
            raise RuleError(f"rule '{name}': tags is a list of names (at most 50 characters)",
                            "then.tags")
        out["tags"] = sorted({t.strip() for t in tags})
    reply = then.get("reply")
    if reply is not None:
        if not isinstance(reply, str) or not reply.strip().lstrip("/"):
            raise RuleError(f"rule '{name}': reply is a canned response's shortcut",
                            "then.reply")
        out["reply"] = reply.strip().lstrip("/").lower()
    notify = then.get("notify")
    if notify is not None:
        who = [notify] if isinstance(notify, str) else notify
        if not _names(who) or any(w not in NOTIFY_WHO and "@" not in w for w in who):
            raise RuleError(f"rule '{name}': notify is assignee, team or an agent's email (or "
                            "a list of them)", "then.notify")
        out["notify"] = [w.strip().lower() for w in who]
    webhook = then.get("webhook")
    if webhook is not None:
        parts = urlsplit(webhook) if isinstance(webhook, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
                or len(webhook) > 1000:
            raise RuleError(f"rule '{name}': webhook is an http(s) URL", "then.webhook")
        out["webhook"] = webhook
    return out


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Validate a stored or submitted rule; raise RuleError naming the bad part."""
    name = str(data.get("name") or "unnamed rule")
    event = data.get("event") or MESSAGE_RECEIVED
    if event not in EVENTS:
        raise RuleError(f"rule '{name}': unknown event '{event}' (use {', '.join(EVENTS)})",
                        "event")
    when, then = data.get("when") or {}, data.get("then") or {}
    if not isinstance(when, Mapping) or not isinstance(then, Mapping):
        raise RuleError(f"rule '{name}': 'when' and 'then' must be objects")
    for key, spec in when.items():
        if key not in KINDS or event not in ONLY_ON.get(key, (event,)):
            known = [k for k in KINDS if event in ONLY_ON.get(k, (event,))]
            raise RuleError(f"rule '{name}': unknown field '{key}' (use one of "
                            f"{', '.join(known)})", f"when.{key}")
        _check_test(name, key, spec)
    unknown = sorted(set(then) - set(ACTIONS))
    if unknown:
        raise RuleError(f"rule '{name}': unknown action '{unknown[0]}' (use "
                        f"{', '.join(ACTIONS)})", f"then.{unknown[0]}")
    route = then.get("route")
    if route is not None and (not isinstance(route, str) or route not in Route.__members__):
        raise RuleError(f"rule '{name}': unknown route '{route}' (use {', '.join(Route)})",
                        "then.route")
    priority = then.get("priority")
    if priority is not None:
        try:
            adjust(50, priority)   # what routing will do with it
        except (TypeError, ValueError):
            raise RuleError(f"rule '{name}': priority must be a number or '+n'/'-n' (whole)",
                            "then.priority") from None
    team = then.get("team")
    if team is not None and not isinstance(team, str):
        raise RuleError(f"rule '{name}': team is a team's name", "then.team")
    actions = _check_actions(name, then)
    if route is None and team is None and priority is None and not actions:
        raise RuleError(f"rule '{name}': 'then' needs a route, a team or a priority, or an "
                        f"action ({', '.join(ACTIONS[3:])})", "then")
    return Rule(name, dict(when), route, team, priority, event, actions, data.get("id"))


def rules_from(stored: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """The rules that can run; one stored before it was checked this way and no longer passes
    is skipped (and logged) rather than failing every event of its workspace."""
    rules = []
    for data in stored:
        try:
            rules.append(rule_from_dict(data))
        except RuleError as exc:
            log.warning("rule skipped: %s", exc)
    return rules


@dataclass
class Fired:
    """A rule that matched, and what it does."""
    rule: Rule
    reason: str


def evaluate(rules: Iterable[Rule], event: str, facts: Mapping[str, Any]) -> list[Fired]:
    """The rules of `event` whose conditions all hold, in order (the non-routing events)."""
    return [Fired(r, f"rule '{r.name}' ({event})") for r in rules
            if r.event == event and r.holds(facts)]
