"""Automation tests: a workspace whose API channel answers into a real callback receiver (also
rules' webhooks); the Messenger fake Graph API and crowdcare served for real; the clock reset
around each test."""
import pytest

from crowdcare import clock
from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
from messenger.conftest import _fake_server, fake, live_page, page, server  # noqa: F401
from support.fixtures import make_workspace


@pytest.fixture(scope="session")
def _receiver_server():
    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        receiver.url = f"{base}/callback"
        yield receiver


@pytest.fixture
def receiver(_receiver_server):
    """A real local HTTP endpoint: the API channel's callback and rules' webhooks."""
    _receiver_server.received.clear()
    _receiver_server.fail_next.clear()
    return _receiver_server


@pytest.fixture
def answered(cli, receiver):
    return make_workspace(cli, callback_url=receiver.url)


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()
