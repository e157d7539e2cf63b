"""Conversations over Messenger too (postbacks, quick replies): the Messenger fixtures."""
from messenger.conftest import _fake_server, fake, page  # noqa: F401
