"""Triage settings, the rule "try it" box and agents' corrections of triage results.

Corrections are stored in `triage_corrections` and read by the next `crowdcare triage train`
(the trained fields: service_related, sentiment, intent, anger, and language for the Latin-script
languages its head tells apart); corrections of other fields (route, technical...) are kept for
review and for the workspace's own rules.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, owned
from crowdcare.domain import Route
from crowdcare.events import emit
from crowdcare.pipeline.triage.corpora import INTENTS, SENTIMENTS
from crowdcare.store import models as m

KEYWORD_KINDS = ("service", "noise", "technical", "legal")
CORRECTABLE: dict[str, tuple[str, ...] | None] = {
    "service_related": ("true", "false"),
    "sentiment": SENTIMENTS,
    "intent": INTENTS,
    "route": tuple(str(r) for r in Route),
    "anger": ("true", "false"),
    "technical": ("true", "false"),
    "language": None,   # any ISO code
}
TRIAGE_CORRECTED = "triage.corrected"
TRIAGE_SETTINGS_UPDATED = "triage_settings.updated"


# --- workspace triage settings -----------------------------------------------------------

def _handles(handles: list[str]) -> list[str]:
    return sorted({h.strip().lstrip("@").lower() for h in handles
                   if isinstance(h, str) and h.strip().lstrip("@")})


def check_settings(keywords: dict[str, list[str]] | None,
                   vip_handles: list[str] | None,
                   handles: list[str] | None = None) -> dict[str, Any]:
    """`handles`: the brand's own handles, beyond its accounts' (a listened mention that
    names one is addressed to the brand)."""
    changes: dict[str, Any] = {}
    if keywords is not None:
        unknown = sorted(set(keywords) - set(KEYWORD_KINDS))
        if unknown:
            raise Invalid(f"unknown keyword kind {', '.join(unknown)} (use "
                          f"{', '.join(KEYWORD_KINDS)})", field="keywords")
        clean = {}
        for kind, words in keywords.items():
            words = sorted({w.strip() for w in words if isinstance(w, str) and w.strip()})
            if any(len(w) > 100 for w in words) or len(words) > 500:
                raise Invalid(f"{kind}: at most 500 keywords of 100 characters",
                              field="keywords")
            clean[kind] = words
        changes["keywords"] = clean
    if vip_handles is not None:
        changes["vip_handles"] = _handles(vip_handles)
    if handles is not None:
        changes["handles"] = _handles(handles)
    return changes


def builtin_words() -> dict[str, list[str]]:
    """The words triage knows without being told, per keyword kind (shown beside the
    workspace's own: a workspace list adds to these, it does not replace them)."""
    from crowdcare.pipeline.triage import anger, service, technical

    def words(lex) -> list[str]:
        if lex is None:
            return []
        return sorted(lex.terms())
    return {"service": words(getattr(service, "SERVICE_CUES", None)), "noise": [],
            "technical": words(getattr(technical, "DEFAULT", None)),
            "legal": words(getattr(anger, "LEGAL", None)) + words(getattr(anger, "SAFETY", None))}


def try_text(session: Session, workspace_id: int, text: str, channel: str = "api",
             public: bool = False, extra_rule: dict[str, Any] | None = None) -> dict[str, Any]:
    """What triage and routing decide for a text in this workspace now (its keywords, VIPs
    and enabled rules; nothing is stored): the "try it" box beside the rules."""
    from crowdcare.pipeline import triage as triage_stage
    from crowdcare.pipeline.context import STAFF_ROUTES
    from crowdcare.pipeline.route import RouteContext, route
    from crowdcare.pipeline.triage import TriageContext

    ws = session.get(m.Workspace, workspace_id)
    keywords = (ws.settings or {}).get("keywords", {})
    result = triage_stage.triage(text, TriageContext(channel=channel, public=public,
                                                     keywords=keywords))
    from crowdcare.actions.rules import check_rule, workspace_rules

    rules = list(workspace_rules(session, workspace_id))
    if extra_rule is not None:
        rules.append(check_rule(extra_rule))
    decision = route(result, RouteContext(channel=channel, public=public, text=text,
                                          rules=rules, available=set(STAFF_ROUTES)))
    priority = decision.priority if decision.priority is not None else result.priority.value
    return {"route": decision.route, "reasons": decision.reasons, "team": decision.team,
            "priority": priority, "priority_reasons": result.priority.reasons,
            "fallback_from": decision.fallback_from,
            "signals": {k: v for k, v in result.to_dict().items() if k != "priority"}}


def settings_out(ws: m.Workspace) -> dict[str, Any]:
    s = ws.settings or {}
    return {"keywords": {k: s.get("keywords", {}).get(k, []) for k in KEYWORD_KINDS},
            "vip_handles": s.get("vip_handles", []), "handles": s.get("handles", [])}


def do_settings(session: Session, ws: m.Workspace, changes: dict[str, Any]) -> m.Workspace:
    ws.settings = {**(ws.settings or {}), **changes}   # a new dict: the JSON column sees it
    session.flush()
    emit(session, ws.id, TRIAGE_SETTINGS_UPDATED, settings_out(ws))
    return ws


# --- corrections -------------------------------------------------------------------------

def check_correct(session: Session, workspace_id: int, message_id: int, field: str,
                  value: Any) -> tuple[m.Message, str]:
    msg = owned(session, m.Message, message_id, workspace_id, "message")
    if msg.direction != "inbound":
        raise Invalid("only inbound messages are triaged", field="field")
    if field not in CORRECTABLE:
        raise Invalid(f"cannot correct {field!r} (use {', '.join(CORRECTABLE)})", field="field")
    text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
    allowed = CORRECTABLE[field]
    if allowed is not None and text not in allowed:
        raise Invalid(f"{field} must be one of {', '.join(allowed)}", field="value")
    if not text or len(text) > 200:
        raise Invalid("value must be 1 to 200 characters", field="value")
    return msg, text


def do_correct(session: Session, msg: m.Message, field: str, value: str,
               agent_id: int | None = None, note: str | None = None) -> m.TriageCorrection:
    old = (msg.triage or {}).get(field, {}).get("value") if field != "route" else msg.route
    row = m.TriageCorrection(workspace_id=msg.workspace_id, message_id=msg.id,
                             agent_id=agent_id, field=field,
                             old_value=None if old is None else str(old).lower()[:200],
                             new_value=value, text=msg.text or "")
    session.add(row)
    triage = dict(msg.triage or {})
    entry = dict(triage.get(field) or {})
    entry["corrected"] = {"value": value, "by": agent_id, "note": note}
    triage[field] = entry
    msg.triage = triage
    session.flush()
    emit(session, row.workspace_id, TRIAGE_CORRECTED, correction_out(row, note))
    return row


def correction_out(row: m.TriageCorrection, note: str | None = None) -> dict[str, Any]:
    return {"id": row.id, "message_id": row.message_id, "field": row.field,
            "old_value": row.old_value, "value": row.new_value, "agent_id": row.agent_id,
            "note": note}
