"""Away messages' and instant replies' writes: the settings, and the message itself (through
the policy gate; a refusal is recorded as not sent). The decisions: automation/away.py."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, replies
from crowdcare.automation import away as rules
from crowdcare.domain import Author
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_TEXT = 640          # Messenger's button-text limit, and short enough to read


def check_settings(data: dict[str, Any]) -> dict[str, Any]:
    """`text` with `language` sets that translation; without, the default text."""
    clean: dict[str, Any] = {}
    language = (data.get("language") or "").strip().lower() or None
    if language and not LANGUAGE.match(language):
        raise Invalid("language: an ISO code such as de, fr or pt-br", field="language")
    for key in ("text", "instant_text"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"{key} cannot be empty", field=key)
        if len(value) > MAX_TEXT:
            raise Invalid(f"{key} is at most {MAX_TEXT} characters", field=key)
        clean[key] = value.strip()
    if language and "text" not in clean:
        raise Invalid("a translation needs its text", field="text")
    for key in ("enabled", "public", "instant"):
        if data.get(key) is not None:
            if not isinstance(data[key], bool):
                raise Invalid(f"{key} must be true or false", field=key)
            clean[key] = data[key]
    if data.get("minutes_per_ticket") is not None:
        value = data["minutes_per_ticket"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
            raise Invalid("minutes_per_ticket must be a whole number from 1 to 240",
                          field="minutes_per_ticket")
        clean["minutes_per_ticket"] = value
    if language:
        clean["language"] = language
    return clean


def do_set_settings(session: Session, workspace_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    ws = session.get(m.Workspace, workspace_id)
    stored = dict((ws.settings or {}).get("away") or {})
    changes = dict(changes)
    language = changes.pop("language", None)
    if language:
        stored["translations"] = {**(stored.get("translations") or {}),
                                  language: changes.pop("text")}
    elif "text" in changes and "enabled" not in changes:
        changes["enabled"] = True        # setting the text turns the away message on
    stored.update(changes)
    ws.settings = {**(ws.settings or {}), "away": stored}   # a new dict: the change is seen
    session.flush()
    return rules.config(session, workspace_id)


def on_message(session: Session, conversation: m.Conversation, row: m.Message) -> m.Message | None:
    """The pipeline's call on each customer message: the away message or instant reply it
    gets, if any (sent, or recorded as not sent with the gate's reason)."""
    plan = rules.plan(session, conversation, row, utcnow())
    if plan.kind is None:
        return None
    return do_send(session, conversation, row, plan)


def do_send(session: Session, conversation: m.Conversation, row: m.Message,
            plan: rules.Plan) -> m.Message:
    if conversation.id is None or row.id is None:
        session.flush()   # the new conversation, message and ticket get their ids
    extra: dict[str, Any] = {"automatic": True, "automation": plan.kind}
    if plan.kind == "away":
        extra["opens"] = plan.opens.isoformat() if plan.opens is not None else "never"
    if row.ticket_id is not None:
        extra["ticket_id"] = row.ticket_id
    reply_to = row.external_id if plan.public else None
    decision = replies.window(session, conversation, Author.system, public=plan.public,
                              reply_to=reply_to)
    if not decision.allowed:
        return replies.do_block(session, conversation, text=plan.text, author=Author.system,
                                reason=decision.reason, purpose="response", extra=extra)
    return replies.do_reply(session, conversation, text=plan.text, author=Author.system,
                            decision=decision, public=plan.public, reply_to=reply_to,
                            extra=extra)
