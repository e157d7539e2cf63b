"""The policy gate: one function decides whether a message may go out now, how it must be
tagged, until when the answer holds, and, when it may not, why, in words an agent can act on.

Every outbound path asks it: the reply API (409 with the reason), the console (before the
agent types), automations (recorded as blocked) and the sender (again, at send time).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crowdcare.channels.base import SendPolicy

HUMAN = "agent"          # Author.agent: the only author allowed the human-agent extension
MARKETING = "marketing"


@dataclass(frozen=True)
class SendContext:
    policy: SendPolicy
    author: str                        # agent | bot | advocate | system
    purpose: str                       # response | update | receipt | shipping | marketing
    now: datetime
    last_inbound_at: datetime | None   # the customer's last message or referral
    optin_token: str | None = None
    optin_expires_at: datetime | None = None
    optin_active: bool = False
    thread_owner_app_id: str | None = None
    our_app_id: str | None = None
    public: bool = False
    private_data: tuple[str, ...] = ()  # what triage found in the post a public reply answers
    answered_by: str | None = None     # who already answers the same post in public, when one
                                       # of the two is a community advocate (no double replies)


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    reason: str
    messaging_type: str | None = None  # RESPONSE | UPDATE | MESSAGE_TAG (Messenger's terms)
    tag: str | None = None             # HUMAN_AGENT when the extension is used
    until: datetime | None = None      # the answer holds until then (None: no limit)

    def to_dict(self) -> dict:
        return {"allowed": self.allowed, "reason": self.reason,
                "messaging_type": self.messaging_type, "tag": self.tag,
                "until": self.until.isoformat() if self.until else None}


def _hours(h: float) -> str:
    return f"{h / 24:g} days" if h >= 48 else f"{h:g} hours"


def decide(ctx: SendContext) -> PolicyDecision:
    p = ctx.policy
    if ctx.thread_owner_app_id and ctx.our_app_id and ctx.thread_owner_app_id != ctx.our_app_id:
        return PolicyDecision(False, f"another app ({ctx.thread_owner_app_id}) controls this "
                                     "thread: take thread control first")
    if ctx.public:
        if not p.public_replies:
            return PolicyDecision(False, "this channel cannot answer in public")
        if ctx.answered_by:
            return PolicyDecision(False, f"this post already has a public answer "
                                         f"({ctx.answered_by}): no double replies")
        if ctx.private_data:
            return PolicyDecision(False, "private data in the customer's post ("
                                  + ", ".join(ctx.private_data)
                                  + "): answer in a private message, never in public")
        return PolicyDecision(True, "public reply")
    if ctx.purpose == MARKETING and p.marketing_needs_optin:
        if not ctx.optin_active or not ctx.optin_token:
            return PolicyDecision(False, "marketing needs the customer's opt-in "
                                         "(no active notification token)")
        if ctx.optin_expires_at and ctx.optin_expires_at <= ctx.now:
            return PolicyDecision(False, "the customer's marketing opt-in expired on "
                                         f"{ctx.optin_expires_at:%Y-%m-%d %H:%M} UTC")
        return PolicyDecision(True, "opted in to marketing messages", until=ctx.optin_expires_at)
    if p.window_hours is None:
        return PolicyDecision(True, "this channel has no messaging window")
    if ctx.last_inbound_at is None:
        return PolicyDecision(False, "the customer has not written yet: no messaging window")
    standard_end = ctx.last_inbound_at + timedelta(hours=p.window_hours)
    if ctx.now < standard_end:
        kind = "RESPONSE" if ctx.purpose == "response" else "UPDATE"
        return PolicyDecision(True, f"within the {_hours(p.window_hours)} window",
                              messaging_type=kind, until=standard_end)
    closed = (f"the {_hours(p.window_hours)} window closed at "
              f"{standard_end:%Y-%m-%d %H:%M} UTC")
    if p.human_agent_hours is None:
        return PolicyDecision(False, closed)
    human_end = ctx.last_inbound_at + timedelta(hours=p.human_agent_hours)
    if ctx.author != HUMAN:
        return PolicyDecision(False, f"{closed}; only a human agent may reply after it "
                                     "(bots and automations never use HUMAN_AGENT)")
    if ctx.now < human_end:
        return PolicyDecision(True, f"{closed}; a human agent may reply with the HUMAN_AGENT "
                                    f"tag until {human_end:%Y-%m-%d %H:%M} UTC",
                              messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT", until=human_end)
    return PolicyDecision(False, f"{closed} and the human-agent extension "
                                 f"({_hours(p.human_agent_hours)}) ended at "
                                 f"{human_end:%Y-%m-%d %H:%M} UTC")
