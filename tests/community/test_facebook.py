"""Facebook: a page comment reaches the community; the answer is a comment reply through the
Graph API, and a retraction deletes it there."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from crowdcare.channels.messenger.fake_graph import FakeGraph
from crowdcare.channels.testing import serve_in_thread
from support.fixtures import drain, point_platforms

PAGE, TOKEN, SECRET = "5550001", "community-page-token", "community-app-secret"


@pytest.fixture(scope="module")
def graph():
    fake = FakeGraph(page_id=PAGE, page_token=TOKEN, app_secret=SECRET, app_id="4242")
    with serve_in_thread(fake.app) as base:
        fake.base = base
        yield fake


def test_a_comment_answered_by_a_trusted_advocate_and_retracted(community, graph):
    graph.requests.clear()
    point_platforms(messenger=f"{graph.base}/v21.0")
    page = community.cli.json("channel", "add", "messenger", "-w", str(community.ws.id),
                              "--page-id", PAGE, "--page-token", TOKEN, "--app-secret", SECRET,
                              "--verify-token", "verify-123")
    community.advocate("ana@fans.test", "Ana Lima", trust="trusted")
    payload = graph.build("comment", {"psid": "fb-777", "name": "Lena Vogel",
                                      "comment_id": "55_c1", "post_id": f"{PAGE}_55",
                                      "text": "Do you ship to Canada, and how long does it take?"})
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = community.client.post(f"/webhooks/messenger/{page['id']}", content=body, headers={
        "content-type": "application/json", "X-Hub-Signature-256": sig})
    assert r.status_code == 200, r.text
    drain()
    (item,) = community.queue("ana@fans.test")
    assert item["channel"] == "messenger" and item["author"] == "Lena Vogel"
    assert community.claim("ana@fans.test", item["id"]).status_code == 200
    r = community.answer("ana@fans.test", item["id"], "Yes: 5-8 working days, tracked.")
    assert r.status_code == 201 and r.json()["status"] == "published"
    drain()
    (sent,) = [q for q in graph.requests if q["endpoint"].endswith("/comments")]
    assert sent["path"] == "/v21.0/55_c1/comments"
    assert sent["body"]["message"] == "Yes: 5-8 working days, tracked.\n— Ana, Acme Outdoor community"
    r = community.client.post(f"/api/v1/community/answers/{r.json()['id']}/retract",
                              json={"reason": "wrong times"}, headers=community.ws.agent)
    assert r.json()["retract_result"] == "deleted on messenger"
    (deleted,) = [q for q in graph.requests if q["method"] == "DELETE"]
    assert deleted["path"].startswith("/v21.0/55_c1_r")
