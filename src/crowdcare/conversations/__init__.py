"""Conversations over time: the rules their state follows (state.py) and which store
customer a conversation's person may be (linking.py). Decisions with their reasons; the
writes are in actions/."""
