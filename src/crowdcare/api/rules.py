"""Rules of every event (the routing rules are those on message.received), their webhook
calls, and agents' assignment settings: capacity, skills, availability."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import assignment, rules
from crowdcare.actions.triage import try_text
from crowdcare.api.deps import Principal, admin, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.automation import rules as engine
from crowdcare.automation import webhooks
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1", tags=["rules and assignment"])
Event = Literal[tuple(engine.EVENTS)]   # type: ignore[valid-type]


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    event: Event = engine.MESSAGE_RECEIVED
    when: dict[str, Any] = Field(default_factory=dict)
    then: dict[str, Any]
    position: Int64 | None = None
    enabled: bool = True


class RulePatch(BaseModel):
    """Left out: unchanged."""
    name: str = Field(None, min_length=1, max_length=200)
    event: Event = None
    when: dict[str, Any] = None
    then: dict[str, Any] = None
    enabled: bool = None


@router.get("/rules/vocabulary")
def vocabulary(principal: Principal = Depends(staff)) -> dict[str, Any]:
    """The events, the condition fields (with their kind and events) and the actions."""
    return {"events": engine.EVENTS,
            "fields": {k: {"kind": engine.KIND_NAMES[t], "events": list(engine.ONLY_ON.get(
                k, engine.EVENTS))} for k, t in engine.KINDS.items()},
            "tests": list(engine.OPS), "actions": list(engine.ACTIONS)}


@router.get("/rules")
def list_rules(event: Event | None = None, principal: Principal = Depends(admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"items": [rules.rule_out(r) for r in rules.rows(session, principal.workspace_id,
                                                             event)]}


@router.post("/rules", status_code=201)
def create_rule(body: RuleIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    data = body.model_dump(include={"name", "event", "when", "then"})
    rules.check_rule(data)   # 422 with the reason and the field at fault
    return rules.rule_out(rules.do_create_rule(session, principal.workspace_id, data,
                                               body.position, body.enabled))


@router.get("/rules/{rule_id}")
def get_rule(rule_id: Int64, principal: Principal = Depends(admin),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    return rules.rule_out(rules.get_rule(session, principal.workspace_id, rule_id))


@router.patch("/rules/{rule_id}")
def update_rule(rule_id: Int64, body: RulePatch, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    row = rules.get_rule(session, principal.workspace_id, rule_id)
    changes = body.model_dump(exclude_unset=True)
    data = {**rules.rule_out(row), **changes}
    rules.check_rule(data)
    return rules.rule_out(rules.do_update_rule(session, row, data, changes.get("enabled")))


class MoveIn(BaseModel):
    step: Literal[-1, 1]


@router.post("/rules/{rule_id}/move")
def move_rule(rule_id: Int64, body: MoveIn, principal: Principal = Depends(admin),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    row = rules.get_rule(session, principal.workspace_id, rule_id)
    rules.do_move_rule(session, row, body.step)
    return rules.rule_out(row)


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: Int64, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> Response:
    rules.do_delete_rule(session, rules.get_rule(session, principal.workspace_id, rule_id))
    return Response(status_code=204)


class TryIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    channel: str = Field("api", max_length=40)
    public: bool = False
    rule: RuleIn | None = Field(None, description="a rule not saved yet, tried after the rest")


@router.post("/rules/try")
def try_rules(body: TryIn, principal: Principal = Depends(admin),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """What triage and the message.received rules decide for a text now (nothing stored)."""
    extra = body.rule.model_dump(include={"name", "event", "when", "then"}) if body.rule else None
    return try_text(session, principal.workspace_id, body.text, body.channel, body.public, extra)


@router.get("/rules-webhook-secret")
def webhook_secret(principal: Principal = Depends(admin),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """The key that signs rules' webhook calls (X-Crowdcare-Signature, as API callbacks)."""
    return {"secret": rules.webhook_secret(session, principal.workspace_id)}


@router.get("/webhook-calls")
def webhook_calls(status: Literal["queued", "sent", "failed"] | None = None,
                  limit: Int64 = Query(50, ge=1, le=500), principal: Principal = Depends(admin),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    query = select(m.WebhookCall).where(m.WebhookCall.workspace_id == principal.workspace_id)
    if status:
        query = query.where(m.WebhookCall.status == status)
    rows = session.scalars(query.order_by(m.WebhookCall.id.desc()).limit(limit)).all()
    return {"items": [webhooks.call_out(r) for r in rows]}


@router.post("/webhook-calls/{call_id}/retry")
def retry_call(call_id: Int64, principal: Principal = Depends(admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    return webhooks.call_out(rules.do_retry_webhook(session, principal.workspace_id, call_id))


# --- agents' assignment settings ------------------------------------------------------------

class RoutingIn(BaseModel):
    """Left out: unchanged. capacity null: no limit."""
    capacity: Int64 | None = Field(None, ge=0, le=assignment.MAX_CAPACITY)
    availability: Literal["online", "away", "offline"] = None
    languages: list[str] = Field(None, max_length=50)
    intents: list[str] = Field(None, max_length=50)


class AvailabilityIn(BaseModel):
    availability: Literal["online", "away", "offline"]


@router.get("/agents/{agent_id}/routing")
def get_routing(agent_id: Int64, principal: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    return assignment.routing_out(owned(session, m.Agent, agent_id, principal, "agent"))


@router.put("/agents/{agent_id}/routing")
def put_routing(agent_id: Int64, body: RoutingIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    capacity = body.capacity if "capacity" in body.model_fields_set else "keep"
    changes = assignment.check_routing(capacity, body.availability, body.languages,
                                       body.intents)
    return assignment.routing_out(assignment.do_routing(session, agent, changes))


@router.put("/me/availability")
def my_availability(body: AvailabilityIn, principal: Principal = Depends(staff),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """An agent says they are online (taking work), away or offline."""
    agent = session.get(m.Agent, principal.agent_id)
    changes = assignment.check_routing(availability=body.availability)
    return assignment.routing_out(assignment.do_routing(session, agent, changes))
