"""The demo workspace: every account can sign in and is printed; the traffic speaks for the
seeded store customers (their orders beside their messages); replies reach the shop's chat;
the simulated Messenger customers never reuse an id, across restarts too."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from support.fixtures import drain


def test_the_seed_is_idempotent_and_every_account_signs_in(client, db):
    from crowdcare.demo.run import sign_ins
    from crowdcare.demo.seed import ACCOUNTS, PASSWORD, seed
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    first, second = seed(), seed()
    assert first.workspace_id == second.workspace_id
    with store_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(m.Agent)) == len(ACCOUNTS)
    printed = sign_ins()
    for role, name, email in ACCOUNTS:
        assert f"{name:<17} {email} / {PASSWORD}" in printed and role in printed
        client.cookies.clear()
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/inbox",
                                        "csrf_token": token}, follow_redirects=False)
        # staff get the console they asked for; the advocate the community portal
        assert r.status_code == 303, email
        assert r.headers["location"] == ("/community" if role == "advocate" else "/inbox")


def test_the_traffic_speaks_for_the_seeded_customers(client, db):
    import random

    from crowdcare.demo.seed import seed
    from crowdcare.demo.traffic import next_message

    demo = seed()
    rng = random.Random(3)
    bodies = [next_message(rng, demo) for _ in range(40)]
    assert len({b["id"] for b in bodies}) == 40
    for body in bodies:   # a customer names their own order, never someone else's
        numbers = re.findall(r"NW-\d{4}", body["text"])
        assert set(numbers) <= {demo.orders[body["customer"]["name"]]}
    hook = f"/webhooks/api/{demo.api_account_id}"
    auth = {"Authorization": f"Bearer {demo.inbound_token}"}
    maya = {"id": "sim-maya", "customer": {"id": "cust-maya", "name": "Maya Chen"},
            "text": "Where is NW-1001?"}
    assert client.post(hook, headers=auth, json=maya).status_code == 200
    drain()
    api = {"Authorization": f"Bearer {demo.agent_token}"}
    conv = client.get("/api/v1/conversations", headers=api).json()["items"][0]
    customer = client.get(f"/api/v1/customers/{conv['customer_id']}", headers=api).json()
    assert customer["name"] == "Maya Chen" and customer["email"] == "maya.chen@mail.example"
    assert [o["number"] for o in customer["orders"]] == ["NW-1001"]
    # the seeded calendar and SLA policies: the inbox row carries its time left
    assert conv["sla"]["state"] in ("active", "at_risk", "breached") and conv["sla"]["due_at"]
    ticket = client.get(f"/api/v1/conversations/{conv['id']}", headers=api).json()["ticket"]
    assert ticket["sla"]["calendar"] == "Northwind support"
    assert ticket["sla"]["policy"]["name"] in ("Urgent", "Standard")


def test_replies_reach_the_shops_chat(client, db):
    import json

    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
    from crowdcare.demo.messenger import connect_callback
    from crowdcare.demo.seed import seed

    demo = seed()
    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        connect_callback(demo.api_account_id, f"{base}/callback")
        from crowdcare.store import accounts
        accounts._cache.clear()
        client.post(f"/webhooks/api/{demo.api_account_id}",
                    headers={"Authorization": f"Bearer {demo.inbound_token}"},
                    json={"id": "r1", "customer": {"id": "cust-tom", "name": "Tom Becker"},
                          "text": "Where is my order NW-1007?"})
        drain()
        api = {"Authorization": f"Bearer {demo.agent_token}"}
        cid = client.get("/api/v1/conversations", headers=api).json()["items"][0]["id"]
        assert client.post(f"/api/v1/conversations/{cid}/replies", headers=api,
                           json={"text": "On its way!"}).status_code == 201
        drain()
        # the FAQ bot answers from the customer's own order first, then the agent
        bot, agent = [json.loads(c["body"])["text"] for c in receiver.received]
        assert bot.startswith("Hi, I'm the automated assistant. Order NW-1007") and \
            agent == "On its way!"


def test_a_restarted_simulator_never_replays_a_stored_id(client, page, fake):
    """The fake Graph API's ids carry a per-run prefix: the same customer action after a
    restart is a new message, not a replay of a stored one."""
    from crowdcare.channels.messenger.fake_graph import FakeGraph
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    before = fake.build("message", {"psid": "psid-lena", "text": "Hi, order NW-1009?"})
    restarted = FakeGraph(page_id=fake.page_id, page_token=fake.page_token,
                          app_secret=fake.app_secret)
    after = restarted.build("message", {"psid": "psid-lena", "text": "Hi, order NW-1009?"})
    mid = lambda b: b["entry"][0]["messaging"][0]["message"]["mid"]  # noqa: E731
    assert mid(before) != mid(after)
    for payload in (before, after):
        assert page.post(client, payload).status_code == 200
    drain()
    with store_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(m.Message).where(
            m.Message.direction == "inbound")) == 2
