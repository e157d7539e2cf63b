"""Stage 4: route. A pure function from a triage result (and what the workspace knows) to a
responder: bot, community, tier1, tier2, escalation or ignore, with the reasons.

Workspace rules are data, evaluated first, in order; the first whose conditions all hold
decides (a rule may also only name a team or change the priority and let the defaults pick
the route). A rule looks like:

    {"name": "VIP billing", "when": {"intent": "billing", "influence": {"gte": 0.5},
                                     "channel": ["x", "messenger"], "text": {"contains": "refund"}},
     "then": {"route": "escalation", "team": "Tier 2", "priority": "+20"}}

A condition's field is any triage field (its value), or channel, public, campaign, vip, text.
Its test is a value (equal), a list (any of), or {"gte"|"lte"|"gt"|"lt"|"contains"|"not": x}.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crowdcare.domain import RouteDecision, TriageResult
from crowdcare.domain.enums import Route
from crowdcare.pipeline.triage import anger as anger_mod

log = logging.getLogger(__name__)
# Routes whose responders always exist; "bot" and "community" join when those features land.
FALLBACK = {Route.bot: Route.tier1, Route.community: Route.tier1}
FAQ_INTENTS = frozenset({"order_status", "shipping", "returns"})   # what an FAQ bot answers
INFLUENTIAL = 0.5       # influence (0..1) from which an angry sender is escalated
NOISE_CONFIDENT = 0.8   # in a private thread, only ignore what is noise this surely
BOT_CONFIDENT = 0.45    # intent confidence from which a frequent question goes to the bot
CONTEXT_FIELDS = ("channel", "public", "campaign", "vip", "text")
TRIAGE_FIELDS = tuple(TriageResult.__dataclass_fields__)
OPS = {
    "gte": lambda a, b: a is not None and a >= b, "lte": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b, "lt": lambda a, b: a is not None and a < b,
    "contains": lambda a, b: a is not None and (str(b).lower() in str(a).lower()
                                                if not isinstance(a, list) else b in a),
    "not": lambda a, b: a != b,
}


# What each field's value is, so a rule is checked against it when saved: a mistyped rule
# ({"sentiment": {"gte": 5}}) used to be stored, then fail every message of its workspace.
KINDS: dict[str, type] = {
    "language": str, "sentiment": str, "service_related": bool, "intent": str, "anger": bool,
    "technical": bool, "pii": list, "influence": float, "priority": int,
    "channel": str, "public": bool, "campaign": str, "vip": bool, "text": str}
assert set(KINDS) == set(TRIAGE_FIELDS + CONTEXT_FIELDS), "a new field needs its kind in KINDS"
KIND_NAMES = {str: "text", bool: "true or false", list: "a list of names", float: "a number",
              int: "a number"}
ORDERED = ("gte", "lte", "gt", "lt")


class RuleError(ValueError):
    """A workspace rule that cannot be evaluated; the message says which part, `field` where."""

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


@dataclass
class Rule:
    name: str
    when: dict[str, Any] = field(default_factory=dict)
    route: str | None = None
    team: str | None = None
    priority: str | int | None = None   # 70 sets it, "+20" / "-10" changes it

    def matches(self, result: TriageResult, ctx: RouteContext) -> bool:
        return all(_test(_value(name, result, ctx), test) for name, test in self.when.items())


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Validate a stored or submitted rule; raise RuleError naming the bad part."""
    name = str(data.get("name") or "unnamed rule")
    when, then = data.get("when") or {}, data.get("then") or {}
    if not isinstance(when, Mapping) or not isinstance(then, Mapping):
        raise RuleError(f"rule '{name}': 'when' and 'then' must be objects")
    for key, test in when.items():
        if key not in KINDS:
            raise RuleError(f"rule '{name}': unknown field '{key}' (use one of "
                            f"{', '.join(TRIAGE_FIELDS + CONTEXT_FIELDS)})", f"when.{key}")
        _check_test(name, key, test)
    route = then.get("route")
    if route is not None and (not isinstance(route, str) or route not in Route.__members__):
        raise RuleError(f"rule '{name}': unknown route '{route}' (use {', '.join(Route)})",
                        "then.route")
    priority = then.get("priority")
    if priority is not None:
        try:
            _adjust(50, priority)   # what routing will do with it
        except (TypeError, ValueError):
            raise RuleError(f"rule '{name}': priority must be a number or '+n'/'-n' (whole)",
                            "then.priority") from None
    team = then.get("team")
    if team is not None and not isinstance(team, str):
        raise RuleError(f"rule '{name}': team is a team's name", "then.team")
    if route is None and team is None and priority is None:
        raise RuleError(f"rule '{name}': 'then' needs a route, a team or a priority", "then")
    return Rule(name, dict(when), route, then.get("team"), priority)


