"""Console pages of automation: the surveys' answers with the scores (/surveys, staff; the
settings for admins) and the away message and instant reply (/admin/away)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import away as away_actions
from crowdcare.actions import surveys as survey_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.automation import away
from crowdcare.outbound import surveys
from crowdcare.store import models as m
from crowdcare.web.core import Attempt, admin_user, check_csrf, console_user, render

router = APIRouter(include_in_schema=False)


@router.get("/surveys")
def survey_page(request: Request, kind: str | None = None, status: str | None = None,
                principal: Principal = Depends(console_user),
                session: Session = Depends(get_session)):
    kind = kind if kind in surveys.KINDS else None
    status = status if status in ("asked", "skipped", "answered") else None
    rows = surveys.listing(session, principal.workspace_id, kind, status, 200)
    names = dict(session.execute(select(m.Agent.id, m.Agent.name).where(
        m.Agent.workspace_id == principal.workspace_id)).all())
    customers = dict(session.execute(select(m.Customer.id, m.Customer.name).where(
        m.Customer.id.in_({r.customer_id for r in rows}))).all()) if rows else {}
    return render(request, "surveys/list.html", {
        "rows": rows, "summary": surveys.summary(session, principal.workspace_id),
        "config": surveys.config(session, principal.workspace_id), "names": names,
        "customers": customers, "kind": kind, "status": status},
        principal=principal, session=session)


@router.post("/surveys/settings", dependencies=[Depends(check_csrf)])
def survey_settings(request: Request, kind: str = Form(...), enabled: str = Form(""),
                    delay_minutes: int = Form(60), cooldown_days: int = Form(7),
                    sample_percent: int | None = Form(None),
                    principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    data = {"enabled": enabled == "on", "delay_minutes": delay_minutes,
            "cooldown_days": cooldown_days}
    if kind == "nps" and sample_percent is not None:
        data["sample_percent"] = sample_percent
    with Attempt(request, session, "/surveys") as it:
        changes = survey_actions.check_settings(kind, data)
        survey_actions.do_set_settings(session, principal.workspace_id, kind, changes)
        it.done = f"{kind.upper()} settings saved."
    return it.response


@router.get("/admin/away")
def away_page(request: Request, principal: Principal = Depends(admin_user),
              session: Session = Depends(get_session)):
    return render(request, "admin/away.html", {
        "conf": away.config(session, principal.workspace_id), "section": "away"},
        principal=principal, session=session)


@router.post("/admin/away", dependencies=[Depends(check_csrf)])
def away_save(request: Request, text: str = Form("", max_length=1000),
              language: str = Form("", max_length=12), enabled: str = Form(""),
              public: str = Form(""), instant: str = Form(""),
              instant_text: str = Form("", max_length=1000),
              principal: Principal = Depends(admin_user),
              session: Session = Depends(get_session)):
    data = {"text": text or None, "language": language or None,
            "instant_text": instant_text or None}
    if not language:   # the main form: the switches too (a translation leaves them)
        data.update(enabled=enabled == "on", public=public == "on", instant=instant == "on")
    with Attempt(request, session, "/admin/away") as it:
        changes = away_actions.check_settings(data)
        away_actions.do_set_settings(session, principal.workspace_id, changes)
        it.done = f"Translation ({language}) saved." if language else "Away message saved."
    return it.response
