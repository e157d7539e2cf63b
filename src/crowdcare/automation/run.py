"""Where rules run: the hooks the flow calls (one line each) and the actions rules take.

- message.received: pipeline/act.py calls `on_message` once the message is stored; routing
  already applied the route, team and priority of the rules that matched (pipeline/route.py),
  the rest of their actions run here.
- ticket.created: actions/tickets.py calls `ticket_created` when it opens a ticket.
- ticket.updated / ticket.solved: actions/tickets.py calls `ticket_changing` before it
  changes a ticket; at commit the change is compared and the rules of what happened run (and
  an agent a ticket left is offered the queued work of their teams).
- sla.at_risk, sla.breached, survey.answered: whoever detects them calls `on_event`.

Each runs at commit, after the writes it reads (the ticket's state is folded then), in the
same transaction: a rule's actions happen exactly when the event does. Rules do not trigger
rules: what a rule changes runs no further rules (no loops).
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, notifications, replies, serialize, tickets
from crowdcare.actions import assignment as assignment_actions
from crowdcare.actions import rules as rule_actions
from crowdcare.actions.rules import workspace_rules
from crowdcare.automation import assign, calendars
from crowdcare.automation.rules import MESSAGE_RECEIVED, ROUND_ROBIN, Rule, adjust, evaluate
from crowdcare.domain import Author, TicketStatus
from crowdcare.events import at_commit
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
RUNNING = "crowdcare.rules_running"
SOLVED = (TicketStatus.solved, TicketStatus.closed)


def _after_writes(session: Session, run) -> None:
    """Run at commit, after the unit's own deferred writes (the ticket's folded state)."""
    at_commit(session, lambda: at_commit(session, run))


def _has(session: Session, workspace_id: int, event: str) -> bool:
    return any(r.event == event for r in workspace_rules(session, workspace_id))


# --- hooks -----------------------------------------------------------------------------------

def on_message(session: Session, conversation: m.Conversation, row: m.Message | None,
               fired: list[int]) -> None:
    """message.received: the other actions of the routing rules that matched."""
    if row is None or not fired or session.info.get(RUNNING):
        return
    by_id = {r.id: r for r in workspace_rules(session, conversation.workspace_id)}
    rules = [by_id[i] for i in fired if i in by_id and by_id[i].actions]
    if rules:
        _after_writes(session, lambda: _run(session, MESSAGE_RECEIVED, rules, row.ticket,
                                            conversation, row))


def ticket_created(session: Session, ticket: m.Ticket) -> None:
    if not session.info.get(RUNNING) and _has(session, ticket.workspace_id, "ticket.created"):
        _after_writes(session, lambda: on_event(session, ticket, "ticket.created"))


def ticket_changing(session: Session, ticket: m.Ticket) -> None:
    """Called before a change: at commit, the rules of what changed run, and an agent the
    ticket left (solved, closed, given to someone else) is offered queued work."""
    if session.info.get(RUNNING):
        return
    before = (ticket.status, ticket.assignee_id)

    def changed() -> None:
        status, assignee = ticket.status, ticket.assignee_id
        on_event(session, ticket, "ticket.updated")
        if status in SOLVED and before[0] not in SOLVED:
            on_event(session, ticket, "ticket.solved")
        left = before[1] if before[1] is not None and (
            assignee != before[1] or (status in SOLVED and before[0] not in SOLVED)) else None
        if left is not None:
            assign.reoffer(session, left)
    _after_writes(session, changed)


def on_event(session: Session, ticket: m.Ticket, event: str,
             extra: dict[str, Any] | None = None) -> None:
    """Run the rules of `event` on this ticket now (`extra`: the event's own facts, e.g.
    {"sla.target": "first_reply"}, {"survey.kind": "csat", "survey.score": 5})."""
    if session.info.get(RUNNING):
        return
    rules = [r for r in workspace_rules(session, ticket.workspace_id) if r.event == event]
    if rules:
        _run(session, event, rules, ticket, ticket.conversation, None, extra or {})


# --- facts -----------------------------------------------------------------------------------

def _last_inbound(session: Session, ticket: m.Ticket) -> m.Message | None:
    return session.scalar(select(m.Message).where(
        m.Message.ticket_id == ticket.id, m.Message.direction == "inbound")
        .order_by(m.Message.id.desc()).limit(1))


def ticket_facts(session: Session, ticket: m.Ticket, extra: dict[str, Any]) -> dict[str, Any]:
    """What a ticket event's conditions test: the ticket, its latest customer message's
    triage, its channel and customer, business hours now, and the event's own facts."""
    conversation = ticket.conversation
    last = _last_inbound(session, ticket)
    facts: dict[str, Any] = {k: v.get("value") for k, v in ((last.triage or {}) if last else
                                                           {}).items() if isinstance(v, dict)}
    team = session.get(m.Team, ticket.team_id) if ticket.team_id else None
    assignee = session.get(m.Agent, ticket.assignee_id) if ticket.assignee_id else None
    customer = conversation.customer
    facts.update({
        "channel": conversation.channel_account.kind, "public": bool(last and last.public),
        "campaign": None, "vip": bool(customer.vip), "text": last.text if last else "",
        "business_hours": calendars.open_now(session, ticket.workspace_id,
                                         conversation.channel_account_id, ticket.team_id),
        "tags": list(ticket.tags or []), "customer.name": customer.name,
        "customer.email": customer.email, "status": ticket.status,
        "priority": ticket.priority, "team": team.name if team else None,
        "assignee": assignee.email if assignee else None, "assigned": assignee is not None,
        **extra})
    return facts


