"""Sign-in attempts, limited per email (known or not: the answer never says which) and per
client address. Each attempt is counted *before* its password is checked, by one atomic
upsert, so guesses sent in parallel are counted like guesses sent one by one: at most
`login_attempts_per_account` passwords are ever checked for an email in a window."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

COUNTERS = m.LoginCounter.__table__


def email_key(email: str) -> str:
    return "email:" + email.strip().lower()


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def _window() -> timedelta:
    return timedelta(minutes=get_settings().login_window_minutes)


def _count(session, key: str, now: datetime) -> tuple[int, datetime]:
    """attempts += 1 in the key's window (a new window once the last one is over)."""
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)
    over = COUNTERS.c.window_start <= now - _window()
    stmt = insert(COUNTERS).values(key=key, attempts=1, window_start=now)
    stmt = stmt.on_conflict_do_update(index_elements=[COUNTERS.c.key], set_={
        "attempts": case((over, 1), else_=COUNTERS.c.attempts + 1),
        "window_start": case((over, now), else_=COUNTERS.c.window_start),
    }).returning(COUNTERS.c.attempts, COUNTERS.c.window_start)
    attempts, start = session.execute(stmt).one()
    return attempts, start


def check_attempt(email: str, address: str | None) -> datetime | None:
    """Count one attempt for the email and for the address, committed at once (before the
    slow password check); returns when the caller may try again if a limit is passed."""
    settings = get_settings()
    now = utcnow()
    limits = ((email_key(email), settings.login_attempts_per_account),
              (address_key(address), settings.login_attempts_per_address))
    with db.session_scope() as session:
        counted = [(_count(session, key, now), limit) for key, limit in limits]
    over = [start + _window() for (attempts, start), limit in counted if attempts > limit]
    return max(over) if over else None


def do_succeeded(email: str, address: str | None) -> None:
    """A right password clears the email's count and gives its attempt back to the address
    (an office behind one address is not locked out by its own sign-ins)."""
    with db.session_scope() as session:
        session.execute(delete(m.LoginCounter).where(m.LoginCounter.key == email_key(email)))
        session.execute(update(m.LoginCounter).where(
            m.LoginCounter.key == address_key(address), m.LoginCounter.attempts > 0)
            .values(attempts=m.LoginCounter.attempts - 1))


def do_lift(session, email: str) -> None:
    """A new password lifts the email's lock-out."""
    session.execute(delete(m.LoginCounter).where(m.LoginCounter.key == email_key(email)))


def locked(session, emails: list[str]) -> dict[str, datetime]:
    """email -> until when its sign-ins are refused (the admin's list of agents)."""
    limit = get_settings().login_attempts_per_account
    rows = session.execute(select(m.LoginCounter).where(
        m.LoginCounter.key.in_([email_key(e) for e in emails]),
        m.LoginCounter.attempts > limit)).scalars()
    now = utcnow()
    return {r.key.removeprefix("email:"): r.window_start + _window() for r in rows
            if r.window_start + _window() > now}
