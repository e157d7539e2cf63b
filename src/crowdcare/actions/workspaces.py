"""Workspaces and their channel accounts."""
from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, NotFound
from crowdcare.channels import registry
from crowdcare.store import accounts
from crowdcare.store import models as m


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "workspace"


def check_create(session: Session, name: str) -> str:
    if not name.strip():
        raise Invalid("a workspace needs a name", field="name")
    slug = slugify(name)
    if session.scalar(select(m.Workspace.id).where(m.Workspace.slug == slug)):
        raise Conflict(f"a workspace named {slug!r} already exists", field="name")
    return slug


def do_create(session: Session, name: str, slug: str) -> m.Workspace:
    ws = m.Workspace(name=name.strip(), slug=slug, settings={})
    session.add(ws)
    session.flush()
    return ws


def find(session: Session, key: str | None) -> m.Workspace:
    """By id or slug; with no key, the only workspace there is."""
    if key is None:
        rows = session.scalars(select(m.Workspace).limit(2)).all()
        if not rows:
            raise Invalid("no workspace yet: run `crowdcare workspace create NAME` first")
        if len(rows) > 1:
            raise Invalid("there are several workspaces: say which with --workspace")
        return rows[0]
    row = session.get(m.Workspace, int(key)) if key.isdigit() else session.scalar(
        select(m.Workspace).where(m.Workspace.slug == key))
    if row is None:
        raise NotFound(f"workspace {key!r} not found")
    return row


def check_channel(kind: str, options: dict[str, Any]):
    adapter = registry.get(kind)
    if adapter is None:
        raise Invalid(f"unknown channel kind {kind!r}; known: {', '.join(sorted(registry.adapters()))}",
                      field="kind")
    try:
        return adapter, adapter.config_model.model_validate(options)
    except ValidationError as exc:
        errors = exc.errors()   # every problem at once: fix them all in one go
        reason = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in errors)
        first = errors[0]["loc"]
        raise Invalid(reason, field=str(first[0]) if first else None) from None


def do_add_channel(session: Session, workspace: m.Workspace, kind: str, config,
                   name: str | None = None) -> m.ChannelAccount:
    adapter = registry.get(kind)
    row = m.ChannelAccount(
        workspace_id=workspace.id, kind=kind, name=name or adapter.title,
        external_id=adapter.external_account_id(config),
        config=config.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    accounts.forget(row.id)
    return row


def public_config(account: m.ChannelAccount) -> dict[str, Any]:
    """Secrets are stored and never shown back: only whether they are set."""
    secret = registry.get(account.kind).secret_fields
    return {k: ("set" if v else None) if k in secret else v for k, v in account.config.items()}


def webhook_url(base: str, account: m.ChannelAccount) -> str:
    return f"{base.rstrip('/')}/webhooks/{account.kind}/{account.id}"