# --- actions ---------------------------------------------------------------------------------

def _run(session: Session, event: str, rules: list[Rule], ticket: m.Ticket | None,
         conversation: m.Conversation, message: m.Message | None,
         extra: dict[str, Any] | None = None) -> None:
    extra = extra or {}
    if event != MESSAGE_RECEIVED:
        fired = evaluate(rules, event, ticket_facts(session, ticket, extra))
        rules = [f.rule for f in fired]
    session.info[RUNNING] = True
    lines, ids = [], []
    try:
        for rule in rules:
            try:
                did = _apply(session, rule, event, ticket, conversation, message, extra)
            except ActionError as exc:   # a refusal (a closed ticket...): said, not raised
                did = [f"not done: {exc.reason}"]
            if did:
                lines.append(f"Rule '{rule.name}' ({event}): " + "; ".join(did))
                ids.append(rule.id)
        if lines:   # one note per event: what each rule did
            replies.do_reply(session, conversation, author=Author.system, note=True,
                             text="\n".join(lines), extra={"rule_ids": ids, "automatic": True})
    finally:
        session.info.pop(RUNNING, None)


def _team_id(session: Session, workspace_id: int, name: str) -> int | None:
    return session.scalar(select(m.Team.id).where(m.Team.workspace_id == workspace_id,
                                                  m.Team.name == name))


def _agent(session: Session, workspace_id: int, email: str) -> m.Agent | None:
    return session.scalar(select(m.Agent).where(m.Agent.workspace_id == workspace_id,
                                                m.Agent.email == email,
                                                m.Agent.active.is_(True)))


def _apply(session: Session, rule: Rule, event: str, ticket: m.Ticket | None,
           conversation: m.Conversation, message: m.Message | None,
           extra: dict[str, Any]) -> list[str]:
    """The rule's actions, each through its action; returns what was done, in words."""
    ws, did, by = conversation.workspace_id, [], f"rule '{rule.name}'"
    actions = rule.actions
    changes: dict[str, Any] = {}
    if ticket is not None:
        if event != MESSAGE_RECEIVED:   # on messages, routing applied these already
            if rule.route:
                changes["route"] = rule.route
            if rule.team:
                team_id = _team_id(session, ws, rule.team)
                if team_id is None:
                    did.append(f"no team named {rule.team}")
                else:
                    changes["team_id"] = team_id
            if rule.priority is not None:
                changes["priority"] = adjust(ticket.priority, rule.priority)
        if actions.get("tags"):
            tags = sorted(set(ticket.tags or []) | set(actions["tags"]))
            if tags != sorted(ticket.tags or []):
                tickets.do_tag(session, ticket, tags)
                did.append("tags " + ", ".join(actions["tags"]))
        if changes:
            tickets.check_update(session, ticket, changes)
            tickets.do_update(session, ticket, changes, by=by)
            did.append(", ".join(f"{k.removesuffix('_id')} {v}" for k, v in changes.items()))
    elif actions.get("tags") or actions.get("assign"):
        did.append("no ticket to tag or assign (not a request)")
    if ticket is not None and actions.get("assign"):
        did.append(_assign(session, ticket, actions["assign"], by, message))
    if actions.get("reply"):
        did.append(_reply(session, conversation, ticket, rule, actions["reply"]))
    if actions.get("notify"):
        did.append(_notify(session, ticket, conversation, rule, event, actions["notify"]))
    if actions.get("webhook"):
        rule_actions.do_queue_webhook(session, ws, rule.id, actions["webhook"], event,
                                      _payload(rule, event, ticket, conversation, message,
                                               extra))
        did.append("webhook queued")
    return did


