"""Who is this and which conversation is it: identities, customers and conversations.

Lookups go through the unit of work's memo (`db.once`): a batch of deliveries reads every
sender's rows in a few statements first (`prefetch`), and what a message creates is found by
the next message of the same sender without a flush."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from crowdcare.domain import Sender
from crowdcare.store import db
from crowdcare.store import models as m


def _keys(account_id: int, external_id: str) -> tuple[tuple, tuple]:
    return ("identity", account_id, external_id), ("conversation", account_id, external_id)


def prefetch(session: Session, account: m.ChannelAccount,
             external_ids: Iterable[str]) -> list[m.Conversation]:
    """Read these senders' identities, customers and conversations in one statement;
    returns the conversations that exist."""
    wanted = sorted({e for e in external_ids if not db.known(session, _keys(account.id, e)[0])})
    if not wanted:
        return []
    rows = session.execute(
        select(m.Identity, m.Customer, m.Conversation)
        .join(m.Customer, m.Customer.id == m.Identity.customer_id)
        .outerjoin(m.Conversation, and_(m.Conversation.identity_id == m.Identity.id,
                                        m.Conversation.channel_account_id == account.id))
        .where(m.Identity.channel_account_id == account.id, m.Identity.external_id.in_(wanted)))
    found = {}
    for identity, customer, conversation in rows:
        db.remember(session, (m.Customer, customer.id), customer)   # held: read for each message
        found[identity.external_id] = (identity, conversation)
    for external_id in wanted:
        identity_key, conversation_key = _keys(account.id, external_id)
        identity, conversation = found.get(external_id, (None, None))
        db.remember(session, identity_key, identity)
        db.remember(session, conversation_key, conversation)
    return [conversation for _, conversation in found.values() if conversation is not None]


def resolve(session: Session, account: m.ChannelAccount, sender: Sender) -> m.Conversation:
    """The conversation with this sender on this account, creating customer, identity and
    conversation on first contact. Platform profile details are refreshed on every contact."""
    identity_key, conversation_key = _keys(account.id, sender.external_id)
    identity = db.once(session, identity_key, lambda: session.scalar(select(m.Identity).where(
        m.Identity.channel_account_id == account.id,
        m.Identity.external_id == sender.external_id)))
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
        db.remember(session, identity_key, identity)
        db.remember(session, conversation_key, None)
    changes = {"handle": sender.handle or identity.handle,
               "display_name": sender.name or identity.display_name,
               "followers": identity.followers if sender.followers is None else sender.followers,
               "verified": sender.verified or identity.verified}
    for k, v in changes.items():
        if getattr(identity, k) != v:   # an unchanged profile leaves nothing to flush
            setattr(identity, k, v)
    conversation = db.once(session, conversation_key, lambda: session.scalar(
        select(m.Conversation).where(m.Conversation.channel_account_id == account.id,
                                     m.Conversation.identity_id == identity.id)))
    if conversation is None:
        conversation = m.Conversation(
            workspace_id=account.workspace_id, channel_account=account,
            customer=_live_customer(session, identity), identity=identity, status="open",
        )
        session.add(conversation)
        db.remember(session, conversation_key, conversation)
    return conversation


def _live_customer(session: Session, identity: m.Identity) -> m.Customer:
    """Follow merges: a merged customer's identities belong to the survivor."""
    if identity.customer_id is None:   # first contact: the customer is new too
        return identity.customer
    customer_id, seen = identity.customer_id, set()
    while True:
        seen.add(customer_id)
        customer = db.held(session, m.Customer, customer_id)
        if customer.merged_into_id is None or customer.merged_into_id in seen:
            return customer
        customer_id = customer.merged_into_id
