"""The away message and the instant reply: their settings."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from crowdcare.actions import away as actions
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.automation import away

router = APIRouter(tags=["automation"])


class AwayIn(BaseModel):
    """Left out: unchanged. `text` with `language` is that language's translation."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    text: str | None = Field(None, max_length=actions.MAX_TEXT)
    language: str | None = Field(None, max_length=12)
    public: bool | None = None
    instant: bool | None = None
    instant_text: str | None = Field(None, max_length=actions.MAX_TEXT)
    minutes_per_ticket: int | None = None


@router.get("/api/v1/away")
def get_away(principal: Principal = Depends(staff),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    return away.config(session, principal.workspace_id)


@router.put("/api/v1/away")
def put_away(body: AwayIn, principal: Principal = Depends(admin),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    changes = actions.check_settings(body.model_dump(exclude_none=True))
    result = actions.do_set_settings(session, principal.workspace_id, changes)
    session.commit()
    return result
