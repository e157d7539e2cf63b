"""Automation tests: a workspace whose API channel answers into a real callback receiver; the
Messenger fake Graph API and crowdcare served for real; the clock reset around each test."""
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
def answered(cli, _receiver_server):
    _receiver_server.received.clear()
    return make_workspace(cli, callback_url=_receiver_server.url)


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()
