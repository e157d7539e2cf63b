"""Channel accounts (admin): connect a page, an API channel...; secrets are never shown back."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import workspaces
from crowdcare.api.deps import Principal, admin, get_session
from crowdcare.settings import get_settings
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])


def account_out(row: m.ChannelAccount) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "name": row.name, "external_id": row.external_id,
            "active": row.active, "config": workspaces.public_config(row),
            "webhook_url": workspaces.webhook_url(get_settings().public_url, row)}


@router.get("")
def list_channels(principal: Principal = Depends(admin),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.ChannelAccount).where(
        m.ChannelAccount.workspace_id == principal.workspace_id).order_by(m.ChannelAccount.id))
    return {"items": [account_out(r) for r in rows]}


class ChannelIn(BaseModel):
    kind: str = Field(examples=["api", "messenger"])
    name: str | None = Field(None, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)


@router.post("", status_code=201)
def add_channel(body: ChannelIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    _adapter, config = workspaces.check_channel(body.kind, body.config)
    workspace = session.get(m.Workspace, principal.workspace_id)
    name = workspaces.check_channel_name(session, workspace.id, body.name) if body.name else None
    row = workspaces.do_add_channel(session, workspace, body.kind, config, name)
    # shown once at creation, like a token: the integrator needs the generated secrets
    return {**account_out(row), "secrets": {k: row.config.get(k) for k in
                                            _adapter.secret_fields}}
