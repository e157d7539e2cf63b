"""Every captured payload and every shared corpus file parses, goes through the real webhook and
the worker without failing, and each event does what docs/channels/messenger.md says."""
import json
import time
from pathlib import Path

import pytest

from crowdcare.channels import registry
from crowdcare.domain import AccountRef
from crowdcare.pipeline.normalize import decode
from crowdcare.store import models as m
from messenger.conftest import PAGE_ID, MessengerTestConfig
from messenger.helpers import body, count, event, rows
from support.fixtures import drain

FIXTURES = Path(__file__).parent / "fixtures"
# ../shared/corpora/messenger, copied (MIT, LICENSE beside it) so a checkout alone runs it
CORPUS = FIXTURES / "corpus"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "messenger"
EXPECTED = {
    "message__text": ["InboundMessage"], "message__quick_reply": ["InboundMessage"],
    "message__attachments": ["InboundMessage"], "message__reply_to": ["InboundMessage"],
    "message__with_ad_referral": ["InboundMessage"], "message__unsend": ["Unsupported"],
    "message_echo__ours": ["OutboundEcho"], "message_echo__other_tool": ["OutboundEcho"],
    "postback__get_started_with_referral": ["InboundMessage"], "postback__button": ["InboundMessage"],
    "messaging_referrals__shortlink": ["Referral"], "messaging_referrals__ads": ["Referral"],
    "message_deliveries__watermark": ["StatusUpdate"], "message_reads__watermark": ["StatusUpdate"],
    "messaging_optins__notification_messages": ["OptIn"],
    "messaging_optins__stop_notifications": ["OptIn"],
    "messaging_optins__checkbox_plugin": ["Unsupported"],
    "messaging_handovers__pass_thread_control": ["ThreadControl"],
    "messaging_handovers__take_thread_control": ["ThreadControl"],
    "messaging_handovers__request_thread_control": ["ThreadControl"],
    "messaging_handovers__app_roles": ["Unsupported"], "standby__message": ["InboundMessage"],
    "message_reactions__react": ["Unsupported"], "feed__comment": ["InboundMessage"],
    "feed__comment_reply": ["InboundMessage"], "feed__post": ["InboundMessage"],
    "feed__page_own_comment": ["Unsupported"], "feed__reaction": ["Unsupported"],
    "batch__two_entries": ["InboundMessage"] * 3 + ["StatusUpdate"],
    # the shared corpus (Bot Framework's Messenger test payloads)
    "Payload": ["InboundMessage"], "PayloadWithReferral": ["Referral"],
    "PayloadWithPassThreadControl": ["ThreadControl"],
    "PayloadWithTakeThreadControl": ["ThreadControl"],
    "PayloadWithRequestThreadControl": ["ThreadControl"],
    "PayloadWithStandby": ["Unsupported", "Unsupported", "InboundMessage"],
}
ALL = sorted(FIXTURES.glob("*.json")) + sorted(CORPUS.glob("*.json"))
ADAPTER = registry.get("messenger")
ACCOUNT = AccountRef(1, 1, "messenger", MessengerTestConfig)


def test_every_fixture_is_declared_and_the_corpus_is_there():
    assert {p.stem for p in sorted(CORPUS.glob("*.json"))} >= {
        "Payload", "PayloadWithReferral", "PayloadWithStandby"}
    assert {p.stem for p in ALL} == set(EXPECTED)


def test_the_copied_corpus_is_the_shared_one():
    if not SHARED.exists():
        pytest.skip(f"no shared corpora beside this checkout ({SHARED})")
    shared = {p.name: p.read_bytes() for p in SHARED.glob("*.json")}
    assert shared == {p.name: p.read_bytes() for p in CORPUS.glob("*.json")}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_fixture_parses_to_the_expected_events(path):
    events = ADAPTER.parse(ACCOUNT, decode(path.read_bytes()))
    assert [type(e).__name__ for e in events] == EXPECTED[path.stem]


def test_every_fixture_goes_through_webhook_and_worker(client, page):
    """One page takes them all, in turn (one test: a database set-up per file is slow)."""
    for path in ALL:
        r = page.post(client, path.read_bytes())   # raw bytes: corpus files start with a BOM
        assert r.status_code == 200, f"{path.name}: {r.text}"
        drain()
        delivery = rows(m.Delivery, m.Delivery.id == r.json()["delivery_id"])[0]
        assert delivery.status == "done", f"{path.name}: {delivery.last_error}"
    assert len(rows(m.Delivery)) == len(ALL)


