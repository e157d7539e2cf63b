"""The demo against the Messenger fixtures (a fake Graph API on a real port)."""
from messenger.conftest import _fake_server, fake, page  # noqa: F401
