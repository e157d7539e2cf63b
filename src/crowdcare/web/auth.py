"""Sign-in and sign-out: argon2 passwords, a signed HttpOnly SameSite=Lax session cookie bound to
the agent's session epoch, a per-session CSRF token, attempts limited per email and per address
(actions/signins.py; `crowdcare agent password` lifts a lock)."""
from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, people, signins
from crowdcare.actions.people import hasher
from crowdcare.api.deps import get_session, principal_from_session, start_session
from crowdcare.domain import Role
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import back, check_csrf, render

router = APIRouter(include_in_schema=False)
GENERIC = "Wrong email or password."


@functools.cache
def _dummy_hash(of: PasswordHasher) -> str:
    """Verified against when the email is unknown, so the answer takes as long either way."""
    return of.hash(secrets.token_urlsafe(16))


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/inbox"
    return target


def check_login(session: Session, email: str, password: str) -> m.Agent | None:
    """The agent whose password this is. An email may have an account in several workspaces:
    the password says which. An unknown email costs one check of the dummy hash, so the answer
    and its time do not tell known from unknown."""
    agents = session.scalars(select(m.Agent).where(
        m.Agent.email == email.strip().lower(), m.Agent.active.is_(True),
        m.Agent.password_hash.is_not(None)).order_by(m.Agent.id)).all()
    check = hasher()
    for agent in agents or [None]:
        try:
            check.verify(agent.password_hash if agent else _dummy_hash(check), password)
        except (VerificationError, InvalidHashError):
            continue
        return agent
    return None


def do_login_succeeded(agent: m.Agent, password: str) -> None:
    if hasher().check_needs_rehash(agent.password_hash):   # the argon2 cost was changed
        agent.password_hash = hasher().hash(password)


def _too_many(until) -> str:
    return (f"Too many sign-in attempts: try again after {until:%H:%M} UTC. An admin can reset "
            "the password (`crowdcare agent password`), which lifts the lock.")


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
    address = request.client.host if request.client else None
    page = {"next": _safe_next(next), "email": email}
    until = await run_in_threadpool(signins.check_attempt, email, address)
    if until is not None:   # counted before the password is checked, known email or not
        refused = render(request, "login.html", {**page, "error": _too_many(until)}, status=429)
        refused.headers["Retry-After"] = str(max(1, int((until - utcnow()).total_seconds())))
        return refused
    agent = await run_in_threadpool(check_login, session, email, password)
    if agent is None:
        return render(request, "login.html", {**page, "error": GENERIC}, status=401)
    do_login_succeeded(agent, password)
    session.commit()
    await run_in_threadpool(signins.do_succeeded, email, address)
    start_session(request, agent)
    return back(_landing(agent.role, next))


def _landing(role: str, target: str | None) -> str:
    """Staff go where they were going; advocates to the community portal."""
    target = _safe_next(target)
    if role == Role.advocate and not target.startswith("/community"):
        return "/community"
    return target


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, session: Session = Depends(get_session)):
    """Ends every session of the agent, so a copy of this cookie (another device, a stolen
    one) is signed out too."""
    principal = principal_from_session(session, request)
    if principal is not None:
        people.do_end_sessions(session, session.get(m.Agent, principal.agent_id))
        session.commit()
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
