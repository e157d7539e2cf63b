"""`crowdcare calendar set/list` through the real CLI, and calendar_for's order."""
from datetime import UTC, datetime

from crowdcare.automation.calendars import calendar_for
from crowdcare.store import db


def test_calendar_set_list_and_assignment(cli, workspace):
    made = cli.json("calendar", "set", "Berlin office", "--timezone", "Europe/Berlin",
                    "--hours", "mon-fri 09:00-17:00", "--hours", "sat 10:00-14:00",
                    "--holidays", "de-by", "--closed", "2026-12-31", "--default")
    assert made["hours"] == ["mon 09:00-17:00", "tue 09:00-17:00", "wed 09:00-17:00",
                             "thu 09:00-17:00", "fri 09:00-17:00", "sat 10:00-14:00"]
    assert made["holidays"] == "DE-BY" and made["closed"] == ["2026-12-31"] and made["default"]
    night = cli.json("calendar", "set", "Night desk", "--timezone", "America/New_York",
                     "--hours", "mon-sun 22:00-06:00", "--channel", str(workspace.api_account["id"]))
    assert night["channel_accounts"] == [workspace.api_account["id"]] and not night["default"]
    # replacing by name keeps one row, and only one default
    again = cli.json("calendar", "set", "Berlin office", "--timezone", "Europe/Berlin",
                     "--hours", "mon-fri 08:00-16:00", "--default")
    assert again["id"] == made["id"]
    listed = cli.json("calendar", "list")["items"]
    assert [c["name"] for c in listed] == ["Berlin office", "Night desk"]
    assert "mon-sun" not in cli("calendar", "list").stdout   # plain output lists days
    with db.session_scope() as session:
        # the channel account's calendar, else the workspace default
        mine = calendar_for(session, workspace.id, channel_account_id=workspace.api_account["id"])
        assert mine.name == "Night desk"
        assert calendar_for(session, workspace.id).name == "Berlin office"
        assert calendar_for(session, workspace.id).is_open(datetime(2026, 12, 1, 7, 30,
                                                                    tzinfo=UTC))


def test_no_calendar_means_always_open(cli, workspace):
    with db.session_scope() as session:
        assert calendar_for(session, workspace.id) is None


def test_calendar_errors_are_one_line(cli, workspace):
    for args, message in [
        (["--timezone", "Europe/Berln", "--hours", "mon 09:00-17:00"], "unknown time zone"),
        (["--timezone", "UTC", "--hours", "mon 9-17"], "is not a period"),
        (["--timezone", "UTC", "--hours", "mon 09:00-17:00", "--holidays", "ZZ"],
         "no public holidays known"),
        (["--timezone", "UTC", "--hours", "mon 09:00-17:00", "--closed", "31.12.2026"],
         "is not YYYY-MM-DD"),
        (["--timezone", "UTC", "--hours", "mon 09:00-17:00", "--channel", "999"],
         "channel account 999 not found"),
    ]:
        result = cli("calendar", "set", "X", *args, ok=False)
        assert result.exit_code == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.output


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//crowdcare tests//EN
BEGIN:VEVENT
UID:offsite
DTSTART;VALUE=DATE:20261203
DTEND;VALUE=DATE:20261205
SUMMARY:Team offsite
END:VEVENT
END:VCALENDAR
"""


def test_team_calendar_ical_file_and_precedence(cli, workspace, tmp_path):
    from crowdcare.store import models as m

    feed = tmp_path / "closures.ics"
    feed.write_text(ICS)
    with db.session_scope() as session:
        team_id = session.query(m.Team.id).filter_by(workspace_id=workspace.id).scalar()
    cli.json("calendar", "set", "Default", "--timezone", "UTC", "--hours",
             "mon-sun 00:00-24:00", "--default")
    team = cli.json("calendar", "set", "Tier 1 hours", "--timezone", "Europe/Berlin",
                    "--hours", "mon-fri 09:00-17:00", "--ical", str(feed),
                    "--team", str(team_id))
    assert team["ical"] is True and team["teams"] == [team_id]
    with db.session_scope() as session:
        cal = calendar_for(session, workspace.id, team_id=team_id)
        assert cal.name == "Tier 1 hours"
        # the iCal's all-day offsite closes Thursday and Friday
        assert not cal.is_open(datetime(2026, 12, 3, 10, tzinfo=UTC))
        assert not cal.is_open(datetime(2026, 12, 4, 10, tzinfo=UTC))
        assert cal.is_open(datetime(2026, 12, 7, 10, tzinfo=UTC))
        # the channel account (none assigned) falls to the team's, then the default
        assert calendar_for(session, workspace.id, workspace.api_account["id"],
                            team_id).name == "Tier 1 hours"
        assert calendar_for(session, workspace.id, workspace.api_account["id"]).name == \
            "Default"
    assert cli.json("sweep", "--json") == {"sla": 0, "surveys": 0, "webhooks": 0}
