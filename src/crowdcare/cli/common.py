"""Shared CLI plumbing: clear messages instead of tracebacks, --json output."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError
from crowdcare.store import db

JsonOpt = typer.Option(False, "--json", help="print one JSON object, for scripts")


def fail(message: str, code: int = 2):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A committed session; refusals become one-line errors with exit code 2."""
    try:
        with db.session_scope() as session:
            yield session
    except ActionError as exc:
        fail(exc.reason)
    except ValidationError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"database unavailable or not migrated ({exc.orig}); run `crowdcare migrate`")


def out(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        for line in lines:
            typer.echo(line)


def stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def agent_by_email(session: Session, email: str, workspace: str | None = None):
    """The agent with this email (in `workspace`, an id or slug, when given). An email may have
    an account in several workspaces: then the workspace must be named."""
    from sqlalchemy import select

    from crowdcare.actions import workspaces
    from crowdcare.store import models as m

    query = select(m.Agent).where(m.Agent.email == email.strip().lower())
    if workspace is not None:
        query = query.where(m.Agent.workspace_id == workspaces.find(session, workspace).id)
    rows = session.scalars(query).all()
    if not rows:
        fail(f"no agent with email {email}" + (f" in workspace {workspace}" if workspace else ""))
    if len(rows) > 1:
        fail(f"{email} has an account in {len(rows)} workspaces: name one with --workspace")
    return rows[0]
