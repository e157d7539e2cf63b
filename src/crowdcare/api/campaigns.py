"""Entry points: campaigns (ref links and their QR codes) and the channel profile (Get Started,
greeting, ice breakers, persistent menu) pushed to the platform."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, NotFound, campaigns
from crowdcare.api.deps import Principal, admin, get_session, owned, staff
from crowdcare.api.errors import UPSTREAM
from crowdcare.api.numbers import Int64
from crowdcare.channels import registry
from crowdcare.outbound import network
from crowdcare.store import accounts
from crowdcare.store import models as m

router = APIRouter(tags=["campaigns"])


class QuickReply(BaseModel):
    title: str = Field(min_length=1, max_length=20)
    payload: str | None = Field(None, max_length=1000)


class CampaignIn(BaseModel):
    ref: str = Field(min_length=1, max_length=80, examples=["spring-poster"])
    name: str | None = Field(None, max_length=200)
    greeting: str = Field(min_length=1, max_length=2000)
    quick_replies: list[QuickReply] = Field(default_factory=list, max_length=13)
    faq_topic: str | None = Field(None, max_length=100)


class CampaignPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    name: str = Field(None, max_length=200)
    greeting: str = Field(None, min_length=1, max_length=2000)
    quick_replies: list[QuickReply] = Field(None, max_length=13)
    faq_topic: str | None = Field(None, max_length=100)


def _out(session: Session, row: m.Campaign, account_id: int | None = None) -> dict[str, Any]:
    try:
        account = campaigns.entry_account(session, row.workspace_id, account_id)
        return campaigns.campaign_out(row, campaigns.link(row, account))
    except NotFound:
        return campaigns.campaign_out(row)


@router.get("/api/v1/campaigns")
def list_campaigns(principal: Principal = Depends(staff),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.Campaign).where(
        m.Campaign.workspace_id == principal.workspace_id).order_by(m.Campaign.id))
    return {"items": [_out(session, r) for r in rows]}


@router.post("/api/v1/campaigns", status_code=201)
def create_campaign(body: CampaignIn, principal: Principal = Depends(admin),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    data = body.model_dump()
    campaigns.check_create_campaign(session, principal.workspace_id, data)
    row = campaigns.do_create_campaign(session, principal.workspace_id, data)
    session.commit()
    return _out(session, row)


@router.get("/api/v1/campaigns/{campaign_id}")
def get_campaign(campaign_id: Int64, account_id: Int64 | None = None,
                 principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    return _out(session, owned(session, m.Campaign, campaign_id, principal, "campaign"),
                account_id)


@router.patch("/api/v1/campaigns/{campaign_id}")
def update_campaign(campaign_id: Int64, body: CampaignPatch, principal: Principal = Depends(admin),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    row = owned(session, m.Campaign, campaign_id, principal, "campaign")
    campaigns.do_update_campaign(session, row, body.model_dump(exclude_unset=True))
    session.commit()
    return _out(session, row)


@router.delete("/api/v1/campaigns/{campaign_id}", status_code=204)
def delete_campaign(campaign_id: Int64, principal: Principal = Depends(admin),
                    session: Session = Depends(get_session)) -> Response:
    campaigns.do_delete_campaign(session, owned(session, m.Campaign, campaign_id, principal,
                                                "campaign"))
    session.commit()
    return Response(status_code=204)


def _qr_link(session: Session, campaign_id: int, principal: Principal,
             account_id: int | None) -> str:
    row = owned(session, m.Campaign, campaign_id, principal, "campaign")
    account = campaigns.entry_account(session, principal.workspace_id, account_id)
    return campaigns.link(row, account, qr=True)


@router.get("/api/v1/campaigns/{campaign_id}/qr.png")
def campaign_qr_png(campaign_id: Int64, account_id: Int64 | None = None,
                    scale: Int64 = Query(8, ge=1, le=40), principal: Principal = Depends(staff),
                    session: Session = Depends(get_session)) -> Response:
    """A QR code of the campaign's link (scans are attributed with source QR)."""
    link = _qr_link(session, campaign_id, principal, account_id)
    return Response(campaigns.qr_png(link, scale), media_type="image/png",
                    headers={"X-Campaign-Link": link})


@router.get("/api/v1/campaigns/{campaign_id}/qr.svg")
def campaign_qr_svg(campaign_id: Int64, account_id: Int64 | None = None,
                    scale: Int64 = Query(8, ge=1, le=40), principal: Principal = Depends(staff),
                    session: Session = Depends(get_session)) -> Response:
    link = _qr_link(session, campaign_id, principal, account_id)
    return Response(campaigns.qr_svg(link, scale), media_type="image/svg+xml",
                    headers={"X-Campaign-Link": link})


# -- channel profile ---------------------------------------------------------------------------
@router.get("/api/v1/channels/{account_id}/profile")
def get_profile(account_id: Int64, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    return owned(session, m.ChannelAccount, account_id, principal, "channel").config.get(
        "profile") or {}


@router.put("/api/v1/channels/{account_id}/profile")
def put_profile(account_id: Int64, body: dict[str, Any], principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """get_started_payload, greeting, ice_breakers [{question, payload}], persistent_menu
    [{title, payload | url}]; stored on the account, sent with .../profile/push."""
    account = owned(session, m.ChannelAccount, account_id, principal, "channel")
    config = campaigns.check_profile(account, body)
    profile = campaigns.do_set_profile(session, account, config)
    session.commit()
    return profile


async def push(account: m.ChannelAccount):
    ref = accounts.ref(account)
    async with network.client() as http:
        return await registry.get(account.kind).push_profile(ref, http)


@router.post("/api/v1/channels/{account_id}/profile/push", responses=UPSTREAM)
def push_profile(account_id: Int64, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    account = owned(session, m.ChannelAccount, account_id, principal, "channel")
    result = asyncio.run(push(account))
    if not result.ok:
        raise ActionError(f"profile push refused: {result.error}",
                          status=502 if result.retryable else 409)
    return {"pushed": True, "profile": account.config.get("profile") or {}}
