"""A community advocate's published answer is a reply where the policy counts community
answers (the default), and not where it does not (`--no-community`): through the fake X API,
the real claim, answer and review."""
from __future__ import annotations

import pytest

from community.conftest import _clock, _fake_x, community, fake_x  # noqa: F401 - fixtures
from community.test_answers import GOOD, _submit


def first_reply(community) -> dict:   # noqa: F811
    items = community.client.get("/api/v1/tickets", headers=community.ws.agent).json()["items"]
    return items[0]["sla"]["targets"]["first_reply"]


@pytest.mark.parametrize("counts", [True, False])
def test_a_community_answer_counts_where_the_policy_says(community, counts):  # noqa: F811
    community.cli.json("sla", "add", "Mentions", "--first-reply", "60",
                       "--community" if counts else "--no-community",
                       "-w", str(community.ws.id))
    community.advocate("sam@fans.test", "Sam Rivera")
    _tweet, _conversation, answer = _submit(community, "sam@fans.test", GOOD)
    assert first_reply(community)["state"] == "active"     # submitted, not yet published
    community.approve(answer["id"])
    assert len(community.tweets()) == 1                     # published on X
    first = first_reply(community)
    # not counted: no first reply; the ticket waits on the customer now, so the clock pauses
    assert (first["state"], bool(first["met_at"])) == (("met", True) if counts
                                                       else ("paused", False))
