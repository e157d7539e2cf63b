"""Workspaces and their channel accounts."""
from __future__ import annotations

import re
from typing import Any

from pydantic import AnyUrl, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, NotFound
from crowdcare.channels import registry
from crowdcare.outbound import network
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
    unknown = sorted(set(options) - set(adapter.config_model.model_fields))
    if unknown:   # e.g. graph_url, api_url: the platforms' addresses are operator settings
        raise Invalid(f"unknown setting {', '.join(unknown)} for {kind}", field=unknown[0])
    try:
        config = adapter.config_model.model_validate(options)
    except ValidationError as exc:
        errors = exc.errors()   # every problem at once: fix them all in one go
        reason = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in errors)
        first = errors[0]["loc"]
        raise Invalid(reason, field=str(first[0]) if first else None) from None
    for name, value in config:   # a URL we will call: refused now if it can never be called
        why = network.refusal(str(value)) if isinstance(value, AnyUrl) else None
        if why:
            raise Invalid(f"{name}: {why}", field=name)
    return adapter, config


def _names(session: Session, workspace_id: int, exclude: int | None = None) -> set[str]:
    query = select(m.ChannelAccount.name).where(m.ChannelAccount.workspace_id == workspace_id)
    if exclude is not None:
        query = query.where(m.ChannelAccount.id != exclude)
    return {n.strip().lower() for n in session.scalars(query)}


def check_channel_name(session: Session, workspace_id: int, name: str,
                       exclude: int | None = None) -> str:
    """A channel's name is how agents tell accounts apart: unique in the workspace."""
    name = name.strip()
    if not name:
        raise Invalid("a channel needs a name", field="name")
    if len(name) > 200:
        raise Invalid("a channel name is at most 200 characters", field="name")
    if name.lower() in _names(session, workspace_id, exclude):
        raise Conflict(f"this workspace already has a channel named {name!r}", field="name")
    return name


def default_name(session: Session, workspace_id: int, title: str) -> str:
    """The adapter's title, numbered when the workspace has one already ("API channel 2")."""
    taken, n, name = _names(session, workspace_id), 1, title
    while name.lower() in taken:
        n += 1
        name = f"{title} {n}"
    return name


def do_add_channel(session: Session, workspace: m.Workspace, kind: str, config,
                   name: str | None = None) -> m.ChannelAccount:
    adapter = registry.get(kind)
    row = m.ChannelAccount(
        workspace_id=workspace.id, kind=kind,
        name=name or default_name(session, workspace.id, adapter.title),
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


def check_update_channel(session: Session, account: m.ChannelAccount, name: str | None,
                         options: dict[str, Any]):
    """Validate an edit: a new name (unique), and settings merged over the stored ones (a
    secret left blank keeps its value). Returns (name, validated config)."""
    adapter = registry.get(account.kind)
    if adapter is None:
        raise Invalid(f"the {account.kind} channel is not installed in this version")
    if name is not None:
        name = check_channel_name(session, account.workspace_id, name, exclude=account.id)
    known = set(adapter.config_model.model_fields)
    unknown = sorted(set(options) - known)
    if unknown:
        raise Invalid(f"unknown setting {', '.join(unknown)} for {account.kind}", field=unknown[0])
    merged = {k: v for k, v in account.config.items() if k in known}   # drops retired settings
    for key, value in options.items():
        if key in adapter.secret_fields and value in (None, ""):
            continue   # blank: keep the secret
        merged[key] = value
    _, config = check_channel(account.kind, merged)
    return name, config


def do_update_channel(session: Session, account: m.ChannelAccount, name: str | None,
                      config) -> m.ChannelAccount:
    if name is not None:
        account.name = name
    account.config = config.model_dump(mode="json")
    account.external_id = registry.get(account.kind).external_account_id(config)
    session.flush()
    accounts.forget(account.id)
    return account


def do_set_active(session: Session, account: m.ChannelAccount, active: bool) -> m.ChannelAccount:
    """A disabled channel's webhooks are refused (404) and nothing is sent on it."""
    account.active = active
    session.flush()
    accounts.forget(account.id)
    return account


def check_delete_channel(session: Session, account: m.ChannelAccount) -> None:
    """Deleting would delete its conversations and messages: only an unused channel goes;
    one with conversations is disabled instead (nothing lost)."""
    used = session.scalar(select(func.count()).select_from(m.Conversation).where(
        m.Conversation.channel_account_id == account.id))
    if used:
        raise Conflict(f"'{account.name}' has {used} conversation{'s' if used != 1 else ''}: "
                       "disable it instead (its history stays)")


def do_delete_channel(session: Session, account: m.ChannelAccount) -> None:
    session.delete(account)
    session.flush()
    accounts.forget(account.id)
