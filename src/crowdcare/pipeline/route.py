"""Stage 4: route. A pure function from a triage result (and what the workspace knows) to a
responder: bot, community, tier1, tier2, escalation or ignore, with the reasons.

The workspace's rules on "message.received" (automation/rules.py: the one rules engine) are
evaluated first, in order; the first whose conditions all hold and that names a route decides
(a rule may also only name a team or change the priority and let the defaults pick the route).
The decision lists the rules that matched (`fired`): their other actions (assign, tag, reply,
notify, webhook) run once the message is stored (automation/run.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from crowdcare.automation.rules import (  # noqa: F401 - the routing rules are the engine's
    TRIAGE_FIELDS,
    Rule,
    RuleError,
    adjust,
    rule_from_dict,
    rules_from,
)
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
    business_hours: bool | None = None   # open now, by the channel's calendar (None: unknown)
    customer: dict[str, Any] = field(default_factory=dict)   # name, email
    tags: list[str] = field(default_factory=list)            # the open ticket's, if any


def facts(result: TriageResult, ctx: RouteContext) -> dict[str, Any]:
    """What a message.received rule's conditions test: the triage values and the context."""
    out: dict[str, Any] = {name: None if (s := getattr(result, name, None)) is None else s.value
                           for name in TRIAGE_FIELDS}
    out.update(channel=ctx.channel, public=ctx.public, campaign=ctx.campaign, vip=ctx.vip,
               text=ctx.text, business_hours=ctx.business_hours, tags=list(ctx.tags),
               **{f"customer.{k}": v for k, v in ctx.customer.items()})
    return out


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
    team, reasons, chosen, fired = None, [], None, []
    known = facts(result, ctx) if ctx.rules else {}
    for rule in ctx.rules:
        if rule.event != "message.received" or not rule.holds(known):
            continue
        reasons.append(f"rule '{rule.name}'")
        if rule.id is not None:
            fired.append(rule.id)
        team = team or rule.team
        if rule.priority is not None:
            priority = adjust(priority, rule.priority)
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
                         fallback_from=str(fallback_from) if fallback_from else None,
                         fired=fired)