def test_message_details(client, page):
    for name in ("message__quick_reply", "message__attachments", "message__with_ad_referral"):
        page.post(client, (FIXTURES / f"{name}.json").read_bytes())
    drain()
    qr, att, ad = rows(m.Message, m.Message.direction == "inbound")
    assert qr.meta["quick_reply_payload"] == "TRACK_ORDER" and qr.text == "Track my order"
    assert [a["type"] for a in att.attachments] == ["image", "file"]
    assert att.attachments[0]["url"].endswith("broken-zip.jpg")
    [conv] = rows(m.Conversation)
    assert conv.entry_source == "ADS" and conv.entry_ad_id == "6045246247433"


def test_batch_processes_every_entry_and_event_in_order(client, page):
    page.post(client, (FIXTURES / "batch__two_entries.json").read_bytes())
    drain()
    msgs = rows(m.Message)
    assert [x.external_id for x in msgs] == ["m_b_1", "m_b_2", "m_b_3"]
    assert count(m.Conversation) == 2 and count(m.Customer) == 2


def test_echo_of_our_send_is_matched_and_other_tools_sends_recorded_once(client, live_page):
    page = live_page
    page.fake.echo = True                       # the fake echoes every send back, like Graph
    page.post(client, body(event("psid-9", {"message": {"mid": "m_in", "text": "hi, where is my order?"}},
                                 ts=int(time.time() * 1000))))
    drain()
    conv = client.get("/api/v1/conversations", headers=page.ws.agent).json()["items"][0]
    r = client.post(f"/api/v1/conversations/{conv['id']}/replies", json={"text": "Hello!"},
                    headers=page.ws.agent)
    assert r.status_code == 201, r.text
    drain()
    [sent] = page.requests("/me/messages")
    assert sent["body"]["message"]["metadata"] == str(r.json()["id"])
    deadline = time.monotonic() + 5
    while count(m.Delivery) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    drain()
    out = rows(m.Message, m.Message.direction == "outbound")
    assert len(out) == 1 and out[0].status == "sent" and out[0].external_id.startswith("m_fake")
    # the same echo again, with another mid (a multi-part send): still one message
    echo = event("psid-9", {"message": {"is_echo": True, "mid": "m_part2", "app_id": 4242,
                                        "metadata": str(out[0].id), "text": ""}}, echo=True)
    page.post(client, body(echo))
    # the page answered from the Page Inbox: recorded as outbound, once
    inbox = event("psid-9", {"message": {"is_echo": True, "mid": "m_inbox",
                                         "app_id": 263902037430900, "text": "Sam here"}},
                  echo=True)
    page.post(client, body(inbox))
    page.post(client, body(inbox, inbox))       # redelivered inside another batch
    drain()
    out = rows(m.Message, m.Message.direction == "outbound")
    assert [(x.external_id.startswith("m_fake"), x.text) for x in out] == [
        (True, "Hello!"), (False, "Sam here")]
    assert out[1].meta["source"] == "echo"


def test_standby_is_recorded_and_never_answered(client, page):
    page.post(client, (FIXTURES / "standby__message.json").read_bytes())
    drain()
    [msg] = rows(m.Message)
    assert msg.meta["standby"] is True and msg.ticket_id is None
    assert count(m.Ticket) == 0 and count(m.Message, m.Message.direction == "outbound") == 0
    assert page.requests() == []


def test_delivery_and_read_move_states_forward_and_a_replay_changes_nothing(client, page, cli):
    now = int(time.time() * 1000)
    page.post(client, body(event("psid-1", {"message": {"mid": "m_in", "text": "hi, where is my order?"}}, ts=now)))
    drain()
    conv = client.get("/api/v1/conversations", headers=page.ws.agent).json()["items"][0]
    client.post(f"/api/v1/conversations/{conv['id']}/replies", json={"text": "On it"},
                headers=page.ws.agent)
    drain()
    [out] = rows(m.Message, m.Message.direction == "outbound")
    assert out.status == "sent"
    later = int(time.time() * 1000) + 1000
    delivered = body(event("psid-1", {"delivery": {"mids": [out.external_id],
                                                   "watermark": later}}, ts=later))
    page.post(client, delivered)
    drain()
    assert rows(m.Message, m.Message.id == out.id)[0].status == "delivered"
    page.post(client, body(event("psid-1", {"read": {"watermark": later}}, ts=later + 1)))
    drain()
    assert rows(m.Message, m.Message.id == out.id)[0].status == "read"
    snapshot = [(x.id, x.status, x.external_id) for x in rows(m.Message)]
    again = page.post(client, delivered).json()
    assert again["duplicate"] is True
    events_before = count(m.Event)
    cli.json("replay", "--account", str(page.id))
    drain()
    assert [(x.id, x.status, x.external_id) for x in rows(m.Message)] == snapshot
    assert count(m.Ticket) == 1 and count(m.Conversation) == 1
    assert count(m.Event) >= events_before


