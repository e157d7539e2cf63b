"""Request-scoped dependencies: a unit of work, and who is asking."""
from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crowdcare import actions
from crowdcare.actions.people import token_row
from crowdcare.domain import Role
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)


def get_session() -> Iterator[Session]:
    with db.session_scope() as session:
        yield session


@dataclass(frozen=True)
class Principal:
    agent_id: int
    workspace_id: int
    role: str
    name: str

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.admin, Role.agent)


def principal_from_token(session: Session, token: str) -> Principal | None:
    row = token_row(session, token)
    now = utcnow()
    if row is None or row.revoked or (row.expires_at is not None and row.expires_at <= now) \
            or not row.agent.active:
        return None
    _note_use(row.id, row.last_used_at)
    return Principal(row.agent.id, row.agent.workspace_id, row.agent.role, row.agent.name)


# A token's last use is kept to the minute: an operator's answer, not one write per request.
USE_RESOLUTION = timedelta(minutes=1)


def _note_use(token_id: int, last_used_at) -> None:
    """In its own short transaction, never the request's: a write there held SQLite's write
    lock until the response, so a handler's own transaction (a delivery retry) waited on it
    until "database is locked", and every webhook waited behind both."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < USE_RESOLUTION:
        return
    try:
        with db.session_scope() as session:
            session.execute(update(m.ApiToken).where(m.ApiToken.id == token_id)
                            .values(last_used_at=now))
    except OperationalError as exc:   # a locked database still serves reads
        log.info("token %s: last use not recorded (%s)", token_id, exc.orig)


SESSION_AGENT, SESSION_EPOCH, SESSION_CSRF = "agent_id", "epoch", "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def start_session(request: Request, agent: m.Agent) -> None:
    """A fresh session (no fixation, a new CSRF token) bound to the agent's current epoch."""
    request.session.clear()
    request.session.update({SESSION_AGENT: agent.id, SESSION_EPOCH: agent.session_epoch,
                            SESSION_CSRF: secrets.token_urlsafe(32)})


def principal_from_session(session: Session, request: Request) -> Principal | None:
    """The signed cookie's agent, while its epoch is the agent's: signing out, a new password,
    deactivation or an admin's "sign out everywhere" raise the epoch and end every copy."""
    data = request.session if "session" in request.scope else {}
    agent = session.get(m.Agent, data[SESSION_AGENT]) if SESSION_AGENT in data else None
    if agent is None or not agent.active or data.get(SESSION_EPOCH) != agent.session_epoch:
        return None
    return Principal(agent.id, agent.workspace_id, agent.role, agent.name)


def authenticate(request: Request, session: Session) -> Principal | None:
    """A bearer token, or the console's session cookie. A browser sends the cookie on its own,
    so a write the cookie authenticates must also carry the session's CSRF token (the
    X-CSRF-Token header), as the console's forms do."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token:
        return principal_from_token(session, token)
    principal = principal_from_session(session, request)
    if principal is not None and request.method not in SAFE_METHODS:
        sent, expected = request.headers.get(CSRF_HEADER, ""), request.session.get(SESSION_CSRF)
        if not expected or not hmac.compare_digest(sent, str(expected)):
            raise HTTPException(403, "a write with the session cookie needs the session's "
                                     "X-CSRF-Token header (or use a bearer token)")
    return principal


def current(request: Request, session: Session = Depends(get_session)) -> Principal:
    principal = authenticate(request, session)
    if principal is None:
        raise HTTPException(401, "missing or invalid bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def staff(request: Request, principal: Principal = Depends(current)) -> Principal:
    if not principal.is_staff:
        if request.path_params:   # a conversation, customer, order... by id: as if missing
            raise HTTPException(404, "not found")
        raise HTTPException(403, "advocates cannot use the staff API: see /api/v1/community")
    return principal


def advocate(principal: Principal = Depends(current)) -> Principal:
    if principal.role != Role.advocate:
        raise HTTPException(403, "this is the community advocates' API (staff: "
                                 "/api/v1/community/review)")
    return principal


def admin(request: Request, principal: Principal = Depends(current)) -> Principal:
    if principal.role == Role.advocate and request.path_params:
        raise HTTPException(404, "not found")
    if principal.role != Role.admin:
        raise HTTPException(403, "this needs an admin")
    return principal


def owned(session: Session, model, row_id: int, principal: Principal, what: str):
    """Another workspace's row is as invisible as a missing one: 404, never 403."""
    return actions.owned(session, model, row_id, principal.workspace_id, what)


def same_origin(connection) -> bool:
    """A browser's websocket from another site carries its Origin: refuse it when the session
    cookie would authenticate it (cross-site websocket hijacking). Clients without an Origin
    (scripts, the bench) are not browsers."""
    origin = connection.headers.get("origin")
    if not origin:
        return True
    netloc = urlsplit(origin).netloc.lower()
    return netloc in (connection.headers.get("host", "").lower(),
                      urlsplit(get_settings().public_url).netloc.lower())
