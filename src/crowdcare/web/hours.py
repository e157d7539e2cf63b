"""Admin: business hours and SLA policies (docs/automation.md). Parses forms, calls one
action, renders; validation and refusals are the actions'."""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import calendars as calendar_actions
from crowdcare.actions import sla as sla_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.store import models as m
from crowdcare.web.core import Attempt, admin_user, back, check_csrf, flash, render

router = APIRouter(prefix="/admin", include_in_schema=False)
URL = "/admin/hours"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@router.get("/hours")
def hours(request: Request, principal: Principal = Depends(admin_user),
          session: Session = Depends(get_session)):
    ws = principal.workspace_id
    return render(request, "admin/hours.html", {
        "section": "hours",
        "calendars": [calendar_actions.serialize(r, session)
                      for r in calendar_actions.listing(session, ws)],
        "policies": [sla_actions.serialize_policy(session, r)
                     for r in sla_actions.listing(session, ws)],
        "accounts": list(session.scalars(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws).order_by(m.ChannelAccount.id))),
        "teams": list(session.scalars(select(m.Team).where(m.Team.workspace_id == ws)
                                      .order_by(m.Team.name))),
        "max_ical_kb": calendar_actions.MAX_ICAL_BYTES // 1000,
    }, principal=principal, session=session)


@router.post("/hours/calendar", dependencies=[Depends(check_csrf)])
def set_calendar(request: Request, name: str = Form("", max_length=100),
                 timezone: str = Form("", max_length=60), hours: str = Form("", max_length=5000),
                 holidays: str = Form("", max_length=20), closed: str = Form("", max_length=20000),
                 default: str = Form(""), principal: Principal = Depends(admin_user),
                 session: Session = Depends(get_session)):
    with Attempt(request, session, URL) as it:
        data = calendar_actions.check_set(
            session, principal.workspace_id, name, timezone, _lines(hours), holidays or None,
            [d for d in re.split(r"[\s,]+", closed or "") if d], None, bool(default))
        calendar_actions.do_set(session, principal.workspace_id, data)
        it.done = f"Calendar {data.name} saved; open tickets' SLA clocks follow it now."
    return it.response


@router.post("/hours/assign", dependencies=[Depends(check_csrf)])
def assign_calendar(request: Request, target: str = Form("", max_length=40),
                    calendar: str = Form("", max_length=100),
                    principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    """A channel account's or a team's calendar ("channel:ID" or "team:ID"); no calendar:
    it follows the workspace's default again."""
    kind, _, raw = target.partition(":")
    if kind not in ("channel", "team") or not raw.isdigit():
        flash(request, "choose a channel account or a team", "error")
        return back(URL)
    ids = {"channel_account_id": int(raw)} if kind == "channel" else {"team_id": int(raw)}
    with Attempt(request, session, URL) as it:
        row, found = calendar_actions.check_assign(session, principal.workspace_id,
                                                   calendar or None, **ids)
        calendar_actions.do_assign(session, principal.workspace_id, row, found)
        what = f"{'Channel account' if kind == 'channel' else 'Team'} {found.name}"
        it.done = (f"{what} now follows calendar {row.name}." if row is not None else
                   f"{what} now follows the workspace's default calendar.")
    return it.response


@router.post("/hours/ical", dependencies=[Depends(check_csrf)])
async def upload_ical(request: Request, name: str = Form("", max_length=100),
                      file: UploadFile | None = File(None),
                      principal: Principal = Depends(admin_user),
                      session: Session = Depends(get_session)):
    """An .ics file of closures for a calendar (what `calendar set --ical FILE` does)."""
    if file is None or not file.filename:
        flash(request, "choose an .ics file to upload", "error")
        return back(URL)
    # one byte past the cap is enough to refuse it
    content = await file.read(calendar_actions.MAX_ICAL_BYTES + 1)
    with Attempt(request, session, URL, prefix=f"{file.filename}: ") as it:
        data = calendar_actions.check_ical(session, principal.workspace_id, name, content)
        calendar_actions.do_set(session, principal.workspace_id, data)
        it.done = f"Calendar {data.name} now closes on the events of {file.filename}."
    return it.response


@router.post("/hours/calendar/delete", dependencies=[Depends(check_csrf)])
def delete_calendar(request: Request, name: str = Form("", max_length=100),
                    principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    with Attempt(request, session, URL) as it:
        deletion = calendar_actions.check_delete(session, principal.workspace_id, name)
        it.done = calendar_actions.describe_deletion(deletion)
        calendar_actions.do_delete(session, principal.workspace_id, deletion)
    return it.response


@router.post("/hours/sla", dependencies=[Depends(check_csrf)])
def add_policy(request: Request, name: str = Form("", max_length=100),
               first_reply: str = Form("", max_length=20), next_reply: str = Form("", max_length=20),
               periodic_update: str = Form("", max_length=20),
               resolution: str = Form("", max_length=20), calendar: str = Form("", max_length=100),
               when: str = Form("", max_length=5000), band: str = Form("all", max_length=10),
               at_risk: str = Form("0.75", max_length=20), community: str = Form(""), bot: str = Form(""),
               fallback: str = Form(""), principal: Principal = Depends(admin_user),
               session: Session = Depends(get_session)):
    with Attempt(request, session, URL) as it:
        data = sla_actions.check_add(
            session, principal.workspace_id, name, first_reply=first_reply or None,
            next_reply=next_reply or None, periodic_update=periodic_update or None,
            resolution=resolution or None, calendar=calendar or None, when=_lines(when),
            band=band, at_risk=at_risk, counts_community=bool(community),
            counts_bot=bool(bot), fallback=bool(fallback))
        sla_actions.do_add(session, principal.workspace_id, data)
        it.done = f"SLA policy {data.name} saved; open tickets were recomputed."
    return it.response


@router.post("/hours/sla/delete", dependencies=[Depends(check_csrf)])
def delete_policy(request: Request, name: str = Form("", max_length=100),
                  principal: Principal = Depends(admin_user),
                  session: Session = Depends(get_session)):
    with Attempt(request, session, URL) as it:
        row = sla_actions.check_delete(session, principal.workspace_id, name)
        sla_actions.do_delete(session, principal.workspace_id, row)
        it.done = f"SLA policy {name} deleted."
    return it.response
