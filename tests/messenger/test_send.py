"""The Send API client against the fake Graph API: request shapes, retries, permanent errors."""
import asyncio
import time

import httpx
import pytest

from crowdcare.channels import registry
from crowdcare.channels.messenger.adapter import MessengerConfig
from crowdcare.domain import AccountRef, OutboundMessage, Sender
from crowdcare.outbound import network
from crowdcare.store import models as m
from messenger.conftest import APP_ID, PAGE_ID, SECRET, TOKEN, VERIFY
from messenger.helpers import body, event, rows
from support.fixtures import drain, point_platforms

ADAPTER = registry.get("messenger")


def account(fake, token: str = TOKEN) -> AccountRef:
    point_platforms(messenger=f"{fake.base}/v21.0")
    return AccountRef(1, 1, "messenger", MessengerConfig(
        page_id=PAGE_ID, page_token=token, app_secret=SECRET, verify_token=VERIFY,
        app_id=APP_ID, send_timeout=0.5))


def send(fake, message: OutboundMessage, token: str = TOKEN):
    async def go():
        async with network.client() as http:
            return await ADAPTER.send(account(fake, token), message, http)
    return asyncio.run(go())


def out(**kw) -> OutboundMessage:
    return OutboundMessage(message_id=kw.pop("message_id", 7),
                           recipient=Sender(external_id="psid-1"), **kw)


def conversation_with_customer(client, page, hours_ago: float = 0) -> int:
    ts = int((time.time() - hours_ago * 3600) * 1000)
    page.post(client, body(event("psid-1", {"message": {"mid": f"m_in_{ts}", "text": "hello"}},
                                 ts=ts)))
    drain()
    return client.get("/api/v1/conversations?status=all",
                      headers=page.ws.agent).json()["items"][0]["id"]


def reply(client, page, conv_id: int, text: str = "We're on it"):
    return client.post(f"/api/v1/conversations/{conv_id}/replies", json={"text": text},
                       headers=page.ws.agent)


def test_agent_reply_goes_out_as_a_response_with_our_id_as_metadata(client, page):
    conv = conversation_with_customer(client, page)
    r = reply(client, page, conv)
    assert r.status_code == 201
    drain()
    [req] = page.requests("/me/messages")
    assert req["body"] == {"recipient": {"id": "psid-1"}, "messaging_type": "RESPONSE",
                           "message": {"text": "We're on it", "metadata": str(r.json()["id"])}}
    assert "access_token" not in req["query"] and req["status"] == 200
    [row] = rows(m.Message, m.Message.direction == "outbound")
    assert row.status == "sent" and row.external_id.startswith("m_fake")


@pytest.mark.parametrize("name,message,expect", [
    ("text", out(text="hi"), {"text": "hi"}),
    ("quick_replies", out(text="Pick one", quick_replies=[{"title": "Track", "payload": "T"},
                                                          {"title": "Returns"}]),
     {"text": "Pick one", "quick_replies": [
         {"content_type": "text", "title": "Track", "payload": "T"},
         {"content_type": "text", "title": "Returns", "payload": "Returns"}]}),
    ("buttons", out(text="Need more?", buttons=[{"title": "Help", "payload": "HELP"},
                                                {"title": "Site", "url": "https://x.example"}]),
     {"attachment": {"type": "template", "payload": {
         "template_type": "button", "text": "Need more?", "buttons": [
             {"type": "postback", "title": "Help", "payload": "HELP"},
             {"type": "web_url", "url": "https://x.example", "title": "Site"}]}}}),
    ("attachment", out(attachments=[{"type": "image", "url": "https://cdn.example/a.jpg"}]),
     {"attachment": {"type": "image", "payload": {"url": "https://cdn.example/a.jpg",
                                                  "is_reusable": True}}}),
    ("generic", out(template={"template_type": "generic", "elements": [
        {"title": "Linen shirt", "subtitle": "49.00", "image_url": "https://cdn.example/s.jpg",
         "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY"}]}]}),
     {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": [
         {"title": "Linen shirt", "subtitle": "49.00", "image_url": "https://cdn.example/s.jpg",
          "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY"}]}]}}}),
])
def test_message_shapes_are_accepted_by_the_fake(fake, name, message, expect):
    result = send(fake, message)
    assert result.ok, result.error
    [req] = fake.requests
    assert req["body"]["message"] == {**expect, "metadata": "7"}


