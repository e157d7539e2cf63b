"""The conversation page: the customer's whole timeline across channels, the triage and
customer panels, the composer behind the policy gate, ticket controls, presence."""
from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, customers, replies, tickets
from crowdcare.actions import triage as triage_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.api.numbers import Int64
from crowdcare.community import review as community_review
from crowdcare.conversations import linking
from crowdcare.conversations import state as rules
from crowdcare.domain import Author
from crowdcare.store import models as m
from crowdcare.store import queries
from crowdcare.web.core import (
    Attempt,
    back,
    check_csrf,
    console_user,
    flash,
    is_htmx,
    owned,
    render,
)

router = APIRouter(include_in_schema=False)
TIMELINE = 200
TRIAGE_FIELDS = [("language", "Language"), ("sentiment", "Sentiment"),
                 ("service_related", "Service request"), ("intent", "Intent"),
                 ("anger", "Anger"), ("technical", "Technical"), ("pii", "Private data"),
                 ("influence", "Influence")]
CORRECTABLE = {"language", "sentiment", "service_related", "intent", "anger", "technical", "route"}
VARIABLE = replies.VARIABLE


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
    """Canned-response variables: {{customer.name}} or {customer_name}, order, agent. One we
    do not know stays as {{group.name}}, for the composer to ask the agent (never a guess)."""
    def sub(match: re.Match) -> str:
        key = (match.group(1) or match.group(2)).replace(".", "_")
        if values.get(key):
            return values[key]
        group, _, name = key.partition("_")
        return "{{" + f"{group}.{name}" + "}}"
    return VARIABLE.sub(sub, body)


def context_order(conversation: m.Conversation, messages: list[m.Message],
                  orders: list[m.Order], named: dict[str, m.Order]) -> m.Order | None:
    """The order this conversation is about: the one a recent message carries (a reply to
    its receipt) or names, if it is the customer's; else their most recent order."""
    mine = {o.id: o for o in orders}
    for msg in reversed(messages):
        if msg.direction != "inbound":
            continue
        if msg.order_id in mine:
            return mine[msg.order_id]
        for _, _, key in linking.candidates(msg.text or ""):
            if key in named and named[key].id in mine:
                return named[key]
    return orders[0] if orders else None


def variables(conversation: m.Conversation, principal: Principal,
              order: m.Order | None) -> dict[str, str]:
    name = conversation.customer.name or conversation.identity.display_name or ""
    return {"customer_name": name, "customer_first_name": name.split()[0] if name else "",
            "order_number": order.number if order else "",
            "order_status": order.status if order else "",
            "agent_name": principal.name, "agent_first_name": principal.name.split()[0]}


def _ticket(session: Session, conversation: m.Conversation) -> m.Ticket | None:
    return tickets.current(session, conversation.id) or session.scalar(
        select(m.Ticket).where(m.Ticket.conversation_id == conversation.id)
        .order_by(m.Ticket.id.desc()).limit(1))


def ticket_state(session: Session, ticket: m.Ticket | None,
                 messages: list[m.Message]) -> dict[str, Any] | None:
    """The ticket's state and the messages that set its figures (the panel and bar show it)."""
    if ticket is None:
        return None
    state = tickets.state_of(ticket)
    by_id = {msg.id: msg for msg in messages}

    def message(message_id: int | None) -> m.Message | None:
        if message_id is None:
            return None
        return by_id.get(message_id) or session.get(m.Message, message_id)
    return {"state": state, "priority": ticket.priority, "route": ticket.route,
            "set_by": message(state.priority_message_id),
            "route_by": message(state.route_message_id),
            "escalated_by": message((state.escalation or {}).get("message_id"))}


def _menu(session: Session, principal: Principal, values: dict[str, str]) -> list[dict]:
    rows = session.scalars(select(m.CannedResponse).where(
        m.CannedResponse.workspace_id == principal.workspace_id)
        .order_by(m.CannedResponse.shortcut)).all()
    return [{"id": c.id, "shortcut": c.shortcut, "title": c.title, "body": fill(c.body, values)}
            for c in rows]


