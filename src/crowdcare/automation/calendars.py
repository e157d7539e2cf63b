"""Business hours: when is a workspace (a channel account, a team) open, and for how long
between two times. Everything that asks "open now?", "when do we open?" or "how many business
minutes?" (away messages, SLA clocks, rules) asks a `Calendar` here, nothing else.

Exact across daylight saving: each period is laid out in local wall-clock time on its own
date, converted to UTC, and all arithmetic is done on UTC instants, so 09:00-17:00 is 8 hours
on the day clocks change and an overnight 22:00-06:00 is 7 or 9. A period that starts in the
gap of a spring-forward day starts when the clock resumes (02:30 -> 03:30); one in the repeated
hour of a fall-back day starts at its first occurrence.

Holidays and closed dates are the calendar's *local* dates (Zammad compared UTC dates, which
closed the wrong day east and west of UTC, its issue #3706). A closed date closes the periods
that *start* on it: a night shift that began the evening before runs to its end."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from crowdcare import clock
from crowdcare.store import db
from crowdcare.store import models as m

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
HORIZON_DAYS = 3 * 366   # how far ahead "next opening" looks before saying "never"
HOURS_SPEC = re.compile(r"^\s*(?P<days>[a-z,\- ]+?)\s+(?P<periods>\d.*)$")
PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class CalendarError(ValueError):
    """A calendar that cannot be: a bad zone, hours or holiday country. The message says why."""


@dataclass(frozen=True)
class Period:
    """Open from `start` to `end` minutes after local midnight; end > 1440 crosses midnight."""
    start: int
    end: int

    def label(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end % DAY_MINUTES if self.end > DAY_MINUTES else self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- parsing the set-up forms: "mon-fri 09:00-17:00", "sat 10:00-14:00", "fri 22:00-02:00" -------

def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise CalendarError(f"unknown time zone '{name}' (an IANA name such as Europe/Berlin "
                            "or America/New_York)") from None


def _days(text: str) -> list[int]:
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) > 2 or any(e[:3] not in DAYS or len(e) < 3 for e in ends):
            raise CalendarError(f"'{part}' is not a day or a range of days (mon..sun, e.g. "
                                "mon-fri or sat,sun)")
        first, last = DAYS.index(ends[0][:3]), DAYS.index(ends[-1][:3])
        span = (last - first) % 7   # fri-mon wraps over the weekend
        out.extend((first + i) % 7 for i in range(span + 1))
    return out


def _period(text: str) -> Period:
    match = PERIOD.match(text)
    if not match:
        raise CalendarError(f"'{text}' is not a period: write HH:MM-HH:MM, e.g. 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise CalendarError(f"'{text}' has a time that does not exist (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise CalendarError(f"'{text}' is empty: for a whole day write 00:00-24:00")
    return Period(start, end if end > start else end + DAY_MINUTES)   # 22:00-02:00: overnight


def parse_hours(specs: list[str]) -> dict[int, list[Period]]:
    """Each spec is days then one or more periods: "mon-fri 09:00-12:00 13:00-17:00"."""
    week: dict[int, list[Period]] = {d: [] for d in range(7)}
    for spec in specs:
        match = HOURS_SPEC.match(spec.lower())
        if not match:
            raise CalendarError(f"'{spec}' is not business hours: write days then periods, e.g. "
                                "\"mon-fri 09:00-17:00\" or \"sat 10:00-14:00\"")
        periods = [_period(p) for p in match["periods"].split()]
        for day in _days(match["days"]):
            week[day].extend(periods)
    for day, periods in week.items():
        periods.sort(key=lambda p: p.start)
        for a, b in zip(periods, periods[1:], strict=False):
            if b.start < a.end:
                raise CalendarError(f"on {DAYS[day]} {a.label()} and {b.label()} overlap")
    if not any(week.values()):
        raise CalendarError("no opening hours: give at least one, e.g. \"mon-fri 09:00-17:00\"")
    return week


def hours_to_data(week: dict[int, list[Period]]) -> dict[str, list[list[int]]]:
    return {DAYS[d]: [[p.start, p.end] for p in ps] for d, ps in week.items() if ps}


def hours_from_data(data: dict[str, Any]) -> dict[int, list[Period]]:
    return {d: [Period(int(a), int(b)) for a, b in data.get(DAYS[d], [])] for d in range(7)}


def describe_hours(week: dict[int, list[Period]]) -> list[str]:
    return [f"{DAYS[d]} " + " ".join(p.label() for p in ps) for d, ps in week.items() if ps]


def parse_country(code: str) -> tuple[str, str | None]:
    """'DE-BY' -> ('DE', 'BY'), validated against the holidays package."""
    import holidays

    country, _, region = code.strip().upper().partition("-")
    regions = holidays.list_supported_countries().get(country)
    if regions is None:
        raise CalendarError(f"no public holidays known for country '{country}' (an ISO code "
                            "such as DE, US, GB)")
    known = {r.upper(): r for r in regions}
    if region and region not in known:
        raise CalendarError(f"'{region}' is not a region of {country}; known: "
                            + ", ".join(sorted(regions)[:40]))
    region = known.get(region) if region else None
    return country, region or None


def parse_closed(values: list[str]) -> list[date]:
    out = []
    for value in values:
        try:
            out.append(date.fromisoformat(value.strip()))
        except ValueError:
            raise CalendarError(f"closed date '{value}' is not YYYY-MM-DD") from None
    return sorted(set(out))


def parse_ical(text: str) -> tuple[set[date], list[tuple[datetime, datetime]]]:
    """An iCal feed's events as closures: all-day events close their dates, timed events close
    their span. Recurring events are expanded over the horizon (recurring_ical_events)."""
    import icalendar
    import recurring_ical_events

    try:
        feed = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise CalendarError(f"the iCal feed cannot be read: {exc}") from None
    start = clock.now().date() - timedelta(days=366)
    dates: set[date] = set()
    spans: list[tuple[datetime, datetime]] = []
    for event in recurring_ical_events.of(feed).between(start, start + timedelta(days=2 * 366 + HORIZON_DAYS)):
        begin = event.get("DTSTART").dt
        end = event.get("DTEND").dt if event.get("DTEND") else None
        if isinstance(begin, datetime):
            begin = begin if begin.tzinfo else begin.replace(tzinfo=UTC)
            end = end if isinstance(end, datetime) else begin + timedelta(hours=1)
            end = end if end.tzinfo else end.replace(tzinfo=UTC)
            spans.append((begin.astimezone(UTC), end.astimezone(UTC)))
        else:
            last = end if isinstance(end, date) and end > begin else begin + timedelta(days=1)
            dates.update(begin + timedelta(days=i) for i in range((last - begin).days))
    return dates, sorted(spans)


# --- the calendar ------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _holiday_dates(country: str, region: str | None, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, subdiv=region, years=year).items())


@dataclass
class Calendar:
    tz: ZoneInfo
    week: dict[int, list[Period]]
    holidays: str | None = None                 # "DE-BY": the holidays package's country-region
    closed: frozenset[date] = frozenset()       # the workspace's own closed dates (local)
    closed_spans: tuple[tuple[datetime, datetime], ...] = ()   # timed closures (UTC), iCal
    name: str = ""
    _country: tuple[str, str | None] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, *, timezone: str, hours: list[str] | dict[str, Any],
              holidays: str | None = None, closed: list[str] | None = None,
              ical: str | None = None, name: str = "") -> Calendar:
        """From set-up forms (hours as specs) or stored data (hours as a dict): validates all."""
        week = hours_from_data(hours) if isinstance(hours, dict) else parse_hours(hours)
        dates = set(parse_closed(closed or []))
        spans: list[tuple[datetime, datetime]] = []
        if ical:
            ical_dates, spans = parse_ical(ical)
            dates |= ical_dates
        return cls(zone(timezone), week, holidays or None, frozenset(dates), tuple(spans), name,
                   parse_country(holidays) if holidays else None)

    def holiday(self, day: date) -> str | None:
        """Why this local date is closed (a public holiday's name, "closed"), or None."""
        if day in self.closed:
            return "closed"
        if self._country:
            return _holiday_dates(*self._country, day.year).get(day)
        return None

    def _utc(self, day: date, minute: int) -> datetime:
        local = datetime.combine(day + timedelta(days=minute // DAY_MINUTES),
                                 time(0), self.tz) + timedelta(minutes=minute % DAY_MINUTES)
        # the wall-clock time on that date (timedelta on an aware datetime keeps wall time)
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def _day_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if self.holiday(day):
            return []
        return [(self._utc(day, p.start), self._utc(day, p.end)) for p in self.week[day.weekday()]]

    def spans(self, start: datetime, end: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """The open spans (UTC, merged, in order) that overlap [start, end), clipped to it;
        without `end`, up to the horizon."""
        start = start.astimezone(UTC)
        limit = end.astimezone(UTC) if end is not None else start + timedelta(days=HORIZON_DAYS)
        day = start.astimezone(self.tz).date() - timedelta(days=1)  # last night's shift
        pending: tuple[datetime, datetime] | None = None
        while True:
            if self._utc(day, 0) >= limit:
                break
            for a, b in self._cut(self._day_spans(day)):
                a, b = max(a, start), min(b, limit)
                if a >= b:
                    continue
                if pending and a <= pending[1]:
                    pending = (pending[0], max(pending[1], b))
                    continue
                if pending:
                    yield pending
                pending = (a, b)
            day += timedelta(days=1)
        if pending:
            yield pending

    def _cut(self, spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
        """Take the timed closures (iCal) out of a day's spans."""
        if not self.closed_spans:
            return spans
        out = []
        for a, b in spans:
            pieces = [(a, b)]
            for ca, cb in self.closed_spans:
                pieces = [piece for pa, pb in pieces for piece in
                          ((pa, min(pb, ca)), (max(pa, cb), pb)) if piece[0] < piece[1]]
            out.extend(pieces)
        return out

    # --- the one API ---------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        return next(self.spans(at, at + timedelta(seconds=1)), None) is not None

    def next_open(self, at: datetime) -> datetime | None:
        """When we are open next, in the calendar's zone (`at` itself while open); None when
        the calendar never opens within the horizon."""
        first = next(self.spans(at), None)
        return first[0].astimezone(self.tz) if first else None

    def next_close(self, at: datetime) -> datetime | None:
        """When the current (or next) opening ends."""
        first = next(self.spans(at), None)
        return first[1].astimezone(self.tz) if first else None

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta(0)
        return sum((b - a for a, b in self.spans(start, end)), timedelta(0))

    def business_minutes(self, start: datetime, end: datetime) -> float:
        return self.business_time(start, end).total_seconds() / 60

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime | None:
        """The instant when `amount` of open time has passed since `start` (UTC); None if the
        calendar does not open enough within the horizon."""
        left = amount
        if left <= timedelta(0):
            return start.astimezone(UTC)
        for a, b in self.spans(start):
            if b - a >= left:
                return a + left
            left -= b - a
        return None

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime | None:
        return self.add_business_time(start, timedelta(minutes=minutes))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "timezone": self.tz.key, "hours": describe_hours(self.week),
                "holidays": self.holidays, "closed": sorted(d.isoformat() for d in self.closed),
                "closed_spans": len(self.closed_spans)}


def opening_phrase(at: datetime | None) -> str:
    """"Monday 09:00 CET": what an away message tells the customer."""
    if at is None:
        return "as soon as we can"
    return at.strftime("%A %H:%M ") + (at.tzname() or "")


def calendar_for(session, workspace_id: int, channel_account_id: int | None = None,
                 team_id: int | None = None) -> Calendar | None:
    """The calendar that applies: the channel account's, else the team's, else the
    workspace's default; None means always open. Read without flushing: a batch of messages
    asks this with its new rows still pending, and no calendar depends on them (an early
    flush writes the batch row by row)."""
    with session.no_autoflush:
        row = None
        if channel_account_id is not None:
            account = db.held(session, m.ChannelAccount, channel_account_id)
            if account is not None and account.calendar_id:
                row = db.held(session, m.BusinessCalendar, account.calendar_id)
        if row is None and team_id is not None:
            team = db.held(session, m.Team, team_id)
            if team is not None and team.calendar_id:
                row = db.held(session, m.BusinessCalendar, team.calendar_id)
        if row is None:
            row = db.once(session, ("default calendar", workspace_id), lambda: session.scalar(
                select(m.BusinessCalendar).where(
                    m.BusinessCalendar.workspace_id == workspace_id,
                    m.BusinessCalendar.is_default.is_(True)).limit(1)))
    return from_row(row) if row is not None else None


def from_row(row) -> Calendar:
    return _cached(row.id, row.updated_at, row.name, row.timezone, _freeze(row.hours),
                   row.holidays, tuple(row.closed or ()), row.ical)


def _freeze(hours: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(tuple(p) for p in v)) for k, v in (hours or {}).items()))


@lru_cache(maxsize=128)
def _cached(row_id, updated_at, name, timezone, hours, holidays, closed, ical) -> Calendar:
    """A stored calendar is rebuilt once per change (holidays and iCal are parsed once)."""
    return Calendar.build(timezone=timezone, hours={k: [list(p) for p in v] for k, v in hours},
                          holidays=holidays, closed=list(closed), ical=ical, name=name)


def open_now(session, workspace_id: int, channel_account_id: int | None = None,
             team_id: int | None = None) -> bool:
    """Whether the calendar that applies is open now (rules' `business_hours`); no calendar
    means open around the clock. Read once per unit of work."""
    def load() -> bool:
        calendar = calendar_for(session, workspace_id, channel_account_id=channel_account_id,
                                team_id=team_id)
        return True if calendar is None else bool(calendar.is_open(clock.now()))
    return db.once(session, ("open now", workspace_id, channel_account_id, team_id), load)
