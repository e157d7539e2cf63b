"""The closed vocabularies of the domain. Stored as their string values (portable columns)."""
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    agent = "agent"
    advocate = "advocate"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class Author(StrEnum):
    customer = "customer"
    agent = "agent"
    bot = "bot"
    advocate = "advocate"
    system = "system"


class MessageStatus(StrEnum):
    received = "received"      # inbound, stored
    queued = "queued"          # outbound, waiting for the sender
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"          # the platform refused it, or retries ran out; `error` says why
    blocked = "blocked"        # the policy gate refused it; `error` says why
    note = "note"              # internal note, never sent
    retracted = "retracted"    # a public reply we deleted again (a community retraction)


class TicketStatus(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"
    solved = "solved"
    closed = "closed"


class Route(StrEnum):
    bot = "bot"
    community = "community"
    tier1 = "tier1"
    tier2 = "tier2"
    escalation = "escalation"
    ignore = "ignore"


class DeliveryStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    done = "done"
    failed = "failed"
