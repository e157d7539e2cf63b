"""Plain types shared by every stage of the flow. No I/O, no database, no framework."""
from crowdcare.domain.channel import (
    AccountRef,
    ChannelEvent,
    InboundMessage,
    Malformed,
    OptIn,
    OutboundEcho,
    OutboundMessage,
    Referral,
    Sender,
    SendResult,
    StatusUpdate,
    ThreadControl,
    Unsupported,
)
from crowdcare.domain.enums import (
    Author,
    Direction,
    MessageStatus,
    Role,
    Route,
    TicketStatus,
)
from crowdcare.domain.triage import RouteDecision, Signal, TriageResult

__all__ = [
    "AccountRef", "Author", "ChannelEvent", "Direction", "InboundMessage", "Malformed",
    "MessageStatus", "OptIn", "OutboundEcho", "OutboundMessage", "Referral", "Role", "Route", "RouteDecision",
    "SendResult", "Sender", "Signal", "StatusUpdate", "ThreadControl", "TicketStatus",
    "TriageResult", "Unsupported",
]
