"""Away messages and instant replies end to end: the customer writes through the fake Graph
API at a time the test sets; what crowdcare sends back is what the fake Graph API recorded."""
from datetime import UTC, datetime, timedelta

from crowdcare import clock
from crowdcare.store import models as m
from messenger.helpers import body, customer, event, rows
from support.fixtures import drain

SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)       # 11:00 in Berlin: closed
FRIDAY_1655 = datetime(2026, 12, 4, 15, 55, tzinfo=UTC)   # 16:55 in Berlin: open till 17:00
AWAY = "We're closed; we'll reply from {opens}."


def setup(cli, page, *options):
    ws = str(page.ws.id)
    cli.json("calendar", "set", "office", "--timezone", "Europe/Berlin", "--hours",
             "mon-fri 09:00-17:00", "--default", "-w", ws)
    return cli.json("away", "set", "--text", AWAY, *options, "-w", ws)


def sent_texts(page) -> list[str]:
    return [r["body"]["message"].get("text") for r in page.requests("/me/messages")]


def write(page, text="Where is my order NW-1001? It has not arrived", psid="psid-1"):
    customer(page, "message", psid=psid, text=text)
    drain()


def conversation_id(psid="psid-1") -> int:
    [conv] = rows(m.Conversation)
    return conv.id


def test_away_message_once_per_closed_period(cli, live_page, client):
    page = live_page
    conf = setup(cli, page)
    assert conf["enabled"] is True and conf["public"] is False
    clock.freeze(SATURDAY)
    write(page)
    assert sent_texts(page) == ["We're closed; we'll reply from Monday 09:00 CET."]
    [request] = page.requests("/me/messages")
    assert request["body"]["messaging_type"] == "RESPONSE"
    [away] = rows(m.Message, m.Message.direction == "outbound")
    assert away.author == "system" and away.meta["automation"] == "away"
    assert away.meta["opens"] == "2026-12-07T09:00:00+01:00"
    [ticket] = rows(m.Ticket)
    assert ticket.first_response_at is None                    # no first response
    clock.travel(timedelta(hours=3))
    write(page, "Hello?? Anyone there? My order NW-1001 is missing")
    assert len(sent_texts(page)) == 1                          # once per closed period
    clock.freeze(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))     # Monday 10:30 Berlin: open
    write(page, "Any news about NW-1001?")
    assert len(sent_texts(page)) == 1                          # open, no instant reply set
    clock.freeze(datetime(2026, 12, 7, 16, 30, tzinfo=UTC))    # Monday 17:30: closed again
    write(page, "Still waiting for NW-1001")
    assert sent_texts(page)[1:] == ["We're closed; we'll reply from Tuesday 09:00 CET."]
    assert rows(m.Ticket)[0].first_response_at is None


def test_never_within_5_minutes_of_a_human_reply(cli, live_page, client):
    page = live_page
    setup(cli, page)
    clock.freeze(FRIDAY_1655)
    write(page)                                                # open: nothing
    clock.travel(timedelta(minutes=6))                         # 17:01: closed
    r = client.post(f"/api/v1/conversations/{conversation_id()}/replies",
                    json={"text": "Looking into it now."}, headers=page.ws.agent)
    assert r.status_code == 201
    drain()
    clock.travel(timedelta(minutes=2))
    write(page, "Thanks, is it lost? Where is NW-1001?")
    assert sent_texts(page) == ["Looking into it now."]        # Ana is there: no away message
    clock.travel(timedelta(minutes=4))                         # 6 minutes after her reply
    write(page, "Hello? Did you find my order NW-1001?")
    assert sent_texts(page)[1:] == ["We're closed; we'll reply from Monday 09:00 CET."]


