"""Calendar arithmetic, as tables: overnight periods, split days, holidays in local dates,
the days daylight saving starts and ends in two zones, iCal closures, and set-up errors."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crowdcare.automation.calendars import Calendar, CalendarError, opening_phrase

BER, NYC = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
OFFICE = ["mon-fri 09:00-17:00"]


def cal(zone="Europe/Berlin", hours=OFFICE, **kw) -> Calendar:
    return Calendar.build(timezone=zone, hours=hours, **kw)


def t(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


# business minutes between two local times
MINUTES = [
    # (zone, hours, start, end, minutes, why)
    ("Europe/Berlin", OFFICE, (2026, 11, 27, 16, 30), (2026, 11, 30, 9, 30), 60,
     "Friday 16:30 to Monday 09:30 is one business hour"),
    ("Europe/Berlin", ["mon-fri 09:00-12:00 13:00-17:00"], (2026, 12, 1, 8, 0),
     (2026, 12, 1, 18, 0), 420, "a split day: lunch is closed"),
    ("Europe/Berlin", ["fri 22:00-02:00"], (2026, 11, 27, 21, 0), (2026, 11, 28, 12, 0), 240,
     "an overnight period runs past midnight into Saturday"),
    ("Europe/Berlin", ["fri 22:00-02:00"], (2026, 11, 28, 0, 0), (2026, 11, 28, 3, 0), 120,
     "counted from Saturday midnight: last night's shift is still open"),
    ("Europe/Berlin", ["mon-sun 00:00-24:00"], (2026, 3, 29, 0, 0), (2026, 3, 30, 0, 0), 23 * 60,
     "Berlin's spring-forward day has 23 hours"),
    ("Europe/Berlin", ["mon-sun 00:00-24:00"], (2026, 10, 25, 0, 0), (2026, 10, 26, 0, 0),
     25 * 60, "Berlin's fall-back day has 25 hours"),
    ("Europe/Berlin", ["sat 22:00-06:00"], (2026, 3, 28, 0, 0), (2026, 3, 30, 0, 0), 7 * 60,
     "a night shift over the spring change is 7 hours"),
    ("Europe/Berlin", ["sat 22:00-06:00"], (2026, 10, 24, 0, 0), (2026, 10, 26, 0, 0), 9 * 60,
     "a night shift over the autumn change is 9 hours"),
    ("Europe/Berlin", ["sun 09:00-17:00"], (2026, 3, 29, 0, 0), (2026, 3, 30, 0, 0), 8 * 60,
     "office hours on the change day stay 8 hours"),
    ("America/New_York", ["mon-sun 00:00-24:00"], (2026, 3, 8, 0, 0), (2026, 3, 9, 0, 0),
     23 * 60, "New York's spring-forward day (a different Sunday) has 23 hours"),
    ("America/New_York", ["mon-sun 00:00-24:00"], (2026, 11, 1, 0, 0), (2026, 11, 2, 0, 0),
     25 * 60, "New York's fall-back day has 25 hours"),
    ("America/New_York", ["sat 22:00-06:00"], (2026, 3, 7, 0, 0), (2026, 3, 9, 0, 0), 7 * 60,
     "New York's night shift over the spring change"),
    ("America/New_York", ["sun 01:00-03:00"], (2026, 11, 1, 0, 0), (2026, 11, 2, 0, 0), 3 * 60,
     "01:00-03:00 holds the repeated hour on New York's fall-back day"),
    ("America/New_York", ["sun 02:30-04:00"], (2026, 3, 8, 0, 0), (2026, 3, 9, 0, 0), 30,
     "a period starting in the spring gap starts when clocks resume (03:30)"),
    ("America/New_York", OFFICE, (2026, 11, 26, 0, 0), (2026, 11, 27, 0, 0), 480,
     "no holiday calendar: Thanksgiving is a working day"),
]


@pytest.mark.parametrize("zone,hours,start,end,minutes,why", MINUTES,
                         ids=[row[-1] for row in MINUTES])
def test_business_minutes(zone, hours, start, end, minutes, why):
    tz = ZoneInfo(zone)
    c = cal(zone, hours)
    assert c.business_minutes(t(tz, *start), t(tz, *end)) == minutes, why
    # the same spans from a UTC start: the zone of the argument does not matter
    assert c.business_minutes(t(tz, *start).astimezone(UTC), t(tz, *end)) == minutes


# adding business minutes, and the next opening
ADD = [
    ("Europe/Berlin", OFFICE, {}, (2026, 11, 27, 16, 30), 60, (2026, 11, 30, 9, 30),
     "Friday 16:30 + 1 business hour = Monday 09:30"),
    ("Europe/Berlin", OFFICE, {"holidays": "DE-BY"}, (2026, 12, 24, 16, 0), 120,
     (2026, 12, 28, 10, 0), "Christmas and Boxing Day are closed in Bavaria"),
    ("Europe/Berlin", OFFICE, {"closed": ["2026-11-30"]}, (2026, 11, 27, 16, 30), 60,
     (2026, 12, 1, 9, 30), "the workspace's own closed date"),
    ("America/New_York", OFFICE, {"holidays": "US"}, (2026, 11, 25, 16, 30), 60,
     (2026, 11, 27, 9, 30), "Thanksgiving (US) is skipped"),
    ("Europe/Berlin", ["mon-fri 09:00-12:00 13:00-17:00"], {}, (2026, 12, 1, 11, 30), 60,
     (2026, 12, 1, 13, 30), "a split day skips lunch"),
    ("Europe/Berlin", ["fri 22:00-02:00"], {}, (2026, 11, 27, 23, 30), 180,
     (2026, 12, 4, 22, 30), "an overnight period: 2.5 h tonight, the rest next Friday"),
    ("America/New_York", ["mon-fri 09:00-17:00"], {}, (2026, 3, 6, 16, 0), 120,
     (2026, 3, 9, 10, 0), "over New York's DST weekend, still 10:00 local"),
    ("Europe/Berlin", ["mon-fri 09:00-17:00"], {}, (2026, 10, 23, 16, 0), 120,
     (2026, 10, 26, 10, 0), "over Berlin's DST weekend, still 10:00 local"),
]


@pytest.mark.parametrize("zone,hours,extra,start,minutes,due,why", ADD,
                         ids=[row[-1] for row in ADD])
def test_add_business_minutes(zone, hours, extra, start, minutes, due, why):
    tz = ZoneInfo(zone)
    c = cal(zone, hours, **extra)
    got = c.add_business_minutes(t(tz, *start), minutes)
    assert got == t(tz, *due), why
    assert c.business_minutes(t(tz, *start), got) == minutes   # the inverse


def test_holidays_are_local_dates_not_utc_dates():
    """Zammad #3706: a holiday checked against the UTC date closed the wrong day. Christmas in
    Berlin starts at 23:00 UTC on the 24th, and New Year's Day in New York ends at 05:00 UTC
    on the 2nd."""
    berlin = cal("Europe/Berlin", ["mon-sun 00:00-24:00"], holidays="DE")
    assert not berlin.is_open(datetime(2026, 12, 24, 23, 30, tzinfo=UTC))   # 00:30 on the 25th
    assert berlin.is_open(datetime(2026, 12, 24, 22, 30, tzinfo=UTC))       # 23:30 on the 24th
    assert berlin.holiday(datetime(2026, 12, 25).date()) == "Christmas Day"
    nyc = cal("America/New_York", ["mon-sun 00:00-24:00"], holidays="US")
    assert not nyc.is_open(datetime(2027, 1, 2, 4, 30, tzinfo=UTC))          # 23:30 on the 1st
    assert nyc.is_open(datetime(2027, 1, 2, 5, 30, tzinfo=UTC))              # 00:30 on the 2nd
    assert berlin.next_open(datetime(2026, 12, 25, 12, tzinfo=BER)) == t(BER, 2026, 12, 27, 0, 0)


def test_a_closed_date_closes_the_periods_that_start_on_it():
    night = cal("Europe/Berlin", ["thu,fri 22:00-02:00"], closed=["2026-11-27"])
    assert night.is_open(t(BER, 2026, 11, 27, 1, 0))       # Thursday's shift runs on
    assert not night.is_open(t(BER, 2026, 11, 27, 23, 0))  # Friday's does not start


OPEN = [
    (OFFICE, (2026, 11, 27, 16, 59), True, (2026, 11, 27, 16, 59)),
    (OFFICE, (2026, 11, 27, 17, 0), False, (2026, 11, 30, 9, 0)),
    (OFFICE, (2026, 11, 30, 9, 0), True, (2026, 11, 30, 9, 0)),
    (["mon-fri 09:00-12:00 13:00-17:00"], (2026, 12, 1, 12, 30), False, (2026, 12, 1, 13, 0)),
    (["sun 22:00-06:00"], (2026, 11, 30, 5, 59), True, (2026, 11, 30, 5, 59)),
    (["sun 22:00-06:00"], (2026, 11, 30, 6, 0), False, (2026, 12, 6, 22, 0)),
    (["fri-mon 10:00-11:00"], (2026, 12, 1, 10, 30), False, (2026, 12, 4, 10, 0)),
]


@pytest.mark.parametrize("hours,at,is_open,next_open", OPEN)
def test_is_open_and_next_open(hours, at, is_open, next_open):
    c = cal("Europe/Berlin", hours)
    assert c.is_open(t(BER, *at)) is is_open
    assert c.next_open(t(BER, *at)) == t(BER, *next_open)


def test_next_open_reads_as_the_away_message_says_it():
    c = cal("Europe/Berlin", OFFICE)
    assert opening_phrase(c.next_open(t(BER, 2026, 11, 28, 12, 0))) == "Monday 09:00 CET"
    assert opening_phrase(c.next_open(t(BER, 2026, 7, 4, 12, 0))) == "Monday 09:00 CEST"


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//crowdcare tests//EN
BEGIN:VEVENT
UID:staff-day
DTSTART;VALUE=DATE:20261202
DTEND;VALUE=DATE:20261203
SUMMARY:Staff day
END:VEVENT
BEGIN:VEVENT
UID:meeting
DTSTART:20261203T120000Z
DTEND:20261203T130000Z
SUMMARY:All hands
END:VEVENT
BEGIN:VEVENT
UID:weekly
DTSTART;TZID=Europe/Berlin:20261207T090000
DTEND;TZID=Europe/Berlin:20261207T100000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Monday training
END:VEVENT
END:VCALENDAR
"""


