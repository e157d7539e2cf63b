"""Events: written to the outbox in the same transaction as the change, published after commit."""
from crowdcare.events.emit import at_commit, emit, event_dict

__all__ = ["at_commit", "emit", "event_dict"]
