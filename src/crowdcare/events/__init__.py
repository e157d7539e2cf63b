"""Events: written to the outbox in the same transaction as the change, published after commit."""
from crowdcare.events.emit import emit, event_dict

__all__ = ["emit", "event_dict"]