def test_an_ical_feed_closes_dates_spans_and_recurrences():
    c = cal("Europe/Berlin", OFFICE, ical=ICS)
    assert c.business_minutes(t(BER, 2026, 12, 2, 0, 0), t(BER, 2026, 12, 3, 0, 0)) == 0
    assert c.business_minutes(t(BER, 2026, 12, 3, 0, 0), t(BER, 2026, 12, 4, 0, 0)) == 420
    assert not c.is_open(t(BER, 2026, 12, 3, 13, 30))   # 12:30 UTC, the all-hands
    for day in (7, 14, 21):
        assert c.next_open(t(BER, 2026, 12, day, 9, 0)) == t(BER, 2026, 12, day, 10, 0)
    assert c.is_open(t(BER, 2026, 12, 28, 9, 30))       # COUNT=3: over


def test_never_open_says_so_instead_of_looping():
    c = cal("Europe/Berlin", OFFICE, closed=[
        (datetime(2026, 1, 1) + timedelta(days=i)).date().isoformat() for i in range(4 * 366)])
    assert c.next_open(t(BER, 2026, 1, 1, 0, 0)) is None
    assert c.add_business_minutes(t(BER, 2026, 1, 1, 0, 0), 1) is None
    assert opening_phrase(None) == "as soon as we can"


ERRORS = [
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"hours": ["mon-fri 9-17"]}, "is not a period"),
    ({"hours": ["mon 25:00-26:00"]}, "does not exist"),
    ({"hours": ["mon 09:00-09:00"]}, "is empty"),
    ({"hours": ["funday 09:00-10:00"]}, "is not a day"),
    ({"hours": ["mon 09:00-12:00 11:00-13:00"]}, "overlap"),
    ({"hours": ["09:00-17:00"]}, "is not business hours"),
    ({"hours": []}, "no opening hours"),
    ({"holidays": "XX"}, "no public holidays known for country 'XX'"),
    ({"holidays": "DE-QQ"}, "'QQ' is not a region of DE"),
    ({"closed": ["2026-02-30"]}, "is not YYYY-MM-DD"),
    ({"ical": "not a calendar"}, "iCal feed cannot be read"),
]


@pytest.mark.parametrize("change,message", ERRORS, ids=[e[1] for e in ERRORS])
def test_bad_set_up_is_a_clear_error(change, message):
    args = {"timezone": "Europe/Berlin", "hours": OFFICE, **change}
    with pytest.raises(CalendarError, match=message):
        Calendar.build(**args)
