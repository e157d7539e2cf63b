"""X: CRC, signatures, Account Activity payloads, and replies through a fake X API."""
import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from crowdcare.channels import registry
from crowdcare.channels.testing import serve_in_thread
from crowdcare.channels.x.adapter import SIGNATURE_HEADER, XConfig
from crowdcare.channels.x.fake_api import FakeX
from crowdcare.domain import AccountRef, InboundMessage, OutboundEcho, Unsupported
from crowdcare.store import models as m
from support.fixtures import drain, point_platforms

FIXTURES = Path(__file__).parent / "fixtures"
SECRET, TOKEN, USER_ID = "consumer-secret-123", "access-token-456", "4200000001"


@pytest.fixture(scope="session")
def _fake_x():
    fake = FakeX(access_token=TOKEN, consumer_secret=SECRET, user_id=USER_ID, handle="brand")
    with serve_in_thread(fake.app) as base:
        fake.base = base
        yield fake


@pytest.fixture
def fake(_fake_x):
    _fake_x.requests.clear()
    _fake_x.failures.clear()
    return _fake_x


@pytest.fixture
def x(cli, workspace, fake):
    point_platforms(x=fake.base)
    account = cli.json("channel", "add", "x", "-w", str(workspace.id), "--consumer-secret",
                       SECRET, "--access-token", TOKEN, "--user-id", USER_ID, "--handle",
                       "brand")
    return account


