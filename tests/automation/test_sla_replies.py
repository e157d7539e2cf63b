"""What counts as a reply is the policy's: the bot's answers only where it says so (through
the fake Graph API and the real FAQ bot), its hand-off never."""
from __future__ import annotations

import pytest

from bots.conftest import add_entries
from messenger.conftest import _fake_server, fake, live_page, page, server  # noqa: F401
from messenger.helpers import customer
from support.fixtures import drain


def ticket_sla(client, ws) -> dict:
    items = client.get("/api/v1/tickets", headers=ws.agent).json()["items"]
    return items[0]["sla"]


@pytest.mark.parametrize("counts_bot", [True, False])
def test_the_bots_answer_counts_only_where_the_policy_says(client, cli, live_page,  # noqa: F811
                                                           counts_bot):
    add_entries(client, live_page.ws)
    cli.json("sla", "add", "Chat", "--first-reply", "60", "--bot" if counts_bot else "--no-bot",
             "-w", str(live_page.ws.id))
    customer(live_page, "message", psid="psid-1", text="hi, how can I return a jacket?")
    drain()
    first = ticket_sla(client, live_page.ws)["targets"]["first_reply"]
    if counts_bot:
        assert first["state"] == "met" and first["met_at"]
    else:   # the bot answered and waits for the customer: pending, so paused, not met
        assert first["state"] == "paused" and first["met_at"] is None
    customer(live_page, "message", psid="psid-1", text="Talk to a person",
             quick_reply="BOT_PERSON")
    drain()
    first = ticket_sla(client, live_page.ws)["targets"]["first_reply"]
    # the hand-off ("a person will answer") is not an answer
    assert first["state"] == ("met" if counts_bot else "active")
