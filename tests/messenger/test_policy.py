"""The Messenger window rules, as a table: the gate directly, then through the reply API."""
from datetime import UTC, datetime, timedelta

import pytest

from crowdcare.channels import registry
from crowdcare.outbound.policy import SendContext, decide
from crowdcare.store import models as m
from messenger.helpers import rows
from messenger.test_send import conversation_with_customer, reply
from support.fixtures import drain

POLICY = registry.get("messenger").policy
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

# (case, author, purpose, hours since the customer's last message, extra) -> allowed, type, tag,
# words in the reason
CASES = [
    ("agent within 24h", "agent", "response", 1, {}, True, "RESPONSE", None, "24 hours window"),
    ("bot within 24h", "bot", "response", 23.9, {}, True, "RESPONSE", None, "window"),
    ("receipt within 24h is an update", "system", "receipt", 2, {}, True, "UPDATE", None, ""),
    ("agent after 24h uses HUMAN_AGENT", "agent", "response", 30, {}, True, "MESSAGE_TAG",
     "HUMAN_AGENT", "HUMAN_AGENT tag"),
    ("agent on day 6", "agent", "response", 24 * 6.9, {}, True, "MESSAGE_TAG", "HUMAN_AGENT", ""),
    ("bot after 24h never uses HUMAN_AGENT", "bot", "response", 25, {}, False, None, None,
     "bots and automations never use HUMAN_AGENT"),
    ("automation after 24h", "system", "shipping", 48, {}, False, None, None, "window closed"),
    ("advocate after 24h", "advocate", "response", 25, {}, False, None, None, "human agent"),
    ("agent after 7 days", "agent", "response", 24 * 7 + 1, {}, False, None, None,
     "human-agent extension (7 days) ended"),
    ("customer never wrote", "agent", "response", None, {}, False, None, None,
     "has not written yet"),
    ("marketing without opt-in", "system", "marketing", 1, {}, False, None, None, "opt-in"),
    ("marketing to a token", "system", "marketing", 500,
     {"optin_active": True, "optin_token": "nmt", "optin_expires_at": NOW + timedelta(days=3)},
     True, None, None, "opted in"),
    ("marketing to an expired token", "system", "marketing", 1,
     {"optin_active": True, "optin_token": "nmt", "optin_expires_at": NOW - timedelta(days=1)},
     False, None, None, "expired"),
    ("another app owns the thread", "agent", "response", 1,
     {"thread_owner_app_id": "263902037430900", "our_app_id": "4242"}, False, None, None,
     "take thread control"),
    ("we own the thread", "bot", "response", 1,
     {"thread_owner_app_id": "4242", "our_app_id": "4242"}, True, "RESPONSE", None, ""),
    ("public reply to a comment", "agent", "response", 24 * 30, {"public": True}, True, None,
     None, "public reply"),
    ("public reply under a post with private data", "agent", "response", 1,
     {"public": True, "private_data": ("email", "phone")}, False, None, None,
     "private data in the customer's post (email, phone)"),
]


@pytest.mark.parametrize("case,author,purpose,hours,extra,allowed,kind,tag,words", CASES,
                         ids=[c[0] for c in CASES])
def test_window_rules(case, author, purpose, hours, extra, allowed, kind, tag, words):
    last = None if hours is None else NOW - timedelta(hours=hours)
    decision = decide(SendContext(policy=POLICY, author=author, purpose=purpose, now=NOW,
                                  last_inbound_at=last, **extra))
    assert (decision.allowed, decision.messaging_type, decision.tag) == (allowed, kind, tag)
    assert words in decision.reason


@pytest.mark.parametrize("hours,status,kind,tag", [
    (1, 201, "RESPONSE", None), (30, 201, "MESSAGE_TAG", "HUMAN_AGENT"),
    (24 * 8, 409, None, None)])
def test_reply_api_follows_the_window(client, page, hours, status, kind, tag):
    conv = conversation_with_customer(client, page, hours_ago=hours)
    window = client.get(f"/api/v1/conversations/{conv}/window", headers=page.ws.agent).json()
    assert window["allowed"] is (status == 201) and window["tag"] == tag
    r = reply(client, page, conv)
    assert r.status_code == status, r.text
    drain()
    if status == 409:
        assert "human-agent extension (7 days) ended" in r.json()["detail"]
        assert page.requests() == [] and rows(m.Message, m.Message.direction == "outbound") == []
        return
    [req] = page.requests("/me/messages")
    assert req["body"]["messaging_type"] == kind and req["body"].get("tag") == tag