def context(session: Session, conversation: m.Conversation, principal: Principal) -> dict:
    journey = queries.customer_journey(session, conversation.customer_id)
    messages = timeline(session, conversation)
    channels = {c.id: c.channel_account for c in journey["conversations"]}
    channels.setdefault(conversation.id, conversation.channel_account)
    triaged = next((x for x in reversed(messages) if x.conversation_id == conversation.id
                    and x.direction == "inbound" and x.triage), None)
    ticket = _ticket(session, conversation)
    named = linking.orders_named(session, conversation.workspace_id,
                                 (x.text for x in messages if x.text))
    order = context_order(conversation, messages, journey["orders"], named)
    values = variables(conversation, principal, order)
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
        "canned": _menu(session, principal, values),
        "agents": agents, "teams": teams,
        "agent_names": dict(session.execute(select(m.Agent.id, m.Agent.name).where(
            m.Agent.workspace_id == principal.workspace_id)).all()),   # advocates too,
        "team_names": {t.id: t.name for t in teams}, "campaign": campaign,
        "identities": identities, "order_links": named, "context_order": order,
        "ticket_state": ticket_state(session, ticket, messages),
        "not_request": rules.not_a_request(tickets.facts(triaged)) if triaged else None,
        "says_solved": rules.says_solved(tickets.facts(triaged)) if triaged else None,
        "suggestions": linking.suggestions(session, conversation.customer, messages),
        "merged": session.scalars(select(m.Customer).where(
            m.Customer.merged_into_id == conversation.customer_id)).all(),
        "community_note": community_review.console_note(session, conversation),
    }


