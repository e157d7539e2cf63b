"""The domain model. Workspace → channel accounts → customers (identities) → conversations →
messages and tickets; agents and teams; orders with items and shipping events; deliveries (the
raw webhook bodies) and events (the outbox every live view and automation reads)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from crowdcare.domain.orders import order_key
from crowdcare.store.types import BigID, JSONType, UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


def fk(target: str, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True):
    return mapped_column(
        ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
    )


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # triage keywords, VIP handles, business hours, messenger profile...: small, read whole
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelAccount(Base):
    __tablename__ = "channel_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)  # page id...
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)   # validated by the adapter
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # its business hours (automation/calendars.py); None: the team's or the workspace's default
    calendar_id: Mapped[int | None] = fk("business_calendars.id", nullable=True,
                                         ondelete="SET NULL", index=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
)


class Agent(Base):
    """An email is unique in its workspace, not across them: adding one says nothing about other
    workspaces' people. Signing in, the password picks among an email's accounts."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("workspace_id", "email", name="uq_agents_workspace_email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))                  # Role
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # in every session cookie; raising it ends them all (sign-out, new password, deactivation)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # automatic assignment (automation/assign.py): at most `capacity` open tickets (None: no
    # limit), only while "online", skilled in {"languages": [...], "intents": [...]} (empty:
    # any); the round robin turns by who was assigned longest ago
    capacity: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    availability: Mapped[str] = mapped_column(String(20), default="online",
                                              server_default="online")   # online|away|offline
    last_assigned_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    name: Mapped[str] = mapped_column(String(100))
    calendar_id: Mapped[int | None] = fk("business_calendars.id", nullable=True,
                                         ondelete="SET NULL", index=False)
    members: Mapped[list[Agent]] = relationship(secondary=team_members, back_populates="teams")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = fk("agents.id")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)   # sha256 hex; never the token
    name: Mapped[str] = mapped_column(String(100), default="cli")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()           # None: until revoked
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    agent: Mapped[Agent] = relationship()


class LoginCounter(Base):
    """Sign-in attempts in the current window for one key (`email:...`, `address:...`),
    counted before the password is checked, by one atomic upsert (web/throttle.py)."""

    __tablename__ = "login_counters"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column()


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = fk("customers.id", nullable=True, ondelete="SET NULL")
    # on a merged customer: which rows the merge moved and what it copied, so it can be undone
    merge_record: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # no more CSAT/NPS questions (outbound/surveys.py): since when, and how ("replied stop")
    surveys_opted_out_at: Mapped[datetime | None] = mapped_column(nullable=True)
    surveys_opt_out_via: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer", foreign_keys="Identity.customer_id"
    )


