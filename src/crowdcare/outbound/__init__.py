"""Outbound: the policy gate (may we send?) and the sender (send, retry, record)."""
