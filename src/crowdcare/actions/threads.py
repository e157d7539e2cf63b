"""Who is this and which conversation is it: identities, customers and conversations."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.domain import Sender
from crowdcare.store import db
from crowdcare.store import models as m


def resolve(session: Session, account: m.ChannelAccount, sender: Sender) -> m.Conversation:
    """The conversation with this sender on this account, creating customer, identity and
    conversation on first contact. Platform profile details are refreshed on every contact."""
    identity = session.scalar(
        select(m.Identity).where(
            m.Identity.channel_account_id == account.id,
            m.Identity.external_id == sender.external_id,
        )
    )
    if identity is None:
        customer = m.Customer(
            workspace_id=account.workspace_id,
            name=sender.name or sender.handle,
            email=sender.profile.get("email"),
            phone=sender.profile.get("phone"),
        )
        identity = m.Identity(
            workspace_id=account.workspace_id, customer=customer,
            channel_account_id=account.id, external_id=sender.external_id,
        )
        session.add(identity)
    changes = {"handle": sender.handle or identity.handle,
               "display_name": sender.name or identity.display_name,
               "followers": identity.followers if sender.followers is None else sender.followers,
               "verified": sender.verified or identity.verified}
    for k, v in changes.items():
        if getattr(identity, k) != v:   # an unchanged profile leaves nothing to flush
            setattr(identity, k, v)
    if identity.id is None:
        session.flush()
    customer_id = _live_customer_id(session, identity.customer_id)
    conversation = session.scalar(
        select(m.Conversation).where(
            m.Conversation.channel_account_id == account.id,
            m.Conversation.identity_id == identity.id,
        )
    )
    if conversation is None:
        conversation = m.Conversation(
            workspace_id=account.workspace_id, channel_account_id=account.id,
            customer_id=customer_id, identity_id=identity.id, status="open",
        )
        session.add(conversation)
        session.flush()
    return conversation


def _live_customer_id(session: Session, customer_id: int) -> int:
    """Follow merges: a merged customer's identities belong to the survivor."""
    seen = set()
    while customer_id not in seen:
        seen.add(customer_id)
        # the whole row, held: the conversation's customer (VIP, name) is read next anyway
        merged_into = db.held(session, m.Customer, customer_id).merged_into_id
        if merged_into is None:
            return customer_id
        customer_id = merged_into
    return customer_id