def _assign(session: Session, ticket: m.Ticket, how: str, by: str,
            message: m.Message | None) -> str:
    if ticket.status in SOLVED:
        return "not assigned: the ticket is solved"
    if how == ROUND_ROBIN:
        agent = assign.offer(session, ticket, by=by, message=message)
        return f"assigned to {agent.name} by round robin" if agent else \
            "waiting for an agent: " + "; ".join((ticket.assignment or {}).get("reasons", []))
    agent = _agent(session, ticket.workspace_id, how)
    if agent is None:
        return f"not assigned: no active agent {how}"
    assignment_actions.do_assign(session, ticket, agent, [f"{by} assigns {agent.name}"], by)
    return f"assigned to {agent.name}"


def _fill(session: Session, body: str, conversation: m.Conversation,
          ticket: m.Ticket | None) -> str:
    """The canned body's customer and agent variables; one we do not know stays as it is
    (and the reply is not sent: never a guess)."""
    name = conversation.customer.name or conversation.identity.display_name or ""
    values = {"customer_name": name, "customer_first_name": name.split(" ")[0]}
    agent = session.get(m.Agent, ticket.assignee_id) if ticket and ticket.assignee_id else None
    if agent is not None:
        values.update(agent_name=agent.name, agent_first_name=agent.name.split(" ")[0])

    def sub(match) -> str:
        key = (match.group(1) or match.group(2)).replace(".", "_")
        return values.get(key) or match.group(0)
    return replies.VARIABLE.sub(sub, body)


def _reply(session: Session, conversation: m.Conversation, ticket: m.Ticket | None, rule: Rule,
           shortcut: str) -> str:
    canned = session.scalar(select(m.CannedResponse).where(
        m.CannedResponse.workspace_id == conversation.workspace_id,
        m.CannedResponse.shortcut == shortcut))
    if canned is None:
        return f"no reply: no canned response /{shortcut}"
    text = _fill(session, canned.body, conversation, ticket)
    if replies.VARIABLE.search(text):
        return f"no reply: /{shortcut} needs what an agent fills in ({text})"
    extra = {"automatic": True, "rule_id": rule.id, "canned": shortcut}
    decision = replies.window(session, conversation, Author.system, "response")
    if not decision.allowed:
        replies.do_block(session, conversation, text=text, author=Author.system,
                         reason=decision.reason, purpose="response", extra=extra)
        return f"reply /{shortcut} blocked: {decision.reason}"
    replies.do_reply(session, conversation, text=text, author=Author.system, decision=decision,
                     purpose="response", extra=extra)
    return f"replied /{shortcut}"


def _notify(session: Session, ticket: m.Ticket | None, conversation: m.Conversation,
            rule: Rule, event: str, who: list[str]) -> str:
    ids: set[int] = set()
    for target in who:
        if target == "assignee":
            if ticket is not None and ticket.assignee_id:
                ids.add(ticket.assignee_id)
        elif target == "team":
            if ticket is not None and ticket.team_id:
                team = session.get(m.Team, ticket.team_id)
                ids |= {a.id for a in team.members if a.active}
        else:
            agent = _agent(session, conversation.workspace_id, target)
            if agent is not None:
                ids.add(agent.id)
    if not ids:
        return "nobody to notify"
    notifications.do_notify_staff(session, conversation.workspace_id, sorted(ids), {
        "rule": {"id": rule.id, "name": rule.name}, "event": event,
        "ticket_id": ticket.id if ticket else None, "conversation_id": conversation.id,
        "text": f"Rule '{rule.name}': {event} on "
                + (f"ticket #{ticket.id}" if ticket else f"conversation {conversation.id}"),
        "at": utcnow().isoformat()})
    return f"notified {len(ids)} agent{'s' if len(ids) != 1 else ''}"


def _payload(rule: Rule, event: str, ticket: m.Ticket | None, conversation: m.Conversation,
             message: m.Message | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {"rule": {"id": rule.id, "name": rule.name}, "at": utcnow().isoformat(),
            "ticket": serialize.ticket(ticket) if ticket is not None else None,
            "conversation": serialize.conversation(conversation),
            "message": serialize.message(message) if message is not None else None,
            "facts": extra}

