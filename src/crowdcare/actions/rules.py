"""Rules (automation/rules.py): create, change, order, switch off and delete them. The
routing rules are the rules on "message.received" (the routing-rules API keeps that shape)."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, owned
from crowdcare.automation.rules import MESSAGE_RECEIVED, Rule, RuleError, rule_from_dict, rules_from
from crowdcare.events import emit, names
from crowdcare.outbound.network import refusal
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow


def rule_out(row: m.Rule) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "event": row.event, "position": row.position,
            "enabled": row.enabled, **{k: row.rule.get(k, {}) for k in ("when", "then")}}


def rows(session: Session, workspace_id: int, event: str | None = None) -> list[m.Rule]:
    query = select(m.Rule).where(m.Rule.workspace_id == workspace_id)
    if event is not None:
        query = query.where(m.Rule.event == event)
    return list(session.scalars(query.order_by(m.Rule.position, m.Rule.id)))


def workspace_rules(session: Session, workspace_id: int) -> list[Rule]:
    """The workspace's enabled rules of every event, in order, read once per unit of work
    (a batch of deliveries shares them)."""
    def load() -> list[Rule]:
        found = session.scalars(
            select(m.Rule).where(m.Rule.workspace_id == workspace_id, m.Rule.enabled.is_(True))
            .order_by(m.Rule.position, m.Rule.id)).all()
        return rules_from({"id": r.id, "name": r.name, "event": r.event, **r.rule}
                          for r in found)
    return db.once(session, ("rules", workspace_id), load)


def check_rule(data: dict[str, Any]) -> Rule:
    try:
        rule = rule_from_dict(data)
    except RuleError as e:
        raise Invalid(str(e), field=e.field) from None
    url = rule.actions.get("webhook")
    why = refusal(url) if url else None
    if why:
        raise Invalid(f"rule '{rule.name}': webhook {why}", field="then.webhook")
    return rule


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    return {"when": dict(data.get("when") or {}), "then": dict(data.get("then") or {})}


def do_create_rule(session: Session, workspace_id: int, data: dict[str, Any],
                   position: int | None = None, enabled: bool = True) -> m.Rule:
    if position is None:
        last = session.scalar(select(func.max(m.Rule.position)).where(
            m.Rule.workspace_id == workspace_id))
        position = (last or 0) + 1 if last is not None else 0
    row = m.Rule(workspace_id=workspace_id, position=position,
                 event=data.get("event") or MESSAGE_RECEIVED,
                 name=str(data.get("name") or "unnamed rule")[:200], rule=_stored(data),
                 enabled=enabled)
    session.add(row)
    session.flush()
    emit(session, workspace_id, names.RULES_UPDATED, {"created": rule_out(row)})
    return row


def get_rule(session: Session, workspace_id: int, rule_id: int) -> m.Rule:
    return owned(session, m.Rule, rule_id, workspace_id, "rule")


def do_update_rule(session: Session, row: m.Rule, data: dict[str, Any],
                   enabled: bool | None = None) -> m.Rule:
    row.name = str(data.get("name") or row.name)[:200]
    row.event = data.get("event") or row.event
    row.rule = _stored(data)
    if enabled is not None:
        row.enabled = enabled
    session.flush()
    emit(session, row.workspace_id, names.RULES_UPDATED, {"updated": rule_out(row)})
    return row


def do_enable(session: Session, row: m.Rule, enabled: bool) -> m.Rule:
    row.enabled = enabled
    session.flush()
    emit(session, row.workspace_id, names.RULES_UPDATED, {"updated": rule_out(row)})
    return row


def do_move_rule(session: Session, row: m.Rule, step: int) -> None:
    """Rules run in order: swap this one with its neighbour above (-1) or below (+1)."""
    ordered = rows(session, row.workspace_id)
    i = ordered.index(row)
    j = i + step
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, r in enumerate(ordered):
        r.position = position
    session.flush()
    emit(session, row.workspace_id, names.RULES_UPDATED, {"moved": row.id})


def do_delete_rule(session: Session, row: m.Rule) -> None:
    emit(session, row.workspace_id, names.RULES_UPDATED, {"deleted": row.id})
    session.delete(row)
    session.flush()


def webhook_secret(session: Session, workspace_id: int) -> str:
    """The key rules' webhook calls are signed with (made on first use, kept in settings)."""
    ws = session.get(m.Workspace, workspace_id)
    secret = (ws.settings or {}).get("webhook_secret")
    if not secret:
        secret = secrets.token_urlsafe(32)
        ws.settings = {**(ws.settings or {}), "webhook_secret": secret}
        session.flush()
    return secret


def do_queue_webhook(session: Session, workspace_id: int, rule_id: int | None, url: str,
                     event: str, payload: dict[str, Any]) -> m.WebhookCall:
    """A rule's webhook call, sent after commit by automation/webhooks.py."""
    row = m.WebhookCall(workspace_id=workspace_id, rule_id=rule_id, url=url, event=event,
                        payload=payload, status="queued", next_attempt_at=utcnow())
    session.add(row)
    return row


def do_retry_webhook(session: Session, workspace_id: int, call_id: int) -> m.WebhookCall:
    """Queue a call again now, with a fresh count of attempts."""
    row = owned(session, m.WebhookCall, call_id, workspace_id, "webhook call")
    row.status, row.next_attempt_at, row.attempts = "queued", utcnow(), 0
    session.flush()
    return row
