"""Inbox search with each database's own full-text index (SQLite FTS5, PostgreSQL GIN over
tsvectors): names, emails, handles, message text, tags and order numbers as customers type
them, the match marked in what the list shows, never the customer's markup."""
from __future__ import annotations

import re

from sqlalchemy import text, update

from support.fixtures import drain


def say(client, ws, n, text_, customer, name):
    r = client.post(ws.webhook, headers=ws.inbound, json={
        "id": f"q{n}", "customer": {"id": customer, "name": name}, "text": text_})
    assert r.status_code == 200
    drain()


def found(client, ws, q) -> set[str]:
    items = client.get("/api/v1/conversations", params={"q": q, "status": "all"},
                       headers=ws.agent).json()["items"]
    return {i["customer_name"] for i in items}


def test_search_finds_names_handles_text_tags_and_order_numbers(client, workspace):
    from crowdcare.actions import orders
    from crowdcare.store import db
    from crowdcare.store import models as m

    ws = workspace
    say(client, ws, 1, "Where is order NW-1001? It is late.", "c-1", "Maya Chen")
    say(client, ws, 2, "I want a refund for NW1002, it arrived torn", "c-2", "Tom Becker")
    say(client, ws, 3, "Do you ship to Canada?", "c-3", "Ji-woo Park")
    say(client, ws, 4, "Can I pay with PayPal?", "c-4", "Sofia Rossi")
    with db.session_scope() as session:
        session.execute(update(m.Identity).where(m.Identity.external_id == "c-3")
                        .values(handle="@fashionista_sam"))
        sofia = session.query(m.Customer).filter_by(name="Sofia Rossi").one()
        sofia.email = "sofia.rossi@mail.example"
        orders.do_create(session, ws.id, {
            "customer_id": sofia.id, "number": "NW-2024", "currency": "USD", "tax": 0.0,
            "shipping_cost": 0.0, "items": [{"title": "Scarf", "quantity": 1, "unit_price": 9.0}]})
    tom = client.get("/api/v1/conversations", params={"q": "Tom"}, headers=ws.agent).json()
    ticket = client.get(f"/api/v1/conversations/{tom['items'][0]['id']}",
                        headers=ws.agent).json()["ticket"]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"tags": ["damaged-goods"]},
                 headers=ws.agent)

    assert found(client, ws, "NW1001") == {"Maya Chen"}          # written without the hyphen
    assert found(client, ws, "nw-1002") == {"Tom Becker"}        # written together in the text
    assert found(client, ws, "nw 1001") == {"Maya Chen"}
    assert found(client, ws, "refu") == {"Tom Becker"}           # a prefix, as the agent types
    assert found(client, ws, "canada") == {"Ji-woo Park"}
    assert found(client, ws, "ji-woo") == {"Ji-woo Park"}        # names
    assert found(client, ws, "fashionista") == {"Ji-woo Park"}   # handles
    assert found(client, ws, "@fashionista_sam") == {"Ji-woo Park"}
    assert found(client, ws, "damaged") == {"Tom Becker"}        # tags
    assert found(client, ws, "sofia.rossi@mail.example") == {"Sofia Rossi"}   # emails
    assert found(client, ws, "NW2024") == {"Sofia Rossi"}        # the customer's orders
    assert found(client, ws, "late order") == {"Maya Chen"}      # every word
    assert found(client, ws, "nothing-like-this") == set()
    for sort, field in (("priority", "priority"), ("recent", "last_message_at")):
        items = client.get("/api/v1/conversations", params={"q": "nw", "sort": sort},
                           headers=ws.agent).json()["items"]
        assert len(items) == 2 and [i[field] for i in items] == sorted(
            (i[field] for i in items), reverse=True)
    assert found(client, ws, "!!! ---") == set()                 # nothing searchable


