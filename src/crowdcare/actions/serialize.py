"""Event payloads and API bodies share these shapes: one name per concept."""
from __future__ import annotations

from typing import Any

from crowdcare.automation.sla import view as sla_view
from crowdcare.store import models as m


def iso(value) -> str | None:
    return value.isoformat() if value else None


def message(row: m.Message) -> dict[str, Any]:
    return {
        "id": row.id, "conversation_id": row.conversation_id, "ticket_id": row.ticket_id,
        "direction": row.direction, "author": row.author, "agent_id": row.agent_id,
        "kind": row.kind, "public": row.public, "external_id": row.external_id,
        "reply_to": row.reply_to, "text": row.text, "attachments": row.attachments,
        "metadata": row.meta, "url": row.url, "status": row.status, "error": row.error,
        "purpose": row.purpose, "language": row.language, "priority": row.priority,
        "route": row.route, "route_reasons": row.route_reasons, "triage": row.triage,
        "order_id": row.order_id, "sent_at": iso(row.sent_at), "created_at": iso(row.created_at),
    }


def conversation(row: m.Conversation) -> dict[str, Any]:
    return {
        "id": row.id, "channel_account_id": row.channel_account_id,
        "channel": row.channel_account.kind if row.channel_account else None,
        "customer_id": row.customer_id, "status": row.status, "priority": row.priority,
        "route": row.route, "language": row.language, "assignee_id": row.assignee_id,
        "team_id": row.team_id, "last_message_at": iso(row.last_message_at),
        "last_inbound_at": iso(row.last_inbound_at), "preview": row.last_preview,
        "campaign_id": row.campaign_id, "entry_source": row.entry_source,
        "entry_ad_id": row.entry_ad_id, "entry_at": iso(row.entry_at),
        "thread_owner_app_id": row.thread_owner_app_id,
        "customer_name": row.customer.name if row.customer else None,
        "sla": {"state": row.sla_state, "due_at": iso(row.sla_due_at)} if row.sla_state
        else None,   # the open ticket's, for the inbox; the ticket's `sla` has each target
        "created_at": iso(row.created_at),
    }


def ticket(row: m.Ticket) -> dict[str, Any]:
    return {
        "id": row.id, "conversation_id": row.conversation_id, "customer_id": row.customer_id,
        "status": row.status, "priority": row.priority, "route": row.route,
        "subject": row.subject, "assignee_id": row.assignee_id, "team_id": row.team_id,
        "tags": row.tags, "follows_ticket_id": row.follows_ticket_id,
        "opened_at": iso(row.opened_at), "first_response_at": iso(row.first_response_at),
        "solved_at": iso(row.solved_at), "closed_at": iso(row.closed_at),
        "state": row.state or {},   # route, priority, escalation and what set them
        "sla": sla_view(row.sla),    # policy, and per target its due time and state
        # automatic assignment: who and why, or why nobody yet (automation/assign.py)
        "assignment": row.assignment,
        "assignment_queued_at": iso(row.assignment_queued_at),
    }


def identity(row: m.Identity) -> dict[str, Any]:
    return {
        "id": row.id, "channel_account_id": row.channel_account_id,
        "channel": row.channel_account.kind if row.channel_account else None,
        "external_id": row.external_id, "handle": row.handle, "name": row.display_name,
        "followers": row.followers, "verified": row.verified,
    }


def order(row: m.Order) -> dict[str, Any]:
    return {
        "id": row.id, "customer_id": row.customer_id, "number": row.number,
        "status": row.status, "currency": row.currency, "subtotal": row.subtotal,
        "shipping_cost": row.shipping_cost, "tax": row.tax, "total": row.total,
        "payment_method": row.payment_method, "address": row.address,
        "items": [
            {"sku": i.sku, "title": i.title, "quantity": i.quantity,
             "unit_price": i.unit_price, "image_url": i.image_url} for i in row.items
        ],
        "shipping_events": [
            {"id": e.id, "status": e.status, "description": e.description,
             "location": e.location, "carrier": e.carrier,
             "tracking_number": e.tracking_number, "occurred_at": iso(e.occurred_at)}
            for e in row.shipping_events
        ],
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
    }


def agent(row: m.Agent) -> dict[str, Any]:
    skills = row.skills or {}
    return {"id": row.id, "email": row.email, "name": row.name, "role": row.role,
            "active": row.active, "teams": [t.id for t in row.teams],
            "capacity": row.capacity, "availability": row.availability,
            "languages": list(skills.get("languages") or []),
            "intents": list(skills.get("intents") or [])}


def team(row: m.Team) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "members": [a.id for a in row.members]}


def customer(row: m.Customer) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "email": row.email, "phone": row.phone,
            "vip": row.vip, "merged_into_id": row.merged_into_id,
            "surveys_opted_out_at": iso(row.surveys_opted_out_at),
            "surveys_opt_out_via": row.surveys_opt_out_via,
            "identities": [identity(i) for i in row.identities],
            "created_at": iso(row.created_at)}