def signed(payload, secret=SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {SIGNATURE_HEADER: f"sha256={mac}", "content-type": "application/json"}


def post(client, x, payload, secret=SECRET):
    body, headers = signed(payload, secret)
    return client.post(f"/webhooks/x/{x['id']}", content=body, headers=headers)


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ref():
    cfg = XConfig(consumer_secret=SECRET, access_token=TOKEN, user_id=USER_ID, handle="brand")
    return AccountRef(id=1, workspace_id=1, kind="x", config=cfg)


# --- CRC and signatures --------------------------------------------------------------------

def test_crc_challenge(client, x):
    r = client.get(f"/webhooks/x/{x['id']}", params={"crc_token": "challenge-abc"})
    assert r.status_code == 200
    want = base64.b64encode(hmac.new(SECRET.encode(), b"challenge-abc",
                                     hashlib.sha256).digest()).decode()
    assert r.json() == {"response_token": f"sha256={want}"}


def test_crc_without_token_is_refused(client, x):
    r = client.get(f"/webhooks/x/{x['id']}")
    assert r.status_code == 400 and "crc_token" in r.json()["detail"]


def test_signature_cases(client, x):
    payload = fixture("tweet_create_events__mention")
    assert post(client, x, payload).status_code == 200
    assert post(client, x, payload, secret="wrong-secret").status_code == 401
    body, _ = signed(payload)
    r = client.post(f"/webhooks/x/{x['id']}", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 401 and SIGNATURE_HEADER in r.json()["detail"]
    _, headers = signed(payload)
    tampered = body.replace(b"10 days", b"11 days")
    assert client.post(f"/webhooks/x/{x['id']}", content=tampered,
                       headers=headers).status_code == 401


def test_other_users_events_are_refused(client, x):
    payload = {**fixture("tweet_create_events__mention"), "for_user_id": "777"}
    r = post(client, x, payload)
    assert r.status_code == 422 and "for_user_id" in r.json()["detail"]


# --- payloads ------------------------------------------------------------------------------

def test_every_fixture_parses():
    adapter = registry.get("x")
    for path in sorted(FIXTURES.glob("*.json")):
        payload = json.loads(path.read_text())
        adapter.validate(ref(), payload)
        events = adapter.parse(ref(), payload)
        assert events, path.name


def test_mention_reply_and_dm_payloads():
    adapter = registry.get("x")
    [mention] = adapter.parse(ref(), fixture("tweet_create_events__mention"))
    assert isinstance(mention, InboundMessage)
    assert mention.kind == "mention" and mention.public and mention.reply_to is None
    assert mention.sender.handle == "maya_k" and mention.sender.followers == 1520
    assert mention.url == "https://x.com/maya_k/status/1850000000000000001"
    [reply] = adapter.parse(ref(), fixture("tweet_create_events__reply"))
    assert reply.kind == "reply" and reply.reply_to == "1850000000000000777"
    assert reply.sender.verified and reply.sender.followers == 2400000
    [dm] = adapter.parse(ref(), fixture("direct_message_events__message_create"))
    assert dm.kind == "dm" and not dm.public and dm.sender.handle == "maya_k"
    for name, kind in (("tweet_create_events__own_tweet", "tweet_create_events.own"),
                       ("tweet_create_events__retweet", "tweet_create_events.retweet"),
                       ("favorite_events__like", "favorite_events")):
        [ev] = adapter.parse(ref(), fixture(name))
        assert isinstance(ev, Unsupported) and ev.kind == kind


def test_a_tweet_that_does_not_mention_us_is_ignored():
    payload = fixture("tweet_create_events__mention")
    tweet = payload["tweet_create_events"][0]
    tweet.update(text="nice weather", in_reply_to_user_id_str=None, entities={})
    [ev] = registry.get("x").parse(ref(), payload)
    assert isinstance(ev, Unsupported) and ev.kind.endswith("not_for_us")


def test_mentions_are_stored_public_and_triaged(client, x, workspace):
    for name in ("tweet_create_events__mention", "tweet_create_events__reply",
                 "tweet_create_events__own_tweet", "direct_message_events__message_create"):
        assert post(client, x, fixture(name)).status_code == 200
    drain()
    from crowdcare.store import db
    with db.session_scope() as s:
        msgs = {r.external_id: r for r in s.query(m.Message).all()}
        assert set(msgs) == {"1850000000000000001", "1850000000000000002",
                             "1850000000000000099"}
        mention, reply, dm = (msgs["1850000000000000001"], msgs["1850000000000000002"],
                              msgs["1850000000000000099"])
        assert mention.public and mention.kind == "mention"
        assert "order_number" in mention.triage["pii"]["value"]
        assert mention.route in ("tier1", "tier2", "escalation")   # private data: staff
        assert reply.kind == "reply" and reply.triage["influence"]["value"] >= 0.9
        assert not dm.public and dm.kind == "dm"
        assert mention.url.startswith("https://x.com/maya_k/status/")


# --- answers ------------------------------------------------------------------------------

def conversation_of(client, workspace, external_id):
    from crowdcare.store import db
    with db.session_scope() as s:
        return s.query(m.Message).filter_by(external_id=external_id).one().conversation_id


def test_public_reply_and_move_to_private(client, x, workspace, fake):
    post(client, x, fixture("tweet_create_events__mention"))      # has an order number
    post(client, x, fixture("tweet_create_events__reply"))        # no private data
    drain()
    maya = conversation_of(client, workspace, "1850000000000000001")
    url = f"/api/v1/conversations/{maya}/replies"
    r = client.post(url, json={"text": "Sorry! Checking now", "public": True},
                    headers=workspace.agent)
    assert r.status_code == 409 and "private data" in r.json()["detail"]
    r = client.post(url, json={"text": "Hi Maya, could you confirm your email?",
                               "public": False}, headers=workspace.agent)
    assert r.status_code == 201 and r.json()["public"] is False
    big = conversation_of(client, workspace, "1850000000000000002")
    r = client.post(f"/api/v1/conversations/{big}/replies",
                    json={"text": "On it, sending you the tracking now", "public": True},
                    headers=workspace.agent)
    assert r.status_code == 201 and r.json()["public"] is True
    drain()
    by_path = {q["path"]: q for q in fake.requests}
    tweet = by_path["/2/tweets"]
    assert tweet["json"] == {"text": "On it, sending you the tracking now",
                             "reply": {"in_reply_to_tweet_id": "1850000000000000002"}}
    assert tweet["headers"]["authorization"] == f"Bearer {TOKEN}"
    dm = by_path["/2/dm_conversations/with/9001/messages"]
    assert dm["json"] == {"text": "Hi Maya, could you confirm your email?"}
    from crowdcare.store import db
    with db.session_scope() as s:
        out = s.query(m.Message).filter_by(direction="outbound").all()
        assert sorted(o.status for o in out) == ["sent", "sent"]
        assert all(o.external_id for o in out)


def test_send_failures(client, x, workspace, fake):
    post(client, x, fixture("tweet_create_events__reply"))
    drain()
    conv = conversation_of(client, workspace, "1850000000000000002")
    fake.failures.extend(["server_error"])
    r = client.post(f"/api/v1/conversations/{conv}/replies",
                    json={"text": "Looking into it", "public": True}, headers=workspace.agent)
    assert r.status_code == 201
    drain()
    drain()
    assert [q["path"] for q in fake.requests] == ["/2/tweets", "/2/tweets"]
    fake.failures.extend(["unauthorized"])
    client.post(f"/api/v1/conversations/{conv}/replies",
                json={"text": "Second answer", "public": True}, headers=workspace.agent)
    drain()
    from crowdcare.store import db
    with db.session_scope() as s:
        out = {o.text: o for o in s.query(m.Message).filter_by(direction="outbound")}
        assert out["Looking into it"].status == "sent"
        assert out["Second answer"].status == "failed"
        assert "401" in out["Second answer"].error


def test_public_reply_too_long_is_refused_by_the_adapter(client, x, workspace, fake):
    post(client, x, fixture("tweet_create_events__reply"))
    drain()
    conv = conversation_of(client, workspace, "1850000000000000002")
    client.post(f"/api/v1/conversations/{conv}/replies",
                json={"text": "x" * 300, "public": True}, headers=workspace.agent)
    drain()
    from crowdcare.store import db
    with db.session_scope() as s:
        [o] = s.query(m.Message).filter_by(direction="outbound").all()
        assert o.status == "failed" and "280" in o.error
    assert fake.requests == []


def test_channel_add_validates_options(cli, workspace):
    r = cli("channel", "add", "x", "-w", str(workspace.id), "--consumer-secret", SECRET,
            "--access-token", TOKEN, "--user-id", "not-a-number", "--handle", "brand", ok=False)
    assert r.exit_code == 2 and "user_id" in r.output


def test_the_console_answers_a_mention_in_public_unless_it_holds_private_data(
        client, cli, x, workspace, fake):
    import re

    post(client, x, fixture("tweet_create_events__mention"))      # has an order number
    post(client, x, fixture("tweet_create_events__reply"))        # no private data
    drain()
    cli("agent", "password", "ana@acme-apparel.test", "--password", "a-long-password-1")
    csrf = re.compile(r'name="csrf_token" value="([^"]+)"')
    r = client.post("/login", data={"email": "ana@acme-apparel.test",
                                    "password": "a-long-password-1", "next": "/inbox",
                                    "csrf_token": csrf.search(client.get("/login").text)[1]},
                    follow_redirects=False)
    assert r.status_code == 303
    maya = conversation_of(client, workspace, "1850000000000000001")
    html = client.get(f"/c/{maya}").text
    assert 'name="public"' in html and "private data" in html   # offered, refused, says why
    big = conversation_of(client, workspace, "1850000000000000002")
    html = client.get(f"/c/{big}").text
    assert re.search(r'<input type="checkbox" name="public" value="1" id="public" >', html)
    r = client.post(f"/c/{big}/reply", data={"text": "On it, Sam!", "public": "1",
                                             "csrf_token": csrf.search(html)[1]},
                    follow_redirects=False)
    assert r.status_code == 303
    drain()
    [tweet] = [q for q in fake.requests if q["path"] == "/2/tweets"]
    assert tweet["json"] == {"text": "On it, Sam!",
                             "reply": {"in_reply_to_tweet_id": "1850000000000000002"}}


def own_dm(dm_id, text, to="9001"):
    return {"for_user_id": "4200000001", "direct_message_events": [{
        "type": "message_create", "id": dm_id, "created_timestamp": "1795781500000",
        "message_create": {"target": {"recipient_id": to}, "sender_id": "4200000001",
                           "source_app_id": "268278", "message_data": {"text": text}}}],
        "users": {to: {"id": to, "name": "Maya", "screen_name": "maya_k"},
                  "4200000001": {"id": "4200000001", "name": "Brand", "screen_name": "brand"}}}


def test_the_brands_own_direct_messages_join_the_thread_once(client, x, workspace, fake):
    """Sent from another tool (or X itself): recorded as ours in the customer's thread.
    Sent through crowdcare: already there, matched by its id, never doubled."""
    [echo] = registry.get("x").parse(ref(), own_dm("1850000000000000500", "Hi from the app"))
    assert isinstance(echo, OutboundEcho) and echo.recipient.external_id == "9001"
    post(client, x, fixture("direct_message_events__message_create"))
    drain()
    maya = conversation_of(client, workspace, "1850000000000000099")
    r = client.post(f"/api/v1/conversations/{maya}/replies", json={"text": "Checking now"},
                    headers=workspace.agent)
    assert r.status_code == 201
    drain()
    from crowdcare.store import db
    with db.session_scope() as s:
        [sent] = s.query(m.Message).filter_by(direction="outbound").all()
        sent_id = sent.external_id
    for payload in (own_dm("1850000000000000500", "Hi from the app"),
                    own_dm("1850000000000000500", "Hi from the app"),   # redelivered
                    own_dm(sent_id, "Checking now")):                   # our own send
        assert post(client, x, payload).status_code == 200
    drain()
    with db.session_scope() as s:
        out = s.query(m.Message).filter_by(direction="outbound").order_by(m.Message.id).all()
        assert [(o.text, o.conversation_id, o.meta.get("source")) for o in out] == [
            ("Checking now", maya, None), ("Hi from the app", maya, "echo")]


def test_oauth1_signature_is_xs_documented_example():
    """X's "Creating a signature" example (developer docs), signed as the adapter signs (with
    oauthlib): the same signature, byte for byte."""
    from oauthlib.oauth1 import Client
    from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape

    client = Client("xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                    "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
                    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
                    nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp="1318622958")
    _, headers, _ = client.sign(
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", "POST",
        body={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    params = dict(parse_authorization_header(headers["Authorization"]))
    assert unescape(params["oauth_signature"]) == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_a_dm_quick_reply_tap_carries_its_metadata_as_the_payload():
    adapter = registry.get("x")
    [tap] = adapter.parse(ref(), fixture("direct_message_events__quick_reply_response"))
    assert isinstance(tap, InboundMessage) and tap.kind == "dm" and not tap.public
    assert tap.metadata["quick_reply_payload"] == "SURVEY:1:4" and tap.text == "4 🙂"
    [plain] = adapter.parse(ref(), fixture("direct_message_events__message_create"))
    assert "quick_reply_payload" not in plain.metadata
    # quick replies only in DMs, and only with OAuth 1.0a credentials
    assert not adapter.renders_quick_replies(ref().config)
    cfg = XConfig(consumer_secret=SECRET, access_token=TOKEN, user_id=USER_ID, handle="brand",
                  consumer_key="key-12345678", access_token_secret="secret-12345678")
    assert adapter.renders_quick_replies(cfg) and not adapter.renders_quick_replies(cfg, True)