def test_the_list_marks_what_matched_and_escapes_the_rest(client, workspace):
    ws = workspace
    say(client, ws, 1, "<b>bold</b> order NW-1001 <script>alert(1)</script>", "c-1", "Maya Chen")
    from crowdcare.web import core

    html = str(core._highlight("<b>bold</b> order NW-1001 <script>x</script>", "nw1001"))
    assert "<mark>NW-1001</mark>" in html and "<script>" not in html and "&lt;b&gt;" in html
    snippet = str(core._highlight("x " * 200 + "refund please " + "y " * 200, "refund", 20))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>refund</mark>" in snippet


def test_console_search_shows_the_matching_message_and_what_else_matched(client, workspace, cli):
    from crowdcare.store import db
    from crowdcare.store import models as m

    ws = workspace
    say(client, ws, 1, "Where is order NW-1001? It is late.", "c-1", "Maya Chen")
    say(client, ws, 2, "Thanks, all sorted now", "c-1", "Maya Chen")
    with db.session_scope() as session:
        session.execute(update(m.Identity).values(handle="mayac"))
    cli("agent", "password", "ana@acme-apparel.test", "--password", "correct-horse-battery")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"email": "ana@acme-apparel.test", "csrf_token": token,
                                "password": "correct-horse-battery", "next": "/inbox"})
    r = client.get("/inbox", params={"q": "nw1001"},
                   headers={"HX-Request": "true", "HX-Target": "inbox-list"})
    assert "<mark>NW-1001</mark>" in r.text and "all sorted" not in r.text   # the match, not
    r = client.get("/inbox", params={"q": "mayac"})                           # the last message
    assert 'class="found-in">@<mark>mayac</mark>' in r.text


def test_search_reads_the_full_text_index(db):
    """Each searched table is read through FTS5 / its GIN index, not a scan of the text."""
    from sqlalchemy import select

    from crowdcare.store import db as store_db
    from crowdcare.store import models as m
    from crowdcare.store import search

    ws = search.words("refund NW1001")
    with store_db.new_session() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
        for table, model in [("messages", m.Message), ("customers", m.Customer),
                             ("identities", m.Identity), ("tickets", m.Ticket),
                             ("orders", m.Order)]:
            query = select(model.id).where(model.id.in_(search.matching(session, table, ws)))
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            assert "LIKE" not in sql.upper()
            if dialect == "postgresql":
                plan = " ".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
                assert f"ix_fts_{table}" in plan, plan
            else:
                plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "VIRTUAL TABLE INDEX" in plan and f"fts_{table}" in plan, plan
        if dialect == "sqlite":   # a message match: the index's ids, each message by its key
            query = search.message_matches(session, 1, ws)
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "fts_messages VIRTUAL TABLE INDEX" in plan, plan
            assert "SEARCH messages USING INTEGER PRIMARY KEY" in plan, plan
            assert "SCAN messages" not in plan, plan


def test_search_pages_and_totals_match_the_sorted_list(client, workspace):
    """A search's pages are the view's own order restricted to the matches, and its total
    counts every match (the page is cut from all of them, not from the first found)."""
    ws = workspace
    for n in range(7):
        say(client, ws, n, "Do you ship to Canada?" if n % 3 else "Is the shop open?",
            f"c-{n}", f"Customer {n}")
    for sort in ("priority", "recent"):
        listed = client.get("/api/v1/conversations", params={"sort": sort},
                            headers=ws.agent).json()["items"]
        expected = [i["id"] for i in listed if i["customer_name"] != "Customer 0"
                    and int(i["customer_name"].split()[1]) % 3]
        pages = [client.get("/api/v1/conversations", headers=ws.agent, params={
            "q": "canada", "sort": sort, "limit": 2, "offset": offset}).json()
            for offset in (0, 2, 4, 6)]
        assert [p["total"] for p in pages] == [4, 4, 4, 4]
        assert [i["id"] for p in pages for i in p["items"]] == expected
    closed = client.get("/api/v1/conversations", params={"q": "canada", "status": "closed"},
                        headers=ws.agent).json()
    assert closed["total"] == 0 and closed["items"] == []
