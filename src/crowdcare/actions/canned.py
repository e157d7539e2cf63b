"""Canned responses: a shortcut (what /ret completes), a title, a body whose variables the
console fills from the conversation, or asks the agent for."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid
from crowdcare.actions.replies import VARIABLE
from crowdcare.store import models as m

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
VARIABLES = ("customer.name", "customer.first_name", "order.number", "order.status",
             "agent.name", "agent.first_name")


def check(session: Session, workspace_id: int, shortcut: str, title: str, body: str,
          exclude: int | None = None) -> tuple[str, str, str]:
    shortcut = shortcut.strip().lower().lstrip("/")
    title, body = title.strip(), body.strip()
    if not SHORTCUT.match(shortcut):
        raise Invalid("a shortcut is 1 to 50 lower-case letters, digits, - or _ (what the "
                      "agent types after /)", field="shortcut")
    if not title or len(title) > 200:
        raise Invalid("a canned response needs a title (at most 200 characters)", field="title")
    if not body or len(body) > 5000:
        raise Invalid("a canned response needs a body (at most 5000 characters)", field="body")
    for match in VARIABLE.finditer(body):
        name = match.group(1) or (match.group(2) or "").replace("_", ".", 1)
        if name not in VARIABLES:
            raise Invalid(f"unknown variable {match.group(0)}: use "
                          + ", ".join("{{" + v + "}}" for v in VARIABLES), field="body")
    query = select(m.CannedResponse.id).where(m.CannedResponse.workspace_id == workspace_id,
                                              m.CannedResponse.shortcut == shortcut)
    if exclude is not None:
        query = query.where(m.CannedResponse.id != exclude)
    if session.scalar(query):
        raise Conflict(f"/{shortcut} already exists", field="shortcut")
    return shortcut, title, body


def do_save(session: Session, workspace_id: int, shortcut: str, title: str, body: str,
            row: m.CannedResponse | None = None) -> m.CannedResponse:
    if row is None:
        row = m.CannedResponse(workspace_id=workspace_id)
        session.add(row)
    row.shortcut, row.title, row.body = shortcut, title, body
    session.flush()
    return row


def do_delete(session: Session, row: m.CannedResponse) -> None:
    session.delete(row)
    session.flush()
