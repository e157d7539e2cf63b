"""The conversation page: the customer's whole timeline across channels, the triage and
customer panels, the composer behind the policy gate, ticket controls, presence."""
from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, replies, tickets
from crowdcare.actions import triage as triage_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.community import review as community_review
from crowdcare.domain import Author
from crowdcare.store import models as m
from crowdcare.store import queries
from crowdcare.web.core import back, check_csrf, console_user, flash, is_htmx, owned, render

router = APIRouter(include_in_schema=False)
TIMELINE = 200
TRIAGE_FIELDS = [("language", "Language"), ("sentiment", "Sentiment"),
                 ("service_related", "Service request"), ("intent", "Intent"),
                 ("anger", "Anger"), ("technical", "Technical"), ("pii", "Private data"),
                 ("influence", "Influence")]
CORRECTABLE = {"language", "sentiment", "service_related", "intent", "anger", "technical", "route"}
VARIABLE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}|\{([a-z_]+)\}")


def customer_ids(session: Session, customer_id: int) -> list[int]:
    return [customer_id] + list(session.scalars(
        select(m.Customer.id).where(m.Customer.merged_into_id == customer_id)))


def timeline(session: Session, conversation: m.Conversation) -> list[m.Message]:
    """Every message with this customer, across channels (merged customers included)."""
    conv_ids = select(m.Conversation.id).where(
        m.Conversation.customer_id.in_(customer_ids(session, conversation.customer_id)),
        m.Conversation.workspace_id == conversation.workspace_id)
    rows = session.scalars(select(m.Message).where(m.Message.conversation_id.in_(conv_ids))
                           .order_by(m.Message.id.desc()).limit(TIMELINE)).all()
    return list(reversed(rows))


def fill(body: str, values: dict[str, str]) -> str:
    """Canned-response variables: {{customer.name}} or {customer_name}, order, agent."""
    def sub(match: re.Match) -> str:
        key = (match.group(1) or match.group(2)).replace(".", "_")
        return values.get(key, match.group(0))
    return VARIABLE.sub(sub, body)


def variables(session: Session, conversation: m.Conversation, principal: Principal,
              orders: list[m.Order]) -> dict[str, str]:
    name = conversation.customer.name or conversation.identity.display_name or "there"
    order = orders[0] if orders else None
    return {"customer_name": name, "customer_first_name": name.split()[0],
            "order_number": order.number if order else "(order number)",
            "order_status": order.status if order else "",
            "agent_name": principal.name, "agent_first_name": principal.name.split()[0]}


def _ticket(session: Session, conversation: m.Conversation) -> m.Ticket | None:
    return tickets.current(session, conversation.id) or session.scalar(
        select(m.Ticket).where(m.Ticket.conversation_id == conversation.id)
        .order_by(m.Ticket.id.desc()).limit(1))


def context(session: Session, conversation: m.Conversation, principal: Principal) -> dict:
    journey = queries.customer_journey(session, conversation.customer_id)
    messages = timeline(session, conversation)
    channels = {c.id: c.channel_account for c in journey["conversations"]}
    channels.setdefault(conversation.id, conversation.channel_account)
    triaged = next((x for x in reversed(messages) if x.conversation_id == conversation.id
                    and x.direction == "inbound" and x.triage), None)
    ticket = _ticket(session, conversation)
    canned = session.scalars(select(m.CannedResponse).where(
        m.CannedResponse.workspace_id == principal.workspace_id)
        .order_by(m.CannedResponse.shortcut)).all()
    values = variables(session, conversation, principal, journey["orders"])
    agents = session.scalars(select(m.Agent).where(
        m.Agent.workspace_id == principal.workspace_id, m.Agent.active.is_(True),
        m.Agent.role != "advocate").order_by(m.Agent.name)).all()
    teams = session.scalars(select(m.Team).where(
        m.Team.workspace_id == principal.workspace_id).order_by(m.Team.name)).all()
    campaign = session.get(m.Campaign, conversation.campaign_id) if conversation.campaign_id \
        else None
    identities = session.scalars(select(m.Identity).where(
        m.Identity.customer_id.in_(customer_ids(session, conversation.customer_id)))).all()
    ticket_by_id = {t.id: t for t in journey["tickets"]}
    public_post = replies.last_public_post(session, conversation)
    return {
        "c": conversation, "customer": conversation.customer, "messages": messages,
        "channels": channels, "ticket": ticket, "journey": journey,
        "ticket_by_id": ticket_by_id, "triaged": triaged,
        "triage_fields": TRIAGE_FIELDS, "correctable": CORRECTABLE,
        "window": replies.window(session, conversation, Author.agent),
        # a mention or comment can be answered under the post (unless it holds private data)
        "public_post": public_post,
        "public_window": replies.window(session, conversation, Author.agent, public=True,
                                        reply_to=public_post)
        if public_post else None,
        "canned": [(c, fill(c.body, values)) for c in canned],
        "agents": agents, "teams": teams,
        "agent_names": dict(session.execute(select(m.Agent.id, m.Agent.name).where(
            m.Agent.workspace_id == principal.workspace_id)).all()),   # advocates too
        "team_names": {t.id: t.name for t in teams}, "campaign": campaign,
        "identities": identities,
        "community_note": community_review.console_note(session, conversation),
    }


