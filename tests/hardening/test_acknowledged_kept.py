"""Finding 7: a 200 means the message is kept. NUL characters are dropped when a body is
decoded; each event of a batch is processed or recorded as rejected on its own; what the
worker cannot read is refused at the door with 422."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain

PAGE_ID, SECRET = "1029384756", "app-secret-xyz"
X_SECRET, X_USER = "consumer-secret-123", "4200000001"


def messages() -> list[m.Message]:
    with db.session_scope() as session:
        found = session.scalars(select(m.Message).order_by(m.Message.id)).all()
        session.expunge_all()
        return found


def delivery() -> m.Delivery:
    with db.session_scope() as session:
        found = session.scalars(select(m.Delivery)).one()
        session.expunge_all()
        return found


@pytest.fixture
def messenger(cli, workspace):
    account = cli.json("channel", "add", "messenger", "-w", str(workspace.id), "--page-id",
                       PAGE_ID, "--page-token", "page-token-abc", "--app-secret", SECRET,
                       "--verify-token", "verify-me-please")

    def post(client, payload):
        body = json.dumps(payload).encode()
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return client.post(f"/webhooks/messenger/{account['id']}", content=body, headers={
            "content-type": "application/json", "X-Hub-Signature-256": f"sha256={mac}"})
    return post


@pytest.fixture
def x(cli, workspace):
    account = cli.json("channel", "add", "x", "-w", str(workspace.id), "--consumer-secret",
                       X_SECRET, "--access-token", "access-token-456", "--user-id", X_USER,
                       "--handle", "brand")

    def post(client, payload):
        body = json.dumps(payload).encode()
        mac = base64.b64encode(hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest())
        return client.post(f"/webhooks/x/{account['id']}", content=body, headers={
            "content-type": "application/json",
            "x-twitter-webhooks-signature": f"sha256={mac.decode()}"})
    return post


def test_nul_characters_are_dropped_and_the_message_kept(client, workspace):
    r = client.post(workspace.webhook, headers=workspace.inbound, json={
        "id": "m-\u00001", "customer": {"id": "c-1", "name": "Ma\u0000ya"},
        "text": "where is\u0000 my parcel?", "metadata": {"k\u0000": ["v\u0000"]}})
    assert r.status_code == 200
    drain()
    [message] = messages()
    assert message.text == "where is my parcel?" and message.external_id == "m-1"
    assert delivery().status == "done"


def _messenger_event(mid: str, text: object = "where is my order?", **extra) -> dict:
    return {"sender": {"id": "psid-1"}, "recipient": {"id": PAGE_ID},
            "timestamp": 1_700_000_000_000, "message": {"mid": mid, "text": text}, **extra}


MESSENGER_UNREADABLE = [
    _messenger_event("m.bad", text=5),                                  # text is a number
    _messenger_event("m.bad", text={"a": 1}),
    {**_messenger_event("m.bad"), "timestamp": 10**30},                  # past the calendar
    {**_messenger_event("m.bad"), "timestamp": -(10**15)},               # before it
    {**_messenger_event("m.bad"), "sender": "psid-1"},                   # not an object
    {"sender": {"id": "psid-1"}, "delivery": {"mids": 5}},               # mids not a list
    {"sender": {"id": "psid-1"}, "app_roles": {"123": 5}},               # roles not a list
    "not an event",
]


@pytest.mark.parametrize("bad", MESSENGER_UNREADABLE)
def test_a_messenger_event_the_worker_cannot_read_is_422_at_the_door(client, messenger, bad):
    r = messenger(client, {"object": "page", "entry": [{"id": PAGE_ID, "time": 1,
                                                        "messaging": [bad]}]})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "entry 0 messaging 0" in detail or "event 0" in detail


def test_one_malformed_event_does_not_sink_the_valid_ones_beside_it(client, messenger):
    batch = [_messenger_event("m.1"), *MESSENGER_UNREADABLE, _messenger_event("m.2", "and?")]
    r = messenger(client, {"object": "page", "entry": [{"id": PAGE_ID, "time": 1,
                                                        "messaging": batch}]})
    assert r.status_code == 200
    drain()
    assert [msg.external_id for msg in messages()] == ["m.1", "m.2"]
    kept = delivery()
    assert kept.status == "done"
    assert kept.last_error.startswith(f"rejected {len(MESSENGER_UNREADABLE)} event(s)")


def _tweet(tweet_id: str, **changes) -> dict:
    tweet = {"id_str": tweet_id, "text": "@brand my order is late", "timestamp_ms":
             "1700000000000", "user": {"id_str": "99", "screen_name": "maya",
                                       "followers_count": 10}}
    return {**tweet, **changes}


X_UNREADABLE = [
    {"tweet_create_events": [_tweet("1", user="maya")]},
    {"tweet_create_events": [_tweet("1", text=7)]},
    {"tweet_create_events": [_tweet("1", timestamp_ms="9" * 30)]},
    {"tweet_create_events": [_tweet("1", user={"id_str": "99", "followers_count": 2**64})]},
    {"tweet_create_events": [_tweet("1", user={"id_str": "99", "followers_count": "many"})]},
    {"tweet_create_events": [_tweet("1", entities={"user_mentions": [5]})]},
    {"direct_message_events": [{"type": "message_create", "id": "d1", "message_create": {
        "sender_id": "99", "message_data": {"text": "hi"}}}], "users": ["99"]},
]


@pytest.mark.parametrize("bad", X_UNREADABLE)
def test_an_x_event_the_worker_cannot_read_is_422_at_the_door(client, x, bad):
    r = x(client, bad)
    assert r.status_code == 422, r.text


def test_x_valid_tweets_beside_a_malformed_one_are_kept(client, x):
    r = x(client, {"tweet_create_events": [_tweet("1"), _tweet("2", text=7), _tweet("3")]})
    assert r.status_code == 200
    drain()
    assert [msg.external_id for msg in messages()] == ["1", "3"]
    assert delivery().last_error.startswith("rejected 1 event(s): tweet_create_events 1")


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                       "9999-12-31T23:59:59Z", "0001-01-01T00:00:00"])
def test_api_timestamps_at_the_ends_of_the_calendar_are_422(client, workspace, timestamp):
    r = client.post(workspace.webhook, headers=workspace.inbound, json={
        "id": "m-1", "customer": {"id": "c-1"}, "text": "hi", "timestamp": timestamp})
    assert r.status_code == 422 and "timestamp" in r.json()["detail"]
