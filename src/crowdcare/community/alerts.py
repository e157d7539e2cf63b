"""The email digest: when mentions matching an advocate's languages and topics have waited
longer than the workspace's threshold, one email lists them, outside the advocate's quiet
hours and at most `max_alerts_per_day` times a day. Each post is named once per advocate.
Live alerts need none of this: the portal's queue redraws as posts arrive."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.community import eligibility, visible
from crowdcare.community import settings as community_settings
from crowdcare.settings import get_settings
from crowdcare.store import models as m


def quiet(advocate: m.Advocate, now: datetime) -> bool:
    start, end = advocate.quiet_start, advocate.quiet_end
    if start is None or end is None or start == end:
        return False
    hour = now.astimezone(ZoneInfo(advocate.timezone or "UTC")).hour
    return start <= hour < end if start < end else (hour >= start or hour < end)


def digests_today(session: Session, agent_id: int, now: datetime) -> int:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return session.scalar(select(func.count(func.distinct(m.CommunityAlert.sent_at))).where(
        m.CommunityAlert.agent_id == agent_id, m.CommunityAlert.sent_at >= day)) or 0


def due(session: Session, advocate: m.Advocate, now: datetime) -> list[eligibility.Case]:
    """The waiting posts this advocate's next digest names (empty: no digest now)."""
    ws = session.get(m.Workspace, advocate.workspace_id)
    settings = community_settings.of(ws)
    if not advocate.email_alerts or not advocate.agent.active or quiet(advocate, now) or \
            digests_today(session, advocate.agent_id, now) >= settings.max_alerts_per_day:
        return []
    threshold = now - timedelta(minutes=settings.alert_after_minutes)
    waiting = [c for c in eligibility.queue(session, ws.id, languages=advocate.languages,
                                            topics=advocate.topics)
               if c.claim is None and c.post.sent_at <= threshold]
    if not waiting:
        return []
    told = set(session.scalars(select(m.CommunityAlert.message_id).where(
        m.CommunityAlert.agent_id == advocate.agent_id,
        m.CommunityAlert.message_id.in_([c.post.id for c in waiting]))))
    return [c for c in waiting if c.post.id not in told]


def compose(advocate: m.Advocate, workspace: m.Workspace, items: list[eligibility.Case],
            base_url: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    n = len(items)
    msg["Subject"] = f"{n} mention{'s' if n != 1 else ''} waiting for the {workspace.name} community"
    msg["From"] = get_settings().mail_from
    msg["To"] = advocate.agent.email
    lines = [f"Hi {advocate.agent.name.split()[0]},", "",
             f"{'These customers have' if n != 1 else 'This customer has'} been waiting for an "
             "answer on social media:", ""]
    for c in items:
        waited = int((now - c.post.sent_at).total_seconds() // 60)
        lines += [f"- {visible.author_handle(c.conversation)} on {c.conversation.channel_account.kind}"
                  f", waiting {waited} min:", f"  {c.post.text}",
                  f"  {base_url.rstrip('/')}/community/m/{c.conversation.id}", ""]
    lines += ["Thanks for helping!", "",
              f"Quiet hours, topics and these emails: {base_url.rstrip('/')}/community/profile"]
    msg.set_content("\n".join(lines))
    return msg


def send(msg: EmailMessage) -> None:
    """Through the SMTP server of CROWDCARE_SMTP_URL (smtp://[user:pass@]host:port, add
    ?starttls=1 to upgrade; smtps:// for TLS from the start)."""
    url = get_settings().smtp_url
    if not url:
        raise RuntimeError("no SMTP server configured (CROWDCARE_SMTP_URL)")
    parts = urlsplit(url)
    kind = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with kind(parts.hostname or "127.0.0.1", parts.port or (465 if parts.scheme == "smtps"
                                                              else 25), timeout=15) as smtp:
        if parse_qs(parts.query).get("starttls") == ["1"]:
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)


def invitation(email: str, name: str, workspace: m.Workspace, link: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Join the {workspace.name} community"
    msg["From"] = get_settings().mail_from
    msg["To"] = email
    msg.set_content(f"Hi {name.split()[0] if name else 'there'},\n\n{workspace.name} invites you "
                    "to answer other customers' public questions with them, from the brand's "
                    f"account.\n\nChoose your password here (the link works for 14 days):\n"
                    f"{link}\n")
    return msg
