"""One workspace with both channels: the API channel answering into a real callback
receiver, and a Messenger page on the fake Graph API (postbacks, quick replies)."""
import pytest

from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
from messenger.conftest import APP_ID, PAGE_ID, SECRET, TOKEN, VERIFY, Page, _fake_server, fake  # noqa: F401 - the fake Graph API fixtures
from support.fixtures import make_workspace, point_platforms


@pytest.fixture(scope="session")
def _receiver_server():
    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        receiver.url = f"{base}/callback"
        yield receiver


@pytest.fixture
def receiver(_receiver_server):
    _receiver_server.received.clear()
    _receiver_server.fail_next.clear()
    return _receiver_server


@pytest.fixture
def page(cli, fake, receiver) -> Page:  # noqa: F811
    ws = make_workspace(cli, callback_url=receiver.url)
    point_platforms(messenger=f"{fake.base}/v21.0")
    account = cli.json("channel", "add", "messenger", "-w", str(ws.id), "--page-id", PAGE_ID,
                       "--page-token", TOKEN, "--app-secret", SECRET, "--verify-token", VERIFY,
                       "--app-id", APP_ID, "--send-timeout", "0.5")
    return Page(ws, account, fake)
