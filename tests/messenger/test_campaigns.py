"""Campaigns: ref links and QR codes, and the greeting a customer gets arriving through one."""
import numpy
import zxingcpp

from crowdcare.store import models as m
from messenger.conftest import PAGE_ID
from messenger.helpers import customer, png_pixels, rows
from support.fixtures import drain

CAMPAIGN = {"ref": "spring-poster", "name": "Spring poster", "greeting":
            "Welcome to Northwind! Looking for the spring collection?",
            "quick_replies": [{"title": "Show me", "payload": "SPRING"}, {"title": "Track order"}],
            "faq_topic": "collections"}


def make(client, page, **changes) -> dict:
    r = client.post("/api/v1/campaigns", json={**CAMPAIGN, **changes}, headers=page.ws.admin)
    assert r.status_code == 201, r.text
    return r.json()


def test_campaign_api_crud_and_link(client, page):
    made = make(client, page)
    assert made["link"] == f"https://m.me/{PAGE_ID}?ref=spring-poster"
    again = client.post("/api/v1/campaigns", json=CAMPAIGN, headers=page.ws.admin)
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    bad = client.post("/api/v1/campaigns", json={**CAMPAIGN, "ref": "has space"},
                      headers=page.ws.admin)
    assert bad.status_code == 422 and bad.json()["field"] == "ref"
    assert client.post("/api/v1/campaigns", json=CAMPAIGN,
                       headers=page.ws.agent).status_code == 403
    r = client.patch(f"/api/v1/campaigns/{made['id']}", json={"greeting": "Hi there!"},
                     headers=page.ws.admin)
    assert r.json()["greeting"] == "Hi there!"
    items = client.get("/api/v1/campaigns", headers=page.ws.agent).json()["items"]
    assert [c["ref"] for c in items] == ["spring-poster"]
    assert client.delete(f"/api/v1/campaigns/{made['id']}",
                         headers=page.ws.admin).status_code == 204
    assert client.get(f"/api/v1/campaigns/{made['id']}", headers=page.ws.agent).status_code == 404


def test_qr_code_decodes_to_the_link(client, page):
    made = make(client, page)
    r = client.get(f"/api/v1/campaigns/{made['id']}/qr.png", headers=page.ws.agent)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = numpy.array(png_pixels(r.content), dtype=numpy.uint8)
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == f"https://m.me/{PAGE_ID}?ref=spring-poster__qr"
    assert code.text.startswith(made["link"])
    svg = client.get(f"/api/v1/campaigns/{made['id']}/qr.svg", headers=page.ws.agent)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and svg.headers["x-campaign-link"] == code.text


def test_campaign_cli(cli, page, tmp_path):
    made = cli.json("campaign", "add", "store-window", "-w", str(page.ws.id), "--greeting",
                    "Hello from the store!", "--quick-reply", "Opening hours=HOURS")
    assert made["link"] == f"https://m.me/{PAGE_ID}?ref=store-window"
    assert made["quick_replies"] == [{"title": "Opening hours", "payload": "HOURS"}]
    assert cli.json("campaign", "list", "-w", str(page.ws.id))["items"][0]["ref"] == "store-window"
    r = cli("campaign", "add", "store-window", "-w", str(page.ws.id), "--greeting", "x", ok=False)
    assert r.exit_code == 2 and "already exists" in r.output
    target = tmp_path / "poster.png"
    cli("campaign", "qr", "store-window", "-w", str(page.ws.id), "-o", str(target))
    [code] = zxingcpp.read_barcodes(numpy.array(png_pixels(target.read_bytes()), dtype="uint8"))
    assert code.text.endswith("ref=store-window__qr")


def test_get_started_through_a_qr_code_greets_a_new_thread(client, live_page):
    page = live_page
    made = make(client, page)
    customer(page, "postback", psid="psid-new", ref="spring-poster__qr", payload="GET_STARTED")
    drain()
    [conv] = rows(m.Conversation)
    assert conv.campaign_id == made["id"] and conv.entry_source == "QR"
    assert conv.entry_at is not None
    [greeting] = rows(m.Message, m.Message.direction == "outbound")
    assert greeting.author == "bot" and greeting.text == CAMPAIGN["greeting"]
    assert greeting.status == "sent"
    [req] = page.requests("/me/messages")
    assert req["body"]["message"]["text"] == CAMPAIGN["greeting"]
    assert [q["payload"] for q in req["body"]["message"]["quick_replies"]] == [
        "SPRING", "Track order"]
    assert req["body"]["messaging_type"] == "RESPONSE"


def test_referral_in_an_existing_thread_greets_once_and_records_the_ad(client, live_page, cli):
    page = live_page
    make(client, page, ref="spring-sale", greeting="The spring sale is on: 20% off jackets.")
    customer(page, "message", psid="psid-old", text="hi, do you ship to Canada?")
    drain()
    assert rows(m.Message, m.Message.direction == "outbound") == []
    customer(page, "referral", psid="psid-old", ref="spring-sale", source="ADS",
             ad_id="6045246247433", ads_context_data={"ad_title": "Spring jackets"})
    drain()
    [conv] = rows(m.Conversation)
    assert (conv.entry_source, conv.entry_ad_id) == ("ADS", "6045246247433")
    [greeting] = rows(m.Message, m.Message.direction == "outbound")
    assert greeting.text.startswith("The spring sale is on") and greeting.status == "sent"
    cli.json("replay", "--account", str(page.id))      # a replay greets nobody twice
    drain()
    assert len(rows(m.Message, m.Message.direction == "outbound")) == 1
    assert len(page.requests("/me/messages")) == 1


def test_unknown_ref_is_attributed_without_a_greeting(client, live_page):
    customer(live_page, "referral", psid="psid-x", ref="no-such-campaign")
    drain()
    [conv] = rows(m.Conversation)
    assert conv.campaign_id is None and conv.entry_source == "SHORTLINK"
    assert rows(m.Message) == []
