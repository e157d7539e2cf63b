"""Business calendars: set one (validated by automation.calendars), make it the workspace's
default, assign it to a channel account or a team. A change recomputes the open tickets' SLA
clocks at once (automation.sla), without back-dating breaches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, NotFound
from crowdcare.automation import calendars
from crowdcare.store import models as m

MAX_ICAL_BYTES = 1_000_000   # an office's closures; the API's `ical` field has the same cap


@dataclass(frozen=True)
class CalendarInput:
    name: str
    timezone: str
    hours: dict[str, Any]        # stored form: {"mon": [[540, 1020]]}
    holidays: str | None
    closed: list[str]
    ical: str | None
    is_default: bool


def check_set(session: Session, workspace_id: int, name: str, timezone: str,
              hours: list[str], holidays: str | None = None, closed: list[str] | None = None,
              ical: str | None = None, default: bool = False) -> CalendarInput:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("a calendar needs a name (at most 100 characters)", field="name")
    try:
        week = calendars.parse_hours(list(hours or []))
        cal = calendars.Calendar.build(timezone=(timezone or "").strip(), hours=list(hours),
                                       holidays=(holidays or "").strip() or None,
                                       closed=list(closed or []), ical=ical or None)
    except calendars.CalendarError as exc:
        raise Invalid(str(exc), field="calendar") from None
    country = None
    if cal._country:
        country = cal._country[0] + (f"-{cal._country[1]}" if cal._country[1] else "")
    return CalendarInput(name, cal.tz.key, calendars.hours_to_data(week), country,
                         [d.isoformat() for d in calendars.parse_closed(list(closed or []))],
                         ical or None, default)


def do_set(session: Session, workspace_id: int, data: CalendarInput) -> m.BusinessCalendar:
    """Create the calendar, or replace the one of that name; then recompute open SLAs."""
    row = by_name(session, workspace_id, data.name, missing_ok=True)
    if row is None:
        row = m.BusinessCalendar(workspace_id=workspace_id, name=data.name)
        session.add(row)
    row.timezone, row.hours, row.holidays = data.timezone, data.hours, data.holidays
    row.closed, row.ical = data.closed, data.ical
    if data.is_default:
        for other in session.scalars(select(m.BusinessCalendar).where(
                m.BusinessCalendar.workspace_id == workspace_id,
                m.BusinessCalendar.is_default.is_(True))):
            other.is_default = False
        row.is_default = True
    elif row.is_default is None:
        row.is_default = False
    session.flush()
    _recompute(session, workspace_id)
    return row


def by_name(session: Session, workspace_id: int, name: str,
            missing_ok: bool = False) -> m.BusinessCalendar | None:
    row = session.scalar(select(m.BusinessCalendar).where(
        m.BusinessCalendar.workspace_id == workspace_id, m.BusinessCalendar.name == name.strip()))
    if row is None and not missing_ok:
        raise NotFound(f"no calendar named '{name}'")
    return row


def check_assign(session: Session, workspace_id: int, calendar: str | None,
                 channel_account_id: int | None = None, team_id: int | None = None):
    """The calendar (None: remove the assignment) and the channel account or team."""
    if (channel_account_id is None) == (team_id is None):
        raise Invalid("assign a calendar to one channel account or one team", field="target")
    model, target_id = ((m.ChannelAccount, channel_account_id) if channel_account_id is not None
                        else (m.Team, team_id))
    target = session.get(model, target_id)
    if target is None or target.workspace_id != workspace_id:
        raise NotFound(f"{'channel account' if model is m.ChannelAccount else 'team'} "
                       f"{target_id} not found")
    row = by_name(session, workspace_id, calendar) if calendar else None
    return row, target


def do_assign(session: Session, workspace_id: int, row: m.BusinessCalendar | None,
              target) -> None:
    target.calendar_id = row.id if row is not None else None
    session.flush()
    _recompute(session, workspace_id)


def check_ical(session: Session, workspace_id: int, name: str,
               content: bytes) -> CalendarInput:
    """An uploaded .ics file for an existing calendar: the calendar as it is, with this feed
    (replacing the one it had). Refused: too large, not UTF-8 text, not an iCal feed."""
    row = by_name(session, workspace_id, name or "")
    if len(content) > MAX_ICAL_BYTES:
        raise Invalid(f"the iCal file is {len(content) // 1000} kB; at most "
                      f"{MAX_ICAL_BYTES // 1000} kB", status=413, field="ical")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the iCal file is not UTF-8 text (export it as .ics)", field="ical") \
            from None
    if "BEGIN:VCALENDAR" not in text.upper():
        raise Invalid("this is not an iCal file: an .ics file starts with BEGIN:VCALENDAR",
                      field="ical")
    hours = calendars.describe_hours(calendars.hours_from_data(row.hours or {}))
    return check_set(session, workspace_id, row.name, row.timezone, hours, row.holidays,
                     list(row.closed or []), text, bool(row.is_default))


@dataclass(frozen=True)
class Deletion:
    row: m.BusinessCalendar
    channel_accounts: list[m.ChannelAccount]
    teams: list[m.Team]


def check_delete(session: Session, workspace_id: int, name: str) -> Deletion:
    """Refused while an SLA policy names the calendar (its targets would silently count other
    hours), and for the default while other calendars exist (choose the new default first:
    the workspace would otherwise become always open). Channel accounts and teams that use it
    fall back to the default calendar, and the caller says so."""
    row = by_name(session, workspace_id, name or "")
    policies = list(session.scalars(select(m.SlaPolicy.name).where(
        m.SlaPolicy.calendar_id == row.id).order_by(m.SlaPolicy.name)))
    if policies:
        raise Conflict(f"calendar {row.name} is used by SLA polic"
                       f"{'y' if len(policies) == 1 else 'ies'} {', '.join(policies)}: give "
                       "that policy another calendar (or delete it) first", field="name")
    others = session.scalar(select(m.BusinessCalendar.id).where(
        m.BusinessCalendar.workspace_id == workspace_id, m.BusinessCalendar.id != row.id)
        .limit(1))
    if row.is_default and others is not None:
        raise Conflict(f"calendar {row.name} is the workspace's default: make another "
                       "calendar the default first", field="name")
    return Deletion(row, list(session.scalars(select(m.ChannelAccount).where(
        m.ChannelAccount.calendar_id == row.id).order_by(m.ChannelAccount.id))),
        list(session.scalars(select(m.Team).where(m.Team.calendar_id == row.id)
                             .order_by(m.Team.name))))


def do_delete(session: Session, workspace_id: int, deletion: Deletion) -> None:
    # explicit, not the foreign key's SET NULL: SQLite may run without foreign keys
    for target in (*deletion.channel_accounts, *deletion.teams):
        target.calendar_id = None
    session.flush()
    session.delete(deletion.row)
    session.flush()
    _recompute(session, workspace_id)


def describe_deletion(deletion: Deletion) -> str:
    """What a deletion changed, in the words the admin reads."""
    moved = [f"channel account {a.name}" for a in deletion.channel_accounts]
    moved += [f"team {t.name}" for t in deletion.teams]
    text = f"Calendar {deletion.row.name} deleted."
    if moved:
        text += f" {', '.join(moved)} now follow{'s' if len(moved) == 1 else ''} the " \
                "workspace's default calendar."
    if deletion.row.is_default:
        text += " The workspace has no calendar now: it is always open."
    return text


def serialize(row: m.BusinessCalendar, session: Session | None = None) -> dict[str, Any]:
    cal = calendars.from_row(row)
    data = {"id": row.id, "name": row.name, "timezone": row.timezone,
            "hours": calendars.describe_hours(cal.week), "holidays": row.holidays,
            "closed": list(row.closed or []), "ical": bool(row.ical),
            "default": bool(row.is_default)}
    if session is not None:
        data["channel_accounts"] = list(session.scalars(select(m.ChannelAccount.id).where(
            m.ChannelAccount.calendar_id == row.id)))
        data["teams"] = list(session.scalars(select(m.Team.id).where(
            m.Team.calendar_id == row.id)))
    return data


def listing(session: Session, workspace_id: int) -> list[m.BusinessCalendar]:
    return list(session.scalars(select(m.BusinessCalendar).where(
        m.BusinessCalendar.workspace_id == workspace_id).order_by(m.BusinessCalendar.name)))


def _recompute(session: Session, workspace_id: int) -> None:
    """Open tickets' SLA clocks follow the new hours at once (actions.sla imports us)."""
    from crowdcare.actions import sla

    session.info.pop("once", None)   # what this unit of work read of calendars is stale now
    sla.recompute_workspace(session, workspace_id)
