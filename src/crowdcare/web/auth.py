"""Sign-in and sign-out: argon2 passwords, a signed HttpOnly SameSite=Lax session cookie, a
per-session CSRF token, lock-out after repeated failures (reset with `crowdcare agent password`)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, people
from crowdcare.actions.people import hasher
from crowdcare.api.deps import get_session, principal_from_session
from crowdcare.domain import Role
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import CSRF_KEY, back, check_csrf, render

router = APIRouter(include_in_schema=False)
MAX_FAILURES = 5
LOCK_MINUTES = 15
GENERIC = "Wrong email or password."
# verified against when the email is unknown, so the answer takes as long either way
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/inbox"
    return target


def check_login(session: Session, email: str, password: str) -> tuple[m.Agent | None, str | None]:
    """(agent, None) when the password is right; (agent or None, reason) otherwise."""
    agent = session.scalar(select(m.Agent).where(m.Agent.email == email.strip().lower()))
    if agent is None or not agent.active or not agent.password_hash:
        try:
            hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return None, GENERIC
    now = utcnow()
    if agent.locked_until is not None and agent.locked_until > now:
        return agent, ("Too many failed sign-ins: this account is locked until "
                       f"{agent.locked_until:%H:%M} UTC. An admin can reset the password with "
                       "`crowdcare agent password`.")
    try:
        hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return agent, GENERIC
    return agent, None


def do_login_failed(agent: m.Agent) -> None:
    agent.failed_logins = (agent.failed_logins or 0) + 1
    if agent.failed_logins >= MAX_FAILURES:
        agent.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
        agent.failed_logins = 0


def do_login_succeeded(agent: m.Agent, password: str) -> None:
    agent.failed_logins = 0
    agent.locked_until = None
    if hasher.check_needs_rehash(agent.password_hash):   # argon2 parameters were raised
        agent.password_hash = hasher.hash(password)


@router.get("/login")
def login_page(request: Request, next: str | None = None,
               session: Session = Depends(get_session)):
    principal = principal_from_session(session, request)
    if principal is not None:
        return back(_landing(principal.role, next))
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "email": ""})


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(request: Request, email: str = Form(..., max_length=320),
                password: str = Form(..., max_length=1000), next: str = Form("/inbox"),
                session: Session = Depends(get_session)):
    agent, error = await run_in_threadpool(check_login, session, email, password)
    if error is not None:
        if agent is not None and error == GENERIC:
            do_login_failed(agent)
        session.commit()
        return render(request, "login.html", {"next": _safe_next(next), "error": error,
                                              "email": email}, status=401 if agent is None
                      or error == GENERIC else 403)
    do_login_succeeded(agent, password)
    session.commit()
    request.session.clear()   # a fresh session: no fixation, a new CSRF token
    request.session["agent_id"] = agent.id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return back(_landing(agent.role, next))


def _landing(role: str, target: str | None) -> str:
    """Staff go where they were going; advocates to the community portal."""
    target = _safe_next(target)
    if role == Role.advocate and not target.startswith("/community"):
        return "/community"
    return target


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return back("/login")


# --- a password reset link an admin made (Admin → Agents) ---------------------------------------

@router.get("/reset/{token}")
def reset_page(token: str, request: Request, session: Session = Depends(get_session)):
    try:
        agent = people.check_reset(session, token)
    except ActionError as exc:
        return render(request, "reset.html", {"error": exc.reason, "agent": None}, status=400)
    return render(request, "reset.html", {"error": None, "agent": agent, "token": token})


@router.post("/reset/{token}", dependencies=[Depends(check_csrf)])
def reset(token: str, request: Request, password: str = Form(..., max_length=1000),
          confirm: str = Form(..., max_length=1000), session: Session = Depends(get_session)):
    try:
        agent = people.check_reset(session, token)
    except ActionError as exc:
        return render(request, "reset.html", {"error": exc.reason, "agent": None}, status=400)
    try:
        if password != confirm:
            raise ActionError("The two passwords differ.", status=422)
        people.do_set_password(session, agent, password)   # also lifts a lock-out
        session.commit()
    except ActionError as exc:
        session.rollback()
        return render(request, "reset.html", {"error": exc.reason, "agent": agent,
                                              "token": token}, status=exc.status)
    request.session.clear()
    return render(request, "login.html", {"next": "/inbox", "email": agent.email,
                                          "error": None, "notice": "Password set: sign in."})
