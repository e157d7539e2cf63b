import pytest

from crowdcare import clock
from crowdcare.channels.testing import CallbackReceiver, serve_in_thread


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()


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