@router.get("/c/{conversation_id}")
def page(conversation_id: int, request: Request, principal: Principal = Depends(console_user),
         session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    return render(request, "conversation.html", context(session, conversation, principal),
                  principal=principal, session=session)


@router.get("/c/{conversation_id}/m/{message_id}")
def message_fragment(conversation_id: int, message_id: int, request: Request,
                     principal: Principal = Depends(console_user),
                     session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    msg = owned(session, m.Message, message_id, principal, "message")
    other = session.get(m.Conversation, msg.conversation_id)
    if other.customer_id not in customer_ids(session, conversation.customer_id):
        return HTMLResponse("", status_code=404)
    agents = dict(session.execute(select(m.Agent.id, m.Agent.name).where(
        m.Agent.workspace_id == principal.workspace_id)).all())
    return render(request, "_message.html", {"msg": msg, "agent_names": agents,
                                             "channels": {other.id: other.channel_account},
                                             "c": conversation}, principal=principal)


@router.get("/c/{conversation_id}/header")
def header_fragment(conversation_id: int, request: Request,
                    principal: Principal = Depends(console_user),
                    session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    return render(request, "_ticket_bar.html", context(session, conversation, principal),
                  principal=principal)


def _attachments(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        url = line.strip()
        if not url:
            continue
        if not re.match(r"^https?://\S+$", url) or len(url) > 1000:
            raise ActionError(f"{url[:80]!r} is not an http(s) URL", status=422)
        kind = "image" if re.search(r"\.(png|jpe?g|gif|webp)(\?|$)", url, re.I) else "file"
        out.append({"type": kind, "url": url})
    if len(out) > 10:
        raise ActionError("at most 10 attachments", status=422)
    return out


@router.post("/c/{conversation_id}/reply", dependencies=[Depends(check_csrf)])
def reply(conversation_id: int, request: Request, text: str = Form("", max_length=20000),
          note: str = Form(""), public: str = Form(""),
          attachments: str = Form("", max_length=11000),
          principal: Principal = Depends(console_user), session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    is_note = note in ("1", "true", "on")
    try:
        files = _attachments(attachments)
        if not text.strip() and not files:
            raise ActionError("Type a message first.", status=422)
        row = replies.answer(session, conversation, text=text.strip(),
                             agent_id=principal.agent_id, note=is_note, attachments=files,
                             public=public in ("1", "true", "on") and not is_note)
        session.commit()
    except ActionError as exc:
        session.rollback()
        if is_htmx(request):
            return HTMLResponse(f'<div class="flash error">{_esc(exc.reason)}</div>',
                                headers={"HX-Retarget": "#composer-flash",
                                         "HX-Reswap": "innerHTML"})
        flash(request, exc.reason, "error")
        return back(f"/c/{conversation_id}")
    if is_htmx(request):
        return render(request, "_message.html", {
            "msg": row, "agent_names": {principal.agent_id: principal.name},
            "channels": {conversation.id: conversation.channel_account}, "c": conversation},
            principal=principal)
    return back(f"/c/{conversation_id}")


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.post("/c/{conversation_id}/ticket", dependencies=[Depends(check_csrf)])
async def update_ticket(conversation_id: int, request: Request,
                        principal: Principal = Depends(console_user),
                        session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    form = await request.form()
    ticket = _ticket(session, conversation)
    if ticket is None:
        flash(request, "This conversation has no ticket yet.", "error")
        return back(f"/c/{conversation_id}")
    changes: dict[str, Any] = {}
    try:
        if "status" in form:
            changes["status"] = str(form["status"])
        if "priority" in form:
            value = str(form["priority"]).strip()
            if not value.isdigit() or not 0 <= int(value) <= 100:
                raise ActionError("priority is a number from 0 to 100", status=422)
            changes["priority"] = int(value)
        for key in ("assignee_id", "team_id", "follows_ticket_id"):
            if key in form:
                value = str(form[key]).strip()
                if value and not value.isdigit():
                    raise ActionError(f"{key} must be a number", status=422)
                changes[key] = int(value) if value else None
        if "tags" in form:
            changes["tags"] = sorted({t.strip().lower()[:40] for t in str(form["tags"]).split(",")
                                      if t.strip()})[:30]
        if "add_tag" in form and str(form["add_tag"]).strip():
            changes["tags"] = sorted({*(ticket.tags or []), str(form["add_tag"]).strip().lower()[:40]})
        if changes.get("follows_ticket_id"):
            other = session.get(m.Ticket, changes["follows_ticket_id"])
            if other is None or other.customer_id not in customer_ids(
                    session, conversation.customer_id):
                raise ActionError("a follow-on links to an earlier ticket of this customer",
                                  status=422)
        tickets.check_update(session, ticket, changes)
        tickets.do_update(session, ticket, changes)
        session.commit()
    except ActionError as exc:
        session.rollback()
        flash(request, exc.reason, "error")
        return back(f"/c/{conversation_id}")
    if changes.get("status") == "solved":
        flash(request, f"Ticket #{ticket.id} solved.")
    else:
        flash(request, f"Ticket #{ticket.id} updated.")
    return back(f"/c/{conversation_id}")


@router.post("/c/{conversation_id}/triage", dependencies=[Depends(check_csrf)])
def correct_triage(conversation_id: int, request: Request, message_id: int = Form(...),
                   field: str = Form(..., max_length=40), value: str = Form(..., max_length=200),
                   note: str = Form("", max_length=500),
                   principal: Principal = Depends(console_user),
                   session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    msg = owned(session, m.Message, message_id, principal, "message")
    if msg.conversation_id != conversation.id:
        return back(f"/c/{conversation_id}")
    try:
        msg, clean = triage_actions.check_correct(session, principal.workspace_id, msg.id,
                                                  field, value)
        triage_actions.do_correct(session, msg, field, clean, principal.agent_id,
                                  note.strip() or None)
        session.commit()
    except ActionError as exc:
        session.rollback()
        flash(request, exc.reason, "error")
        return back(f"/c/{conversation_id}")
    flash(request, f"Thanks: {field.replace('_', ' ')} corrected to {clean}; the next training "
                   "uses it.")
    return back(f"/c/{conversation_id}")
