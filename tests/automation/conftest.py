"""A workspace whose API channel answers into a real callback receiver."""
import pytest

from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
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