@router.get("/c/{conversation_id}")
def page(conversation_id: Int64, request: Request, principal: Principal = Depends(console_user),
         session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    return render(request, "conversation.html", context(session, conversation, principal),
                  principal=principal, session=session)


def _message(request: Request, session: Session, conversation: m.Conversation,
             msg: m.Message, principal: Principal):
    other = session.get(m.Conversation, msg.conversation_id)
    agents = dict(session.execute(select(m.Agent.id, m.Agent.name).where(
        m.Agent.workspace_id == principal.workspace_id)).all())
    return render(request, "_message.html", {
        "msg": msg, "agent_names": agents, "channels": {other.id: other.channel_account},
        "c": conversation, "customer": conversation.customer,
        "ticket": _ticket(session, conversation),
        "order_links": linking.orders_named(session, conversation.workspace_id, [msg.text])},
        principal=principal)


def _shown_here(session: Session, conversation: m.Conversation, msg: m.Message) -> bool:
    other = session.get(m.Conversation, msg.conversation_id)
    return other.customer_id in customer_ids(session, conversation.customer_id)


@router.get("/c/{conversation_id}/m/{message_id}")
def message_fragment(conversation_id: Int64, message_id: Int64, request: Request,
                     principal: Principal = Depends(console_user),
                     session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    msg = owned(session, m.Message, message_id, principal, "message")
    if not _shown_here(session, conversation, msg):
        return HTMLResponse("", status_code=404)
    return _message(request, session, conversation, msg, principal)


@router.get("/c/{conversation_id}/header")
def header_fragment(conversation_id: Int64, request: Request,
                    principal: Principal = Depends(console_user),
                    session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    return render(request, "_ticket_bar.html", context(session, conversation, principal),
                  principal=principal)


@router.get("/c/{conversation_id}/side")
def side_fragment(conversation_id: Int64, request: Request,
                  principal: Principal = Depends(console_user),
                  session: Session = Depends(get_session)):
    """The triage and customer panels, re-read live (the journey, orders, links)."""
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    return render(request, "_side.html", context(session, conversation, principal),
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
def reply(conversation_id: Int64, request: Request, text: str = Form("", max_length=20000),
          note: str = Form(""), public: str = Form(""),
          attachments: str = Form("", max_length=11000),
          principal: Principal = Depends(console_user), session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    is_note = note in ("1", "true", "on")
    htmx = is_htmx(request)
    with Attempt(request, session, f"/c/{conversation_id}",
                 inline=_composer_error if htmx else None) as it:
        files = _attachments(attachments)
        if not text.strip() and not files:
            raise ActionError("Type a message first.", status=422)
        row = replies.answer(session, conversation, text=text.strip(),
                             agent_id=principal.agent_id, note=is_note, attachments=files,
                             public=public in ("1", "true", "on") and not is_note)
    if it.failed or not htmx:
        return it.response
    return _message(request, session, conversation, row, principal)


def _composer_error(exc: ActionError) -> HTMLResponse:
    return HTMLResponse(f'<div class="flash error">{_esc(exc.reason)}</div>',
                        headers={"HX-Retarget": "#composer-flash", "HX-Reswap": "innerHTML"})


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.post("/c/{conversation_id}/ticket", dependencies=[Depends(check_csrf)])
async def update_ticket(conversation_id: Int64, request: Request,
                        principal: Principal = Depends(console_user),
                        session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    form = await request.form()
    ticket = _ticket(session, conversation)
    if ticket is None:
        flash(request, "This conversation has no ticket yet.", "error")
        return back(f"/c/{conversation_id}")
    changes: dict[str, Any] = {}
    with Attempt(request, session, f"/c/{conversation_id}") as it:
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
        tickets.do_update(session, ticket, changes, by=principal.name)
        solved = changes.get("status") == "solved"
        it.done = f"Ticket #{ticket.id} {'solved' if solved else 'updated'}."
    if it.failed or not form.get("next"):
        return it.response
    return back(next_conversation(session, principal, conversation.id,
                                  str(form.get("next_id") or "")))


def next_conversation(session: Session, principal: Principal, current: int,
                      wanted: str) -> str:
    """Where "solve and next" goes: the next row of the agent's last list, if still open;
    else the top of what is theirs or nobody's."""
    C = m.Conversation
    if wanted.isdigit():
        row = session.get(C, int(wanted))
        if row is not None and row.workspace_id == principal.workspace_id \
                and row.status == "open" and row.id != current:
            return f"/c/{row.id}"
    top = session.scalar(
        select(C.id).where(C.workspace_id == principal.workspace_id, C.status == "open",
                           C.id != current,
                           (C.assignee_id == principal.agent_id) | C.assignee_id.is_(None))
        .order_by(C.priority.desc(), C.last_message_at.desc()).limit(1))
    return f"/c/{top}" if top else "/inbox"


@router.post("/c/{conversation_id}/escalation", dependencies=[Depends(check_csrf)])
def escalation(conversation_id: Int64, request: Request, action: str = Form(..., max_length=20),
               principal: Principal = Depends(console_user),
               session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    ticket = tickets.current(session, conversation.id)
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        if ticket is None:
            raise ActionError("This conversation has no open ticket.", status=409)
        tickets.check_escalation(ticket, action)
        tickets.do_escalation(session, ticket, action, principal.name)
        it.done = "Escalation cleared." if action == "clear" else f"Ticket #{ticket.id} escalated."
    return it.response


@router.post("/c/{conversation_id}/assign-me", dependencies=[Depends(check_csrf)])
def assign_me(conversation_id: Int64, request: Request,
              principal: Principal = Depends(console_user),
              session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    ticket = tickets.current(session, conversation.id)
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        if ticket is None:
            raise ActionError("This conversation has no open ticket.", status=409)
        changes = {"assignee_id": principal.agent_id}
        tickets.check_update(session, ticket, changes)
        tickets.do_update(session, ticket, changes, by=principal.name)
        it.done = f"Ticket #{ticket.id} is yours."
    return it.response


@router.post("/c/{conversation_id}/m/{message_id}/retry", dependencies=[Depends(check_csrf)])
def retry(conversation_id: Int64, message_id: Int64, request: Request,
          principal: Principal = Depends(console_user), session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    msg = owned(session, m.Message, message_id, principal, "message")
    if not _shown_here(session, conversation, msg):
        raise_not_found("message")
    htmx = is_htmx(request)
    with Attempt(request, session, f"/c/{conversation_id}",
                 inline=_retry_error if htmx else None) as it:
        replies.check_retry(session, msg)
        replies.do_retry(session, msg)
        it.done = None if htmx else "Sending again."
    if it.failed or not htmx:
        return it.response
    return _message(request, session, conversation, msg, principal)


def _retry_error(exc: ActionError) -> HTMLResponse:
    return HTMLResponse(f'<div class="flash error">{_esc(exc.reason)}</div>',
                        status_code=exc.status)


def raise_not_found(what: str):
    from crowdcare.web.core import Refused

    raise Refused(404, f"No such {what}.")


@router.post("/c/{conversation_id}/link", dependencies=[Depends(check_csrf)])
def link_customer(conversation_id: Int64, request: Request, customer_id: Int64 = Form(...),
                  principal: Principal = Depends(console_user),
                  session: Session = Depends(get_session)):
    """The agent confirms a suggestion: this conversation's person is that store customer
    (who keeps the orders and email); this one is merged into them, and can be unlinked."""
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    store = owned(session, m.Customer, customer_id, principal, "customer")
    here = conversation.customer
    reasons = next((s.reasons for s in linking.suggestions(
        session, here, timeline(session, conversation)) if s.customer.id == store.id), None)
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        if reasons is None:
            raise ActionError("Nothing links these customers (same email, phone or an order "
                              "number they gave): not linked.", status=409)
        customers.check_merge(store, here)
        customers.do_merge(session, store, here, by=principal.name, reason="; ".join(reasons))
        it.done = f"Linked to {store.name or 'the customer'}: their orders and journey are here."
    return it.response


@router.post("/c/{conversation_id}/unlink", dependencies=[Depends(check_csrf)])
def unlink_customer(conversation_id: Int64, request: Request, customer_id: Int64 = Form(...),
                    principal: Principal = Depends(console_user),
                    session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    merged = owned(session, m.Customer, customer_id, principal, "customer")
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        if merged.merged_into_id != conversation.customer_id:
            raise ActionError("That customer is not linked to this one.", status=409)
        customers.check_unmerge(merged)
        customers.do_unmerge(session, merged)
        it.done = "Unlinked: they are two customers again."
    # the conversation may have gone back with the unlinked customer: it is still this page
    return it.response


@router.post("/c/{conversation_id}/surveys", dependencies=[Depends(check_csrf)])
def survey_opt_out(conversation_id: Int64, request: Request, opt_out: str = Form("1"),
                   principal: Principal = Depends(console_user),
                   session: Session = Depends(get_session)):
    """The customer asked not to get (or to get again) CSAT/NPS questions."""
    from crowdcare.actions import surveys

    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    customer = surveys.check_opt_out(session, principal.workspace_id, conversation.customer_id)
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        if opt_out == "1":
            who = session.get(m.Agent, principal.agent_id)
            surveys.do_opt_out(session, customer, f"recorded by {who.email if who else 'staff'}")
            it.done = "No more surveys for this customer: later ones are skipped (opted out)."
        else:
            surveys.do_opt_in(session, customer)
            it.done = "Surveys again for this customer."
    return it.response


@router.post("/c/{conversation_id}/triage", dependencies=[Depends(check_csrf)])
def correct_triage(conversation_id: Int64, request: Request, message_id: Int64 = Form(...),
                   field: str = Form(..., max_length=40), value: str = Form(..., max_length=200),
                   note: str = Form("", max_length=500),
                   principal: Principal = Depends(console_user),
                   session: Session = Depends(get_session)):
    conversation = owned(session, m.Conversation, conversation_id, principal, "conversation")
    msg = owned(session, m.Message, message_id, principal, "message")
    if msg.conversation_id != conversation.id:
        return back(f"/c/{conversation_id}")
    with Attempt(request, session, f"/c/{conversation_id}") as it:
        msg, clean = triage_actions.check_correct(session, principal.workspace_id, msg.id,
                                                  field, value)
        triage_actions.do_correct(session, msg, field, clean, principal.agent_id,
                                  note.strip() or None)
        it.done = (f"Thanks: {field.replace('_', ' ')} corrected to {clean}; the next training "
                   "uses it.")
    return it.response