def test_text_with_attachment_is_two_requests_and_tags_are_passed(fake):
    result = send(fake, out(text="Here it is", messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT",
                            attachments=[{"type": "file", "url": "https://cdn.example/i.pdf"}]))
    assert result.ok
    assert [r["body"]["messaging_type"] for r in fake.requests] == ["MESSAGE_TAG"] * 2
    assert {r["body"]["tag"] for r in fake.requests} == {"HUMAN_AGENT"}
    assert result.external_id.startswith("m_fake")


def test_sender_actions_and_marketing_to_a_token(fake):
    for action in ("typing_on", "mark_seen"):
        assert send(fake, out(metadata={"sender_action": action})).ok
    assert [r["body"] for r in fake.requests] == [
        {"recipient": {"id": "psid-1"}, "sender_action": "typing_on"},
        {"recipient": {"id": "psid-1"}, "sender_action": "mark_seen"}]
    assert send(fake, out(text="Spring sale!", optin_token="nmt-1")).ok
    assert fake.requests[-1]["body"]["recipient"] == {"notification_messages_token": "nmt-1"}
    assert "messaging_type" not in fake.requests[-1]["body"]


def test_public_and_private_replies_to_a_comment(fake):
    result = send(fake, out(text="Sorry! Check your DMs", public=True, reply_to="55_9001"))
    assert result.ok and result.external_id.startswith("55_9001_r")
    assert fake.requests[-1]["endpoint"] == "/55_9001/comments"
    assert fake.requests[-1]["body"] == {"message": "Sorry! Check your DMs"}
    assert send(fake, out(text="Hi Maya, about your order...", reply_to="55_9001",
                          metadata={"private_reply": True})).ok
    assert fake.requests[-1]["body"]["recipient"] == {"comment_id": "55_9001"}


def test_the_fake_refuses_bad_shapes_like_graph(fake):
    r = httpx.post(f"{fake.base}/v21.0/me/messages", params={"access_token": TOKEN},
                   json={"recipient": {"id": "1"}, "message": {"text": "hi"}})
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == 100 and "messaging_type" in error["message"]
    assert {"message", "type", "code", "fbtrace_id"} <= set(error)
    r = httpx.post(f"{fake.base}/v21.0/me/messages", params={"access_token": "nope"},
                   json={"recipient": {"id": "1"}, "message": {"text": "hi"},
                         "messaging_type": "RESPONSE"})
    assert r.json()["error"]["code"] == 190 and r.json()["error"]["type"] == "OAuthException"


def test_a_wrong_page_token_fails_permanently_with_a_readable_reason(fake):
    result = send(fake, out(text="hi"), token="stale-token")
    assert not result.ok and not result.retryable
    assert result.error.startswith("the page token is invalid or expired")


@pytest.mark.parametrize("kind,times", [("rate_limit", 2), ("server_error", 1),
                                        ("timeout", 1)])
def test_retryable_failures_are_retried_until_sent(client, page, kind, times):
    conv = conversation_with_customer(client, page)
    page.fail(kind, times)
    reply(client, page, conv)
    drain()
    [row] = rows(m.Message, m.Message.direction == "outbound")
    assert row.status == "sent" and row.error is None and row.attempts == times + 1
    assert len(page.requests("/me/messages")) == times + 1


@pytest.mark.parametrize("kind,reason", [
    ("outside_window", "outside the allowed messaging window"),
    ("user_unavailable", "the customer is not available"),
    ("invalid_token", "the page token is invalid or expired"),
])
def test_permanent_failures_are_not_retried_and_say_why(client, page, kind, reason):
    conv = conversation_with_customer(client, page)
    page.fail(kind)
    reply(client, page, conv)
    drain()
    [row] = rows(m.Message, m.Message.direction == "outbound")
    assert row.status == "failed" and row.error.startswith(reason) and row.attempts == 1
    assert "Graph error" in row.error
    assert len(page.requests("/me/messages")) == 1
    shown = client.get(f"/api/v1/conversations/{conv}", headers=page.ws.agent).json()
    assert shown["messages"][-1]["error"].startswith(reason)


def test_retries_run_out_then_the_message_fails(client, page):
    conv = conversation_with_customer(client, page)
    page.fail("rate_limit", 50)
    reply(client, page, conv)
    drain()
    [row] = rows(m.Message, m.Message.direction == "outbound")
    assert row.status == "failed" and row.error.startswith("rate limited")
    assert row.attempts == 8 == len(page.requests("/me/messages"))
