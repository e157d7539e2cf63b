"""Automation tests run against the Messenger fake Graph API and crowdcare served for real."""
import pytest

from crowdcare import clock
from messenger.conftest import _fake_server, fake, live_page, page, server  # noqa: F401


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()
