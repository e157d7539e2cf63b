"""Business-hours calendars and SLA policies (docs/automation.md). Reading is for staff;
changing them is for admins, and recomputes the open tickets' clocks at once."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crowdcare.actions import calendars, owned, sla
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1", tags=["automation"])


@router.get("/calendars")
def list_calendars(principal: Principal = Depends(staff),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"items": [calendars.serialize(r, session)
                      for r in calendars.listing(session, principal.workspace_id)]}


class CalendarIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    timezone: str = Field(min_length=1, max_length=60, description="IANA, e.g. Europe/Berlin")
    hours: list[str] = Field(min_length=1, max_length=50,
                             description='"mon-fri 09:00-17:00", "fri 22:00-02:00"...')
    holidays: str | None = Field(None, max_length=20, description="COUNTRY[-REGION], e.g. DE-BY")
    closed: list[str] = Field(default_factory=list, max_length=1000,
                              description="the workspace's own closed dates, YYYY-MM-DD")
    ical: str | None = Field(None, max_length=1_000_000, description="an iCal feed's text")
    default: bool = False
    channel_account_ids: list[Int64] = Field(default_factory=list, max_length=100)
    team_ids: list[Int64] = Field(default_factory=list, max_length=100)


@router.put("/calendars")
def set_calendar(body: CalendarIn, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """Create the calendar or replace the one of that name, and assign it."""
    ws = principal.workspace_id
    data = calendars.check_set(session, ws, body.name, body.timezone, body.hours, body.holidays,
                               body.closed, body.ical, body.default)
    targets = [calendars.check_assign(session, ws, None, channel_account_id=c)[1]
               for c in body.channel_account_ids]
    targets += [calendars.check_assign(session, ws, None, team_id=t)[1] for t in body.team_ids]
    row = calendars.do_set(session, ws, data)
    for target in targets:
        calendars.do_assign(session, ws, row, target)
    return calendars.serialize(row, session)


@router.delete("/calendars/{calendar_id}")
def delete_calendar(calendar_id: Int64, principal: Principal = Depends(admin),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """Delete a calendar. Refused (409) while an SLA policy names it, or for the default
    while other calendars exist; its channel accounts and teams fall back to the default."""
    ws = principal.workspace_id
    row = owned(session, m.BusinessCalendar, calendar_id, ws, "calendar")
    deletion = calendars.check_delete(session, ws, row.name)
    result = {"deleted": row.name, "message": calendars.describe_deletion(deletion),
              "channel_account_ids": [a.id for a in deletion.channel_accounts],
              "team_ids": [t.id for t in deletion.teams]}
    calendars.do_delete(session, ws, deletion)
    return result


@router.get("/sla/policies")
def list_policies(principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"items": [sla.serialize_policy(session, r)
                      for r in sla.listing(session, principal.workspace_id)]}


Minutes = Field(None, description="minutes of business time, or MIN:calendar")


class PolicyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    first_reply: str | int | None = Minutes
    next_reply: str | int | None = Minutes
    periodic_update: str | int | None = Minutes
    resolution: str | int | None = Minutes
    calendar: str | None = Field(None, max_length=100)
    when: dict[str, str | bool | list[str | bool]] = Field(
        default_factory=dict, description="channel, route, priority, team, tags, vip, language")
    band: str = Field("all", max_length=10)
    at_risk: float = Field(0.75, gt=0, lt=1)
    counts_community: bool = True
    counts_bot: bool = False
    fallback: bool = False


@router.post("/sla/policies", status_code=201)
def add_policy(body: PolicyIn, principal: Principal = Depends(admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    data = sla.check_add(session, principal.workspace_id, body.name,
                         first_reply=body.first_reply, next_reply=body.next_reply,
                         periodic_update=body.periodic_update, resolution=body.resolution,
                         calendar=body.calendar, when=body.when, band=body.band,
                         at_risk=body.at_risk, counts_community=body.counts_community,
                         counts_bot=body.counts_bot, fallback=body.fallback)
    return sla.serialize_policy(session, sla.do_add(session, principal.workspace_id, data))


@router.delete("/sla/policies/{name}", status_code=204)
def delete_policy(name: str, principal: Principal = Depends(admin),
                  session: Session = Depends(get_session)) -> None:
    row = sla.check_delete(session, principal.workspace_id, name)
    sla.do_delete(session, principal.workspace_id, row)
