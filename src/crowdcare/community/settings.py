"""A workspace's community settings (`Workspace.settings["community"]`), with the defaults
documented in docs/community.md. Read whole; validated when an admin changes them."""
from __future__ import annotations

from pydantic import BaseModel, Field

from crowdcare.store import models as m

PROMISES = ["refund", "reimburse", "compensat", "voucher", "money back", "free replacement",
            "discount code", "store credit", "we will replace", "we'll replace"]


class Trust(BaseModel):
    trusted_after: int = Field(10, ge=1, le=1000, description="approved answers before trusted")
    unedited_share: float = Field(0.8, ge=0, le=1, description="share approved unedited over "
                                                                "the last `window` reviewed")
    window: int = Field(20, ge=1, le=1000, description="the rolling window (reviewed answers)")
    sample_one_in: int = Field(5, ge=1, le=1000, description="trusted: review 1 in N after "
                                                             "publishing")
    demote_below: float = Field(0.9, gt=0, le=1, description="demote below this share of a "
                                                              "threshold...")
    grace_days: float = Field(14, ge=0, le=365, description="...once this long after promotion")


class Snippet(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=2000)


class CommunitySettings(BaseModel):
    trust: Trust = Field(default_factory=Trust)
    brand: str | None = Field(None, max_length=60, description="the name in the signature "
                                                               "(default: the workspace's)")
    signature: str = Field("— {first_name}, {brand} community", max_length=80)
    lease_minutes: float = Field(10, gt=0, le=240)
    pace_seconds: float = Field(30, ge=0, le=86400)
    daily_cap: int = Field(20, ge=1, le=10000)
    link_allow_list: list[str] = Field(default_factory=list, max_length=100)
    banned_words: list[str] = Field(default_factory=list, max_length=500)
    forbidden_promises: list[str] = Field(default_factory=lambda: list(PROMISES), max_length=500)
    staff_only_handles: list[str] = Field(default_factory=list, max_length=1000)
    max_influence: float = Field(0.9, ge=0, le=1, description="more influential senders "
                                                              "(triage 0..1) stay with staff")
    snippets: list[Snippet] = Field(default_factory=list, max_length=100)
    alert_after_minutes: float = Field(30, gt=0, le=10080)
    max_alerts_per_day: int = Field(3, ge=0, le=100)
    quiet_start: int = Field(22, ge=0, le=23, description="an advocate's default quiet hours")
    quiet_end: int = Field(7, ge=0, le=23)


def of(workspace: m.Workspace) -> CommunitySettings:
    return CommunitySettings.model_validate((workspace.settings or {}).get("community") or {})


class _Keep(dict):
    def __missing__(self, key: str) -> str:   # an unknown {placeholder} stays as written
        return "{" + key + "}"


def signature(settings: CommunitySettings, workspace: m.Workspace, advocate_name: str) -> str:
    """"— Sam, Northwind community": added under every answer an advocate publishes."""
    first = (advocate_name.split() or ["A"])[0]
    try:
        return settings.signature.format_map(_Keep(first_name=first, name=advocate_name,
                                                   brand=settings.brand or workspace.name))
    except (ValueError, IndexError):   # a stray brace: the signature as written
        return settings.signature