def rules_from(stored: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """The rules that can run; one stored before it was checked this way and no longer passes
    is skipped (and logged) rather than failing every message of its workspace."""
    rules = []
    for data in stored:
        try:
            rules.append(rule_from_dict(data))
        except RuleError as exc:
            log.warning("routing rule skipped: %s", exc)
    return rules


@dataclass
class RouteContext:
    channel: str = "api"
    public: bool = False
    campaign: str | None = None
    vip: bool = False
    text: str = ""
    rules: list[Rule] = field(default_factory=list)
    available: set[str] = field(default_factory=lambda: set(Route) - set(FALLBACK))
    bot_first: bool = False      # the FAQ bot sees every calm private question first


def _value(name: str, result: TriageResult, ctx: RouteContext) -> Any:
    if name in CONTEXT_FIELDS:
        return getattr(ctx, name)
    signal = getattr(result, name, None)
    return None if signal is None else signal.value


def _test(value: Any, test: Any) -> bool:
    if isinstance(test, Mapping):
        return all(OPS[op](value, arg) for op, arg in test.items())
    if isinstance(test, list):
        return value in test or (isinstance(value, list) and bool(set(value) & set(test)))
    return value == test


def _adjust(priority: int, change: str | int) -> int:
    text = str(change)
    new = priority + int(text) if text[:1] in "+-" else int(text)
    return max(0, min(100, new))


def defaults(result: TriageResult, ctx: RouteContext) -> tuple[str, list[str]]:
    """The built-in decision, in order of precedence."""
    svc = result.service_related
    flags = anger_mod.flags(result.anger)
    angry = bool(result.anger and result.anger.value)
    influence = float(result.influence.value) if result.influence else 0.0
    if flags:
        return Route.escalation, [f"{f} words: {r.split(':', 1)[1].strip()}"
                                  for f in sorted(flags) for r in result.anger.reasons
                                  if r.startswith(f + ":")]
    if angry and (influence >= INFLUENTIAL or ctx.vip):
        who = "VIP" if ctx.vip else f"influence {influence:.2f}"
        return Route.escalation, [f"angry and influential ({who})"]
    if svc is not None and not svc.value:
        if ctx.public or svc.confidence >= NOISE_CONFIDENT:
            return Route.ignore, [f"not service-related (confidence {svc.confidence:.2f})"]
    why_service = (f"service-related (confidence {svc.confidence:.2f})" if svc and svc.value
                   else "unclear in a private thread: a person looks")
    if result.technical and result.technical.value:
        return Route.tier2, [why_service, "needs a technical expert"]
    pii = result.pii.value if result.pii else []
    intent = result.intent.value if result.intent else None
    if angry:
        return Route.tier1, [why_service, "angry: staff, not a bot or volunteer"]
    if ctx.vip:
        return Route.tier1, [why_service, "VIP customer: staff, not a bot or volunteer"]
    if not ctx.public and intent in FAQ_INTENTS and result.intent.confidence >= BOT_CONFIDENT:
        return Route.bot, [why_service, f"frequent question: {intent}"]
    if ctx.public and not pii:
        return Route.community, [why_service, "public, calm, not technical, no private data"]
    if ctx.public and pii:
        return Route.tier1, [why_service, "private data in a public post: staff answer in "
                                          "private"]
    if ctx.bot_first and not ctx.public and Route.bot in ctx.available:
        return Route.bot, [why_service, "the FAQ bot answers first, a person if it cannot"]
    return Route.tier1, [why_service]


def safety(chosen: str, result: TriageResult, ctx: RouteContext) -> tuple[str, str] | None:
    """Guards no rule can lift: (new route, reason) when `chosen` would be unsafe.

    A volunteer (community) only ever gets a public, calm, non-technical post without private
    data from someone who is not a VIP; legal and safety matters always reach escalation."""
    flags = anger_mod.flags(result.anger)
    if flags and chosen in (Route.ignore, Route.bot, Route.community, Route.tier1):
        return Route.escalation, f"safety: {'/'.join(sorted(flags))} words always escalate"
    if chosen != Route.community:
        return None
    unsafe = []
    if not ctx.public:
        unsafe.append("private thread")
    if result.anger and result.anger.value:
        unsafe.append("angry")
    if result.pii and result.pii.value:
        unsafe.append("private data")
    if ctx.vip:
        unsafe.append("VIP")
    if result.technical and result.technical.value:
        unsafe.append("technical")
    if not unsafe:
        return None
    to = Route.tier2 if unsafe == ["technical"] else Route.tier1
    return to, f"safety: never to community ({', '.join(unsafe)})"


def route(result: TriageResult, ctx: RouteContext | None = None) -> RouteDecision:
    ctx = ctx or RouteContext()
    priority = int(result.priority.value)
    team, reasons, chosen = None, [], None
    for rule in ctx.rules:
        if not rule.matches(result, ctx):
            continue
        reasons.append(f"rule '{rule.name}'")
        team = team or rule.team
        if rule.priority is not None:
            priority = _adjust(priority, rule.priority)
            reasons.append(f"priority {rule.priority} by rule '{rule.name}' → {priority}")
        if rule.route:
            chosen = rule.route
            break
    if chosen is None:
        chosen, why = defaults(result, ctx)
        reasons.extend(why)
    guard = safety(chosen, result, ctx)
    if guard:
        chosen = guard[0]
        reasons.append(guard[1])
    fallback_from = None
    if chosen not in ctx.available and chosen in FALLBACK:
        fallback_from, chosen = chosen, FALLBACK[chosen]
    return RouteDecision(route=str(chosen), reasons=reasons, team=team,
                         priority=priority if priority != int(result.priority.value) else None,
                         fallback_from=str(fallback_from) if fallback_from else None)
