"""What agents do in the console, over HTTP: views and counts, search, bulk actions, the
conversation page (timeline, gate, canned variables, journey), corrections, admin pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from .test_console_http import PW, callback_url, csrf, login, say, shop  # noqa: F401 - fixtures


def ids_in(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'id="conv-(\d+)"', html)]


def conversations(client, ws) -> dict[str, int]:
    items = client.get("/api/v1/conversations", headers=ws.agent).json()["items"]
    return {i["customer_name"]: i["id"] for i in items}


def test_views_counts_search_and_bulk(client, shop):  # noqa: F811
    say(client, shop, 1, "Where is my order 1042?", customer="c-1", name="Maya Chen")
    say(client, shop, 2, "Can I return the jacket?", customer="c-2", name="Tom Becker")
    say(client, shop, 3, "Do you ship to Canada?", customer="c-3", name="Ji-woo Park")
    convs = conversations(client, shop)
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    page = client.get("/inbox").text
    assert sorted(ids_in(page)) == sorted(convs.values())
    assert re.search(r'data-view="unassigned"[^>]*>Unassigned<span class="count">3<', page)
    assert ids_in(client.get("/inbox?q=jacket").text) == [convs["Tom Becker"]]
    assert ids_in(client.get("/inbox?q=ji-woo").text) == [convs["Ji-woo Park"]]
    r = client.get("/inbox?q=canada", headers={"HX-Request": "true", "HX-Target": "inbox-list"})
    assert "<html" not in r.text and ids_in(r.text) == [convs["Ji-woo Park"]]
    assert ids_in(client.get("/inbox?view=mine").text) == []

    r = client.post("/inbox/bulk", data={"csrf_token": token, "action": "assign",
                                         "assignee": f"agent:{shop.agent_id}",
                                         "ids": [convs["Maya Chen"], convs["Tom Becker"]]})
    assert "2 conversations updated" in r.text
    assert sorted(ids_in(client.get("/inbox?view=mine").text)) == sorted(
        [convs["Maya Chen"], convs["Tom Becker"]])
    client.post("/inbox/bulk", data={"csrf_token": token, "action": "tag", "tag": "Shipping",
                                     "ids": [convs["Maya Chen"]]})
    tickets = client.get("/api/v1/tickets", headers=shop.agent).json()["items"]
    assert [t["tags"] for t in tickets if t["conversation_id"] == convs["Maya Chen"]] == [
        ["shipping"]]
    client.post("/inbox/bulk", data={"csrf_token": token, "action": "solve",
                                     "ids": [convs["Maya Chen"], convs["Tom Becker"]]})
    assert ids_in(client.get("/inbox").text) == [convs["Ji-woo Park"]]
    assert sorted(ids_in(client.get("/inbox?status=closed").text)) == sorted(
        [convs["Maya Chen"], convs["Tom Becker"]])


def test_conversation_page_shows_timeline_gate_canned_and_journey(client, shop, db):  # noqa: F811
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    with store_db.session_scope() as session:
        session.add(m.CannedResponse(workspace_id=shop.id, shortcut="hi", title="Hello",
                                     body="Hi {{customer.first_name}}, {agent_name} here."))
    say(client, shop, 1, "Where is my order?")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    page = client.get(f"/c/{cid}").text
    assert "Where is my order?" in page and "You can reply now" in page
    assert 'data-body="Hi Maya, ana here."' in page
    assert 'id="triage-panel"' in page and "priority" in page
    client.post(f"/c/{cid}/ticket", data={"csrf_token": token, "status": "solved"})
    say(client, shop, 2, "It arrived broken")
    page = client.get(f"/c/{cid}").text
    first, second = sorted(int(x) for x in re.findall(r"<strong>#(\d+)</strong>", page))
    assert f"follow-on of #{first}" in page and f"follows #{first}" in page


def test_ticket_controls(client, shop):  # noqa: F811
    say(client, shop, 1, "Where is my order?")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    client.post(f"/c/{cid}/ticket", data={"csrf_token": token, "assignee_id": shop.agent_id})
    client.post(f"/c/{cid}/ticket", data={"csrf_token": token, "priority": "88"})
    client.post(f"/c/{cid}/ticket", data={"csrf_token": token, "add_tag": "VIP"})
    r = client.post(f"/c/{cid}/ticket", data={"csrf_token": token, "priority": "high"})
    assert "priority is a number" in r.text
    ticket = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["ticket"]
    assert (ticket["assignee_id"], ticket["priority"], ticket["tags"]) == (
        shop.agent_id, 88, ["vip"])


def test_reply_with_attachment_urls_and_bad_url(client, shop):  # noqa: F811
    say(client, shop, 1, "Photo?")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    r = client.post(f"/c/{cid}/reply", data={"csrf_token": token, "text": "see",
                                             "attachments": "javascript:alert(1)"})
    assert "not an http(s) URL" in r.text
    client.post(f"/c/{cid}/reply", data={"csrf_token": token, "text": "see",
                                         "attachments": "https://cdn.example/a.png\n"})
    last = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][-1]
    assert last["attachments"] == [{"type": "image", "url": "https://cdn.example/a.png"}]


def test_triage_correction_is_stored_for_training(client, shop, db):  # noqa: F811
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    say(client, shop, 1, "Where is my order?")
    cid = conversations(client, shop)["Maya Chen"]
    mid = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][0]["id"]
    login(client, "ana@acme-apparel.test")
    r = client.post(f"/c/{cid}/triage", data={"csrf_token": csrf(client), "message_id": mid,
                                              "field": "sentiment", "value": "positive",
                                              "note": "polite"})
    assert "corrected to positive" in r.text
    with store_db.session_scope() as session:
        row = session.scalar(select(m.TriageCorrection))
        assert (row.field, row.new_value, row.message_id) == ("sentiment", "positive", mid)
    r = client.post(f"/c/{cid}/triage", data={"csrf_token": csrf(client), "message_id": mid,
                                              "field": "sentiment", "value": "furious"})
    assert "sentiment must be one of" in r.text


def test_admin_pages_write_through(client, shop, db):  # noqa: F811
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    login(client, "admin@acme-apparel.test")
    token = csrf(client)
    r = client.post("/admin/canned", data={"csrf_token": token, "shortcut": "/thanks",
                                           "title": "Thanks", "body": "Thanks {{customer.name}}!"})
    assert "/thanks saved" in r.text and "Thanks {{customer.name}}!" in r.text
    r = client.post("/admin/agents", data={"csrf_token": token, "email": "raj@acme-apparel.test",
                                           "name": "Raj", "role": "agent", "password": PW})
    assert "Raj added as agent" in r.text
    r = client.post("/admin/teams", data={"csrf_token": token, "name": "Returns"})
    assert "Team Returns created" in r.text
    r = client.post("/admin/triage", data={"csrf_token": token, "kw_technical": "app\ncrash",
                                           "kw_legal": "lawyer", "vip_handles": "@Sam"})
    assert "saved" in r.text
    with store_db.session_scope() as session:
        settings = session.get(m.Workspace, shop.id).settings
        assert settings["keywords"]["technical"] == ["app", "crash"]
        assert settings["vip_handles"] in (["sam"], ["@Sam"])
    login(client, "raj@acme-apparel.test")
    assert client.get("/inbox").status_code == 200


def test_campaigns_page_lists_links_and_qr_downloads(client, shop):  # noqa: F811
    login(client, "admin@acme-apparel.test")
    r = client.post("/admin/campaigns", data={"csrf_token": csrf(client), "ref": "spring-poster",
                                              "name": "Spring poster", "greeting": "Hi there!"})
    assert "Campaign Spring poster created" in r.text
    cid = re.search(r'/api/v1/campaigns/(\d+)/qr.png', r.text).group(1)
    assert f"/api/v1/campaigns/{cid}/qr.svg" in r.text


def test_customer_text_is_escaped(client, shop):  # noqa: F811
    say(client, shop, 1, "<script>alert('x')</script> hi", name="<img src=x onerror=alert(1)>")
    cid = conversations(client, shop)["<img src=x onerror=alert(1)>"]
    login(client, "ana@acme-apparel.test")
    for page in (client.get("/inbox").text, client.get(f"/c/{cid}").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page or "&lt;img" in page
