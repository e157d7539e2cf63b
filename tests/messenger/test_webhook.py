"""Connecting a page, the verify handshake and the X-Hub-Signature-256 check."""
from crowdcare.store import models as m
from messenger.conftest import PAGE_ID, SECRET, VERIFY
from messenger.helpers import body, count, event

TEXT = body(event("psid-1", {"message": {"mid": "m_1", "text": "hello"}}))


def test_channel_add_prints_account_and_webhook_url_and_hides_secrets(cli, page, client):
    assert page.account["kind"] == "messenger" and page.account["external_id"] == PAGE_ID
    assert page.account["webhook_url"].endswith(f"/webhooks/messenger/{page.id}")
    assert page.account["config"]["page_token"] == "set"
    assert "graph_url" not in page.account["config"]   # the operator's setting, not a page's
    text = cli("channel", "add", "messenger", "-w", str(page.ws.id), "--page-id", "77",
               "--page-token", "t", "--app-secret", "s", "--verify-token", "v").stdout
    assert "account id:" in text and "/webhooks/messenger/" in text
    r = cli("channel", "add", "messenger", "-w", str(page.ws.id), "--page-id", "77", ok=False)
    assert r.exit_code == 2 and "page_token" in r.output
    listed = client.get("/api/v1/channels", headers=page.ws.admin).json()["items"]
    assert [c["config"]["app_secret"] for c in listed if c["kind"] == "messenger"] == ["set"] * 2


HANDSHAKES = [
    ({"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
     200, "1158201444"),
    ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}, 403, None),
    ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"}, 403, None),
    ({"hub.challenge": "1"}, 403, None),
]


def test_verify_handshake(client, page):
    for query, status, answer in HANDSHAKES:
        r = client.get(page.webhook, params=query)
        assert r.status_code == status, query
        if answer:
            assert r.text == answer and r.headers["content-type"].startswith("text/plain")


SIGNATURE_CASES = {"valid": 200, "tampered": 401, "wrong_secret": 401, "missing": 401,
                   "malformed": 401, "bom": 200, "not_page": 404}


def test_signature_cases(client, page):
    stored = 0
    for n, (case, expected) in enumerate(SIGNATURE_CASES.items()):
        payload = body(event("psid-1", {"message": {"mid": f"m_{n}", "text": "hello"}}))
        raw, headers = page.signed(payload)
        if case == "tampered":
            raw = raw.replace(b"hello", b"hellO")
        elif case == "wrong_secret":
            raw, headers = page.signed(payload, secret="not-the-secret")
        elif case == "missing":
            headers.pop("X-Hub-Signature-256")
        elif case == "malformed":
            headers["X-Hub-Signature-256"] = "sha1=abc"
        elif case == "bom":
            raw, headers = page.signed(b"\xef\xbb\xbf" + raw)
        elif case == "not_page":
            raw, headers = page.signed({**payload, "object": "instagram"})
        r = client.post(page.webhook, content=raw, headers=headers)
        assert r.status_code == expected, f"{case}: {r.text}"
        stored += expected == 200
        assert count(m.Delivery) == stored, case      # refused requests store nothing
        if expected == 401:
            assert "X-Hub-Signature-256" in r.json()["detail"]


def test_signature_is_checked_against_this_pages_secret(client, page, cli):
    other = cli.json("channel", "add", "messenger", "-w", str(page.ws.id), "--page-id", "555",
                     "--page-token", "t2", "--app-secret", "other-secret", "--verify-token", "v")
    raw, headers = page.signed(TEXT, secret=SECRET)
    assert client.post(f"/webhooks/messenger/{other['id']}", content=raw,
                       headers=headers).status_code == 401
    raw, headers = page.signed(TEXT, secret="other-secret")
    assert client.post(f"/webhooks/messenger/{other['id']}", content=raw,
                       headers=headers).status_code == 200


def test_connect_a_page_through_the_admin_api(client, page):
    r = client.post("/api/v1/channels", json={"kind": "messenger", "config": {
        "page_id": "888", "page_token": "t", "app_secret": "s", "verify_token": "v"}},
        headers=page.ws.admin)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["external_id"] == "888" and made["secrets"]["app_secret"] == "s"
    assert "graph_url" not in made["config"]
    r = client.post("/api/v1/channels", json={"kind": "messenger", "config": {"page_id": "888"}},
                    headers=page.ws.admin)
    assert r.status_code == 422 and "page_token" in r.json()["detail"]
