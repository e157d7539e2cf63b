"""The bot's settings, kept in the workspace's settings under "bot"."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowdcare.bots.confidence import shipped
from crowdcare.store import db
from crowdcare.store import models as m

KEYS = ("threshold", "margin", "first", "public", "handoff_app_id")


def of(session: Session, workspace_id: int) -> dict[str, Any]:
    """What the workspace set (read once per unit of work)."""
    return (db.held(session, m.Workspace, workspace_id).settings or {}).get("bot") or {}


def effective(session: Session, workspace_id: int) -> dict[str, Any]:
    """Every setting with its default filled in."""
    scorer = shipped()
    return {"threshold": scorer.threshold, "margin": scorer.margin, "first": True,
            "public": False, "handoff_app_id": None, **of(session, workspace_id)}


def do_set(session: Session, workspace_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    ws = session.get(m.Workspace, workspace_id)
    current = dict((ws.settings or {}).get("bot") or {})
    for key, value in changes.items():
        if key in KEYS:
            if value is None:
                current.pop(key, None)       # back to the default
            else:
                current[key] = value
    ws.settings = {**(ws.settings or {}), "bot": current}   # a new dict: the change is seen
    session.flush()
    return current