def test_not_while_another_app_owns_the_thread_nor_to_echoes(cli, live_page, client):
    page = live_page
    setup(cli, page)
    clock.freeze(FRIDAY_1655)
    write(page)
    conv = conversation_id()
    r = client.post(f"/api/v1/conversations/{conv}/handover", json={"action": "pass"},
                    headers=page.ws.agent)
    assert r.status_code == 200
    clock.travel(timedelta(minutes=10))
    ts = int(clock.now().timestamp() * 1000)
    page.post(client, {"object": "page", "entry": [{"id": "1", "time": 1, "standby": [event(
        "psid-1", {"message": {"mid": "m_sb", "text": "Where is my order?"}}, ts=ts)]}]})
    drain()
    assert rows(m.Message, m.Message.external_id == "m_sb")[0].meta["standby"] is True
    assert sent_texts(page) == []                              # the Page Inbox owns it
    page.post(client, body(event("psid-1", {"pass_thread_control": {
        "new_owner_app_id": "4242", "previous_owner_app_id": "263902037430900"}}, ts=ts)))
    drain()
    customer(page, "echo", psid="psid-1", text="Sent from the Page Inbox")
    drain()
    assert sent_texts(page) == []                              # an echo is not a customer
    write(page, "Is anyone there? Order NW-1001")
    assert sent_texts(page) == []        # ...but a person wrote it (the Page Inbox) just now
    clock.travel(timedelta(minutes=6))
    write(page, "Hello? Order NW-1001 please")
    assert sent_texts(page) == ["We're closed; we'll reply from Monday 09:00 CET."]


def test_in_the_customers_language_where_translated(cli, live_page):
    page = live_page
    setup(cli, page)
    made = cli.json("away", "set", "--text", "Wir haben geschlossen; wir antworten ab {opens}.",
                    "--language", "de", "-w", str(page.ws.id))
    assert made["translations"]["de"].startswith("Wir haben")
    clock.freeze(SATURDAY)
    write(page, "Hallo, wo ist meine Bestellung NW-1001? Sie ist noch nicht angekommen.")
    [message] = rows(m.Message, m.Message.direction == "inbound")
    assert message.language == "de"
    assert sent_texts(page) == ["Wir haben geschlossen; wir antworten ab Montag 09:00 CET."]


def test_instant_reply_with_the_expected_wait_once_per_ticket(cli, live_page, client):
    page = live_page
    setup(cli, page, "--instant")
    clock.freeze(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))     # Monday, open
    write(page, "Where is my order NW-1001?", psid="psid-a")
    write(page, "My parcel NW-1002 arrived damaged", psid="psid-b")
    texts = sent_texts(page)
    assert texts[0] == "Thanks for your message! The expected wait is about 5 minutes."
    assert len(texts) == 2 and texts[1].startswith("Thanks for your message! The expected wait")
    write(page, "Any news?", psid="psid-a")
    assert len(sent_texts(page)) == 2                          # once per ticket
    assert all(t.first_response_at is None for t in rows(m.Ticket))


def test_away_settings_api_and_refusals(client, workspace, cli):
    r = client.put("/api/v1/away", json={"text": "  "}, headers=workspace.admin)
    assert r.status_code == 422 and "empty" in r.text
    r = client.put("/api/v1/away", json={"language": "de"}, headers=workspace.admin)
    assert r.status_code == 422 and "translation needs its text" in r.text
    r = client.put("/api/v1/away", json={"text": "x", "language": "German!"},
                   headers=workspace.admin)
    assert r.status_code == 422
    assert client.put("/api/v1/away", json={"public": True},
                      headers=workspace.agent).status_code == 403
    r = client.put("/api/v1/away", json={"text": "Closed until {opens}", "public": True},
                   headers=workspace.admin)
    assert r.status_code == 200 and r.json()["enabled"] is True and r.json()["public"] is True
    assert client.get("/api/v1/away", headers=workspace.agent).json()["text"] == \
        "Closed until {opens}"
    off = cli.json("away", "set", "--off", "--no-public")
    assert off["enabled"] is False and off["public"] is False


def test_public_mentions_only_when_the_workspace_enables_it(cli, live_page):
    page = live_page
    setup(cli, page)
    clock.freeze(SATURDAY)
    customer(page, "comment", psid="fan-1", name="Lee Fan", text="@Northwind where is my order?",
             comment_id="55_c1")
    drain()
    assert page.requests() == []                               # private messages only
    cli("away", "set", "--public", "-w", str(page.ws.id))
    customer(page, "comment", psid="fan-2", name="Kim Fan", text="@Northwind is my order lost?",
             comment_id="55_c2")
    drain()
    [reply] = page.requests("/55_c2/comments")
    assert reply["body"]["message"] == "We're closed; we'll reply from Monday 09:00 CET."
    [sent] = rows(m.Message, m.Message.direction == "outbound")
    assert sent.public is True and sent.reply_to == "55_c2" and sent.author == "system"