class Identity(Base):
    """How one channel account knows a customer. One person on two channels: two identities."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel_account_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    customer_id: Mapped[int] = fk("customers.id")
    channel_account_id: Mapped[int] = fk("channel_accounts.id")
    external_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    followers: Mapped[int | None] = mapped_column(Integer)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    customer: Mapped[Customer] = relationship(back_populates="identities", foreign_keys=[customer_id])
    channel_account: Mapped[ChannelAccount] = relationship()


class Conversation(Base):
    """One long-running thread per customer per channel account."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "identity_id"),
        # the inbox: each view's filter, then its sort (a page is read from the index)
        Index("ix_conversations_inbox", "workspace_id", "status", "priority", "last_message_at"),
        Index("ix_conversations_assignee", "workspace_id", "status", "assignee_id", "priority",
              "last_message_at"),
        Index("ix_conversations_route", "workspace_id", "status", "route", "priority",
              "last_message_at"),
        Index("ix_conversations_language", "workspace_id", "status", "language", "priority",
              "last_message_at"),
        Index("ix_conversations_recent", "workspace_id", "status", "last_message_at"),
        Index("ix_conversations_sla", "workspace_id", "status", "sla_state", "sla_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    channel_account_id: Mapped[int] = fk("channel_accounts.id")
    customer_id: Mapped[int] = fk("customers.id")
    identity_id: Mapped[int] = fk("identities.id")
    status: Mapped[str] = mapped_column(String(20), default="open")   # open while a ticket is open
    priority: Mapped[int] = mapped_column(Integer, default=0)
    route: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    assignee_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL")
    team_id: Mapped[int | None] = fk("teams.id", nullable=True, ondelete="SET NULL")
    last_message_at: Mapped[datetime | None] = mapped_column()
    last_inbound_at: Mapped[datetime | None] = mapped_column()   # opens the messaging window
    last_preview: Mapped[str | None] = mapped_column(String(200))
    # entry-point attribution: which campaign/ad brought the customer, and when
    campaign_id: Mapped[int | None] = fk("campaigns.id", nullable=True, ondelete="SET NULL")
    entry_source: Mapped[str | None] = mapped_column(String(40))
    entry_ad_id: Mapped[str | None] = mapped_column(String(100))
    entry_at: Mapped[datetime | None] = mapped_column()
    thread_owner_app_id: Mapped[str | None] = mapped_column(String(100))  # handover protocol
    # the open ticket's SLA, mirrored for the inbox: the nearest due time and the worst state
    sla_due_at: Mapped[datetime | None] = mapped_column()
    sla_state: Mapped[str | None] = mapped_column(String(20))   # active|at_risk|breached|paused
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    customer: Mapped[Customer] = relationship()
    identity: Mapped[Identity] = relationship()
    channel_account: Mapped[ChannelAccount] = relationship()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "external_id"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_outbox", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    conversation_id: Mapped[int] = fk("conversations.id", index=False)
    channel_account_id: Mapped[int] = fk("channel_accounts.id", index=False)
    ticket_id: Mapped[int | None] = fk("tickets.id", nullable=True, ondelete="SET NULL")
    direction: Mapped[str] = mapped_column(String(10))             # Direction
    author: Mapped[str] = mapped_column(String(20))                # Author
    agent_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL", index=False)
    kind: Mapped[str] = mapped_column(String(20), default="message")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    external_id: Mapped[str | None] = mapped_column(String(255))   # unique per channel account
    reply_to: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))                # MessageStatus
    error: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(String(20))        # outbound: response|update|marketing
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    language: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[str | None] = mapped_column(String(20))
    route_reasons: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    order_id: Mapped[int | None] = fk("orders.id", nullable=True, ondelete="SET NULL", index=False)
    delivery_id: Mapped[int | None] = mapped_column(BigID, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)      # when the author sent it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation: Mapped[Conversation] = relationship()   # no column: loaded on access
    ticket: Mapped[Ticket | None] = relationship()


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    conversation_id: Mapped[int] = fk("conversations.id")
    customer_id: Mapped[int] = fk("customers.id")
    status: Mapped[str] = mapped_column(String(20), default="new")  # TicketStatus
    priority: Mapped[int] = mapped_column(Integer, default=0)
    route: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(200))
    assignee_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL")
    team_id: Mapped[int | None] = fk("teams.id", nullable=True, ondelete="SET NULL")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    follows_ticket_id: Mapped[int | None] = fk("tickets.id", nullable=True, ondelete="SET NULL")
    # route, priority and escalation with what set them (conversations.state); the oldest
    # unanswered request's time, while the ticket waits for an answer
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    waiting_since: Mapped[datetime | None] = mapped_column()
    # automatic assignment: why this agent (or why nobody yet), and since when the ticket
    # waits for one (offered again when an agent of its team frees up)
    assignment: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    assignment_queued_at: Mapped[datetime | None] = mapped_column(index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column()
    solved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # the SLA clocks (automation/sla.py): policy, per-target due times and states, pauses,
    # recorded breaches; and when the sweep must look again (the next at-risk or due time)
    sla: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    sla_next_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    conversation: Mapped[Conversation] = relationship()
    customer: Mapped[Customer] = relationship()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("workspace_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    price: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    image_url: Mapped[str | None] = mapped_column(String(1000))


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),
                      Index("ix_orders_number_key", "workspace_id", "number_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    customer_id: Mapped[int] = fk("customers.id")
    number: Mapped[str] = mapped_column(String(64))
    # the number as customers type it: "nw1001", "NW 1001" and "NW-1001" are one order
    number_key: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(30), default="placed")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    shipping_cost: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    tax: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    total: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    payment_method: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    items: Mapped[list[OrderItem]] = relationship(
        cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    shipping_events: Mapped[list[ShippingEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ShippingEvent.occurred_at"
    )

    @validates("number")
    def _keyed(self, _key: str, number: str) -> str:
        self.number_key = order_key(number)
        return number


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = fk("orders.id")
    sku: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    image_url: Mapped[str | None] = mapped_column(String(1000))


class ShippingEvent(Base):
    __tablename__ = "shipping_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = fk("orders.id")
    status: Mapped[str] = mapped_column(String(30))     # label_created|in_transit|out_for_delivery|delivered|exception
    description: Mapped[str | None] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """An entry point: an m.me link, a QR code on a poster, an ad; greets who comes through it."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("workspace_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    ref: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    greeting: Mapped[str] = mapped_column(Text)
    quick_replies: Mapped[list[Any]] = mapped_column(default=list)
    faq_topic: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OptInToken(Base):
    """Consent ledger: a customer's opt-in to a kind of message, with its expiry and status."""

    __tablename__ = "optin_tokens"
    __table_args__ = (UniqueConstraint("channel_account_id", "token"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    customer_id: Mapped[int] = fk("customers.id")
    channel_account_id: Mapped[int] = fk("channel_accounts.id")
    token: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")   # active | stopped
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TriageCorrection(Base):
    """An agent's correction of a triage field; the next training uses it."""

    __tablename__ = "triage_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    message_id: Mapped[int] = mapped_column(BigID, ForeignKey("messages.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL")
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rule(Base):
    """An automation rule (automation/rules.py): on its event, when its conditions hold, its
    actions run. The routing rules are the rules on "message.received"."""

    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    event: Mapped[str] = mapped_column(String(40), default="message.received",
                                       server_default="message.received")
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)   # {"when": {...}, "then": {...}}
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookCall(Base):
    """A rule's webhook call: queued in the transaction that fired the rule, sent after it by
    the automation worker (signed, retried with backoff, through outbound.network)."""

    __tablename__ = "webhook_calls"
    __table_args__ = (Index("ix_webhook_calls_queue", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    rule_id: Mapped[int | None] = fk("rules.id", nullable=True, ondelete="SET NULL", index=False)
    url: Mapped[str] = mapped_column(String(1000))
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")   # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class CannedResponse(Base):
    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    shortcut: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)    # may use {customer_name}, {order_number}, {agent_name}


UNDONE = "status IN ('pending', 'processing')"


class Delivery(Base):
    """A raw webhook body, committed before we acknowledge it. Processing reads from here."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "dedupe_key"),
        Index("ix_deliveries_queue", "status", "next_attempt_at"),
        # the claim's question: is an older delivery of this thread still undone?
        Index("ix_deliveries_undone", "channel_account_id", "thread_key", "id",
              postgresql_where=text(UNDONE), sqlite_where=text(UNDONE)),
    )
    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    channel_account_id: Mapped[int] = fk("channel_accounts.id", index=False)
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(64))       # sha256 of the body
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")   # DeliveryStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column()
    # whose thread it is (the sender's external id; "*" for several people; None: nobody's):
    # one thread's deliveries are applied in id order (pipeline/order.py)
    thread_key: Mapped[str | None] = mapped_column(String(255))
    claimed_by: Mapped[str | None] = mapped_column(String(120))   # the claim holding the lease


class Event(Base):
    """The outbox: written in the same transaction as the change, published after commit.
    Live consoles resume from an event id; automations and analytics read it too."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_stream", "workspace_id", "id"),)
    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    name: Mapped[str] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(40))       # staff | advocates | agent:<id>
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- community care: advocates answer public mentions (see docs/community.md) -----------------

class Advocate(Base):
    """An advocate's profile: what they answer, their trust level and why, their alerts."""

    __tablename__ = "advocates"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"),
                                          primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    languages: Mapped[list[Any]] = mapped_column(default=list)   # ISO codes; empty: any
    topics: Mapped[list[Any]] = mapped_column(default=list)      # triage intents; empty: any
    trust: Mapped[str] = mapped_column(String(20), default="new")     # new | trusted | lead
    trust_since: Mapped[datetime] = mapped_column(default=utcnow)
    trust_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    trust_reasons: Mapped[list[Any]] = mapped_column(default=list)
    on_leaderboard: Mapped[bool] = mapped_column(Boolean, default=True)
    email_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[int | None] = mapped_column(Integer)   # hour (their timezone)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column()
    joined_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agent: Mapped[Agent] = relationship()


class CommunityClaim(Base):
    """The lease one advocate holds on a mention while answering it (one per conversation)."""

    __tablename__ = "community_claims"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    message_id: Mapped[int] = mapped_column(BigID, ForeignKey("messages.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = fk("agents.id")
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


LIVE_ANSWER = "status IN ('pending', 'published')"


class CommunityAnswer(Base):
    """An advocate's answer to one public post, or their hand-over of it to staff."""

    __tablename__ = "community_answers"
    __table_args__ = (
        # one live answer per post: never two advocates' replies under the same mention
        Index("ux_community_answers_live", "message_id", unique=True,
              sqlite_where=text(LIVE_ANSWER), postgresql_where=text(LIVE_ANSWER)),
        Index("ix_community_answers_queue", "workspace_id", "status", "submitted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    conversation_id: Mapped[int] = fk("conversations.id")
    message_id: Mapped[int] = mapped_column(BigID, ForeignKey("messages.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = fk("agents.id")
    kind: Mapped[str] = mapped_column(String(20), default="answer")   # answer | handover
    text: Mapped[str] = mapped_column(Text, default="")      # as the advocate wrote it
    published_text: Mapped[str | None] = mapped_column(Text)  # as it went out (signature, edits)
    # pending | published | rejected | withdrawn | retracted | handed_over
    status: Mapped[str] = mapped_column(String(20))
    trust: Mapped[str] = mapped_column(String(20))           # the advocate's level at submit
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL",
                                            index=False)
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)          # rejection, withdrawal, hand-over
    sample: Mapped[bool] = mapped_column(Boolean, default=False)   # reviewed after publishing
    sample_result: Mapped[str | None] = mapped_column(String(20))  # fine | weak
    reply_message_id: Mapped[int | None] = mapped_column(BigID)    # the outbound message
    outcome: Mapped[str | None] = mapped_column(String(30))   # positive_reply | solved | staff_took_it
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    retracted_at: Mapped[datetime | None] = mapped_column()
    retracted_by_id: Mapped[int | None] = fk("agents.id", nullable=True, ondelete="SET NULL",
                                             index=False)
    retract_result: Mapped[str | None] = mapped_column(Text)  # what the platform said
    agent: Mapped[Agent] = relationship(foreign_keys=[agent_id])
    message: Mapped[Message] = relationship(foreign_keys=[message_id])
    conversation: Mapped[Conversation] = relationship()


class CommunityPoints(Base):
    """The points ledger: one row per outcome (an answer's approval, its bonus, its loss)."""

    __tablename__ = "community_points"
    __table_args__ = (UniqueConstraint("agent_id", "answer_id", "kind"),
                      Index("ix_community_points_board", "workspace_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    agent_id: Mapped[int] = fk("agents.id")
    answer_id: Mapped[int | None] = fk("community_answers.id", nullable=True, index=False)
    kind: Mapped[str] = mapped_column(String(30))
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityBadge(Base):
    __tablename__ = "community_badges"
    __table_args__ = (UniqueConstraint("agent_id", "badge"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    agent_id: Mapped[int] = fk("agents.id", index=False)
    badge: Mapped[str] = mapped_column(String(40))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityExposure(Base):
    """When an advocate was first shown a post: the report re-checks it was eligible then."""

    __tablename__ = "community_exposures"
    __table_args__ = (UniqueConstraint("agent_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    agent_id: Mapped[int] = fk("agents.id", index=False)
    message_id: Mapped[int] = mapped_column(BigID, ForeignKey("messages.id", ondelete="CASCADE"))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityAlert(Base):
    """A post named in an advocate's email digest (each post once per advocate)."""

    __tablename__ = "community_alerts"
    __table_args__ = (UniqueConstraint("agent_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    agent_id: Mapped[int] = fk("agents.id", index=False)
    message_id: Mapped[int] = mapped_column(BigID, ForeignKey("messages.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
# -- the FAQ bot (bots/) ------------------------------------------------------------------------
class FaqEntry(Base):
    """One question the bot answers: its versions (one per language) hold the wording."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    key: Mapped[str] = mapped_column(String(100))          # the import/export id, e.g. "returns"
    intent: Mapped[str | None] = mapped_column(String(40))  # the triage intent it answers
    links: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "url"}]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    versions: Mapped[list[FaqVersion]] = relationship(
        cascade="all, delete-orphan", order_by="FaqVersion.id", back_populates="entry")


class FaqVersion(Base):
    """An entry in one language (None: any): the question's variants and the answer, which may
    use {customer_name}, {first_name} and {order_number}."""

    __tablename__ = "faq_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    entry_id: Mapped[int] = fk("faq_entries.id")
    language: Mapped[str | None] = mapped_column(String(10))
    questions: Mapped[list[Any]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    vectors: Mapped[bytes | None] = mapped_column(LargeBinary)   # the questions' embeddings
    model: Mapped[str | None] = mapped_column(String(60))        # ...and the model that made them
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    entry: Mapped[FaqEntry] = relationship(back_populates="versions")


class BotTurn(Base):
    """What the bot did with one customer message (answer, order status, clarify, hand-off,
    solved) and how it ended: the per-entry metrics read these."""

    __tablename__ = "bot_turns"
    __table_args__ = (Index("ix_bot_turns_entry", "workspace_id", "entry_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    conversation_id: Mapped[int] = fk("conversations.id")
    ticket_id: Mapped[int | None] = fk("tickets.id", nullable=True, ondelete="SET NULL")
    entry_id: Mapped[int | None] = fk("faq_entries.id", nullable=True, ondelete="SET NULL",
                                      index=False)
    message_id: Mapped[int | None] = mapped_column(BigID, nullable=True)   # the customer's
    kind: Mapped[str] = mapped_column(String(20))       # answer|order|clarify|handoff|solved
    confidence: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(20))   # solved|unhelpful|handoff
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- surveys (outbound/surveys.py, docs/automation.md) ------------------------------------------
class Survey(Base):
    """One CSAT or NPS question for a ticket (or a sampled customer): asked, skipped with the
    reason, or answered with its score, comment and the responder it rates."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", name="uq_surveys_ticket_kind"),
                      Index("ix_surveys_customer", "customer_id", "kind", "asked_at"),
                      Index("ix_surveys_list", "workspace_id", "kind", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id", index=False)
    kind: Mapped[str] = mapped_column(String(10))                  # csat | nps
    ticket_id: Mapped[int | None] = fk("tickets.id", nullable=True, ondelete="SET NULL",
                                       index=False)
    conversation_id: Mapped[int] = fk("conversations.id")
    customer_id: Mapped[int] = fk("customers.id", index=False)
    status: Mapped[str] = mapped_column(String(20))                # asked | skipped | answered
    reason: Mapped[str | None] = mapped_column(Text)               # why it was skipped
    control: Mapped[str | None] = mapped_column(String(20))        # quick_replies | link
    message_id: Mapped[int | None] = mapped_column(BigID)          # the question sent
    # who the answer rates: whoever answered the ticket (agent, advocate, bot)
    responder: Mapped[str | None] = mapped_column(String(20))
    responder_agent_id: Mapped[int | None] = fk("agents.id", nullable=True,
                                                ondelete="SET NULL", index=False)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answer_message_id: Mapped[int | None] = mapped_column(BigID)   # the customer's answer
    answered_via: Mapped[str | None] = mapped_column(String(20))   # quick_reply | text | link
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()          # the link's end
    answered_at: Mapped[datetime | None] = mapped_column()

# -- automation: business hours and SLA clocks (docs/automation.md) ----------------------------
class BusinessCalendar(Base):
    """Business hours: a time zone, periods per weekday ({"mon": [[540, 1020]]}, minutes after
    local midnight, an end past 1440 crosses midnight), public holidays of a country[-region],
    the workspace's own closed dates and an optional iCal feed's text. Read through
    automation.calendars, never directly."""

    __tablename__ = "business_calendars"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(60))
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holidays: Mapped[str | None] = mapped_column(String(20))      # "DE-BY"
    closed: Mapped[list[Any]] = mapped_column(default=list)       # ["2026-12-24", ...]
    ical: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlaPolicy(Base):
    """Conditions (data) -> targets per priority band, in business or calendar time; the first
    enabled policy by position whose conditions match applies, else the fallback
    (automation/sla.py)."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = fk("workspaces.id")
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {band: {target: {"minutes": n, "business": bool}}}; band "all" applies to every band
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    calendar_id: Mapped[int | None] = fk("business_calendars.id", nullable=True,
                                         ondelete="SET NULL", index=False)
    counts_community: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    at_risk_share: Mapped[float] = mapped_column(Float, default=0.75)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
