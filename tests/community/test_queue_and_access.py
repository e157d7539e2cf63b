"""What reaches the community queue, and what an advocate can never see."""
from __future__ import annotations

import pytest

from .conftest import csrf, login

CALM = "@acme do you ship to Canada, and how long does it take?"


def test_a_calm_public_mention_reaches_a_new_advocates_queue(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet = community.mention(CALM)
    items = community.queue("sam@fans.test")
    assert [i["post"]["text"] for i in items] == [CALM]
    item = items[0]
    assert item["author"] == "@maya" and item["channel"] == "x" and item["claim"] is None
    assert item["id"] == community.conversation_of(tweet)
    # what an advocate is shown carries nothing private: no ids of the customer, no triage
    assert set(item) == {"id", "channel", "author", "language", "topic", "post",
                         "waiting_minutes", "claim", "available", "why_not"}


def test_without_advocates_the_community_route_falls_back_to_staff(community):
    tweet = community.mention(CALM)
    r = community.client.get(f"/api/v1/conversations/{community.conversation_of(tweet)}",
                             headers=community.ws.agent)
    msg = r.json()["messages"][0]
    assert msg["route"] == "tier1" and "fallback from community" in msg["route_reasons"]


@pytest.mark.parametrize("case, text, extra", [
    ("angry", "@acme I've asked THREE times how to exchange these sneakers, this is "
              "ridiculous, worst service ever!!!", {}),
    ("private data: phone", "@acme do you ship to Canada? call me on +1 415 555 0134", {}),
    ("private data: email", "@acme do you ship to Canada? my email is maya.chen@mail.example",
     {}),
    ("private data: order", "@acme how do I exchange the sneakers from order #NW-10442 for a "
                            "size 42?", {}),
    ("VIP handle", CALM, {"handle": "bigstar"}),
    ("VIP by followers", CALM, {"followers": 2_500_000}),
    ("a staff-only account", CALM, {"handle": "partnerco"}),
    ("technical", "@acme how do I exchange the sneakers for a size 42? the app crashes when I "
                  "log in", {}),
    ("technical: checkout", "@acme the app crashes at checkout when I log in on android", {}),
    ("legal", "@acme do you ship to Canada? my lawyer asks", {}),
])
def test_angry_private_data_vip_and_technical_mentions_never_reach_the_queue(
        community, case, text, extra):
    community.cli("agent", "add", "x@x.test", "--role", "agent", "-w", str(community.ws.id))
    community.advocate("sam@fans.test", "Sam Rivera")
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:   # the workspace's VIP list; service words, so that
        ws = session.get(m.Workspace, community.ws.id)    # only the case itself keeps it out
        ws.settings = {**(ws.settings or {}), "vip_handles": ["bigstar"],
                       "keywords": {"service": ["ship", "exchange", "sneakers"]},
                       "community": {"staff_only_handles": ["@PartnerCo"]}}
    community.mention(CALM, handle="calm", user_id="7007")   # the control: it does arrive
    assert [i["author"] for i in community.queue("sam@fans.test")] == ["@calm"]
    tweet = community.mention(text, **extra)
    assert [i["author"] for i in community.queue("sam@fans.test")] == ["@calm"], case
    conversation = community.conversation_of(tweet)
    assert community.claim("sam@fans.test", conversation).status_code == 404, case
    r = community.client.get(f"/api/v1/community/mentions/{conversation}",
                             headers=community.headers("sam@fans.test"))
    assert r.status_code == 404 and text not in r.text, case


def test_a_direct_message_in_the_same_conversation_takes_the_mention_out(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    community.mention(CALM)
    assert len(community.queue("sam@fans.test")) == 1
    from support.fixtures import drain

    body, headers = community.fake.signed(community.fake.direct_message(
        "psst, here is my address", user_id="9001", handle="maya"))
    assert community.client.post(f"/webhooks/x/{community.x['id']}", content=body,
                                 headers=headers).status_code == 200
    drain()
    assert community.queue("sam@fans.test") == []


def test_a_staff_correction_takes_a_mention_out_of_every_queue(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet = community.mention(CALM)
    assert len(community.queue("sam@fans.test")) == 1
    detail = community.client.get(f"/api/v1/conversations/{community.conversation_of(tweet)}",
                                  headers=community.ws.agent).json()
    r = community.client.post(f"/api/v1/messages/{detail['messages'][0]['id']}/triage",
                              json={"field": "anger", "value": "true"}, headers=community.ws.agent)
    assert r.status_code in (200, 201), r.text
    assert community.queue("sam@fans.test") == []


def test_languages_and_topics_pick_the_queue(community):
    community.advocate("sam@fans.test", "Sam Rivera", languages=["es"])
    community.advocate("ana@fans.test", "Ana Lima", languages=["en"], topics=["returns"])
    community.advocate("li@fans.test", "Li Wei", languages=["en"], topics=["shipping", "returns"])
    community.mention(CALM)
    assert community.queue("sam@fans.test") == []
    assert community.queue("ana@fans.test") == []
    assert len(community.queue("li@fans.test")) == 1


def test_an_advocate_asking_for_private_things_by_id_gets_404(community):
    """A private conversation, a customer, an order, a staff view: 404, like a missing row."""
    community.advocate("sam@fans.test", "Sam Rivera")
    sam = community.headers("sam@fans.test")
    body, headers = community.fake.signed(community.fake.direct_message(
        "my card is 4242 4242 4242 4242", user_id="9002", handle="lucas"))
    community.client.post(f"/webhooks/x/{community.x['id']}", content=body, headers=headers)
    from support.fixtures import drain

    drain()
    staff_view = community.client.get("/api/v1/conversations",
                                      headers=community.ws.agent).json()["items"][0]
    private, customer = staff_view["id"], staff_view["customer_id"]
    order = community.client.post("/api/v1/orders", headers=community.ws.agent, json={
        "customer_id": customer, "number": "NW-7", "items": [
            {"title": "Boots", "quantity": 1, "unit_price": 120}]}).json()["id"]
    for path in (f"/api/v1/community/mentions/{private}",
                 f"/api/v1/conversations/{private}", f"/api/v1/conversations/{private}/window",
                 f"/api/v1/customers/{customer}", f"/api/v1/orders/{order}",
                 f"/api/v1/agents/{community.ws.agent_id}"):
        for method in ("patch",) if path.startswith("/api/v1/agents") else ("get",):
            r = getattr(community.client, method)(path, headers=sam, **(
                {"json": {}} if method == "patch" else {}))
            assert r.status_code == 404, (path, method, r.status_code, r.text)
            assert "4242" not in r.text
    for path in (f"/api/v1/community/mentions/{private}/claim",
                 f"/api/v1/community/mentions/{private}/handover"):
        r = community.client.post(path, headers=sam, json={"reason": "just looking"})
        assert r.status_code == 404, path
    # the staff views and the portal, with a signed-in advocate's cookie
    assert login(community.client, "sam@fans.test").headers["location"] == "/community"
    for path in (f"/c/{private}", f"/c/{private}/header", f"/community/m/{private}",
                 f"/community/m/{private}/state"):
        r = community.client.get(path, follow_redirects=False)
        assert r.status_code == 404 and "4242" not in r.text, path
    assert community.client.get("/inbox", follow_redirects=False).status_code == 403
    # and the live feed carries no content of staff events
    from crowdcare.web.community import shape

    assert shape({"id": 7, "name": "message.created", "audience": "staff",
                  "payload": {"text": "my card is 4242"}}) == {"id": 7, "name": "queue"}


def test_the_portal_shows_the_public_thread_and_nothing_private(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet = community.mention(CALM)
    conversation = community.conversation_of(tweet)
    # staff wrote an internal note: the advocate never sees it
    community.client.post(f"/api/v1/conversations/{conversation}/replies",
                          json={"text": "VIP-ish: her phone is 555-0134", "note": True},
                          headers=community.ws.agent)
    login(community.client, "sam@fans.test")
    page = community.client.get(f"/community/m/{conversation}")
    assert page.status_code == 200
    assert CALM in page.text and "@maya" in page.text
    assert "555-0134" not in page.text and "Maya" not in page.text.replace("@maya", "")
    queue = community.client.get("/community")
    assert CALM in queue.text and csrf(queue.text)