def test_optin_token_is_recorded_with_expiry_then_stopped(client, page):
    page.post(client, (FIXTURES / "messaging_optins__notification_messages.json").read_bytes())
    drain()
    [token] = rows(m.OptInToken)
    assert token.token == "nmt-123" and token.status == "active" and token.topic == "Weekly offers"
    assert token.expires_at is not None and token.expires_at.year >= 2025
    page.post(client, (FIXTURES / "messaging_optins__stop_notifications.json").read_bytes())
    drain()
    [token] = rows(m.OptInToken)
    assert token.status == "stopped"


def test_public_comment_becomes_a_public_message(client, page):
    page.post(client, (FIXTURES / "feed__comment.json").read_bytes())
    page.post(client, (FIXTURES / "feed__comment_reply.json").read_bytes())
    page.post(client, (FIXTURES / "feed__page_own_comment.json").read_bytes())
    drain()
    comment, reply = rows(m.Message)
    assert comment.kind == "comment" and comment.public is True
    assert comment.reply_to == f"{PAGE_ID}_55" and comment.url.endswith("/posts/55")
    assert reply.reply_to == "55_9001" and reply.external_id == "55_9002"


def test_fixture_payloads_are_json():
    for path in FIXTURES.glob("*.json"):
        assert json.loads(path.read_text())["object"] == "page"


def test_agent_answers_a_comment_in_public_and_in_private(client, page):
    page.post(client, page.fake.build("comment", {"psid": "9990001", "comment_id": "55_9001",
                                                  "text": "My order never arrived"}))
    drain()
    conv = client.get("/api/v1/conversations", headers=page.ws.agent).json()["items"][0]["id"]
    url = f"/api/v1/conversations/{conv}/replies"
    r = client.post(url, json={"note": True, "public": True, "text": "x"}, headers=page.ws.agent)
    assert r.status_code == 422 and "never sent" in r.json()["detail"]
    r = client.post(url, json={"public": True, "text": "So sorry, Maya: check your DMs"},
                    headers=page.ws.agent)   # under the customer's newest public post
    assert r.status_code == 201 and r.json()["public"] is True
    r = client.post(url, json={"reply_to": "55_9001",
                               "text": "Hi Maya, could you send your order number?"},
                    headers=page.ws.agent)   # private: a private reply to the comment
    assert r.status_code == 201 and r.json()["public"] is False
    drain()
    public, private = sorted(page.requests(), key=lambda r: r["endpoint"])  # sent at once
    assert public["endpoint"] == "/55_9001/comments"
    assert public["body"] == {"message": "So sorry, Maya: check your DMs"}
    assert private["endpoint"] == "/me/messages"
    assert private["body"]["recipient"] == {"comment_id": "55_9001"}
    assert [x.status for x in rows(m.Message, m.Message.direction == "outbound")] == ["sent"] * 2


def test_triage_hears_what_messenger_says(client, page):
    """A message to the page is a private message to the brand; a reply answers the page;
    Get Started and quick-reply taps are not requests by themselves (issue #11)."""
    for name in ("postback__get_started_with_referral", "message__quick_reply",
                 "message__reply_to", "feed__comment"):
        page.post(client, (FIXTURES / f"{name}.json").read_bytes())
    drain()
    by_kind = {}
    for x in rows(m.Message, m.Message.direction == "inbound"):
        by_kind[x.external_id] = x
    reasons = {k: " ".join(x.triage["service_related"]["reasons"]) for k, x in by_kind.items()}
    started = next(x for x in by_kind.values() if x.kind == "postback")
    assert started.triage["service_related"]["value"] is False and started.route == "tier1"
    assert "button press" in reasons[started.external_id]
    qr = next(x for x in by_kind.values() if x.meta.get("quick_reply_payload"))
    assert qr.triage["service_related"]["value"] is False
    assert "quick-reply tap" in reasons[qr.external_id]
    reply = by_kind["m_reply_1"]
    assert reply.triage["service_related"]["value"] is True and reply.route != "ignore"
    assert "a private message to the brand" in reasons["m_reply_1"]
    assert "a reply in a thread where the brand spoke" in reasons["m_reply_1"]
    comment = next(x for x in by_kind.values() if x.kind == "comment")
    assert "addressed to the brand" in reasons[comment.external_id]
