"""A delivery that keeps failing is retried with backoff, then kept as failed with its error,
listed by `crowdcare deliveries` and retryable once the cause is fixed."""
from sqlalchemy import select

from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain


def break_account(account_id: int, config: dict) -> None:
    with db.session_scope() as s:
        s.get(m.ChannelAccount, account_id).config = config
    from crowdcare.store import accounts

    accounts.forget(account_id)


def test_failed_delivery_is_kept_listed_and_retryable(client, cli, workspace):
    account_id = workspace.api_account["id"]
    r = client.post(workspace.webhook, json={"id": "m1", "customer": {"id": "c"}, "text": "hi"},
                    headers=workspace.inbound)
    assert r.status_code == 200
    with db.session_scope() as s:
        good = dict(s.get(m.ChannelAccount, account_id).config)
    break_account(account_id, {**good, "inbound_token": "short"})   # invalid config: parse fails
    drain()
    with db.session_scope() as s:
        d = s.scalar(select(m.Delivery))
        assert d.status == "failed" and d.attempts == 5 and "inbound_token" in d.last_error
    listed = cli.json("deliveries", "list")["items"]
    assert [x["id"] for x in listed] == [d.id] and "ValidationError" in listed[0]["error"]
    api = client.get("/api/v1/deliveries", headers=workspace.admin).json()["items"]
    assert api[0]["status"] == "failed"
    break_account(account_id, good)
    assert cli.json("deliveries", "retry", str(d.id)) == {"queued": 1, "processed": 1}
    assert cli.json("deliveries", "list")["items"] == []
    with db.session_scope() as s:
        assert s.scalar(select(m.Message.text)) == "hi"


def test_deliveries_cli_errors(cli):
    assert "name delivery ids" in cli("deliveries", "retry", ok=False).stderr
    missing = cli("deliveries", "retry", "999", ok=False)
    assert missing.exit_code == 2 and "no delivery with id 999" in missing.stderr
    assert "--status must be" in cli("deliveries", "list", "--status", "weird", ok=False).stderr


def test_retry_through_the_api_answers_at_once_and_webhooks_still_land(client, workspace):
    """The admin's token was recorded as used inside the request's transaction, which held
    SQLite's write lock while the retry waited for it: 500 "database is locked" after 30 s."""
    account_id = workspace.api_account["id"]
    with db.session_scope() as s:
        good = dict(s.get(m.ChannelAccount, account_id).config)
    client.post(workspace.webhook, json={"id": "m1", "customer": {"id": "c"}, "text": "hi"},
                headers=workspace.inbound)
    break_account(account_id, {**good, "inbound_token": "short"})
    drain()
    with db.session_scope() as s:
        failed = s.scalar(select(m.Delivery.id).where(m.Delivery.status == "failed"))
    break_account(account_id, good)
    for _ in range(3):   # the token's use is recorded once, then read: both paths
        r = client.post(f"/api/v1/deliveries/{failed}/retry", headers=workspace.admin)
        assert r.status_code == 200, r.text
        assert r.json() == {"delivery_id": failed, "status": "pending"}
    hook = client.post(workspace.webhook, json={"id": "m2", "customer": {"id": "c"},
                                                "text": "still there?"}, headers=workspace.inbound)
    assert hook.status_code == 200
    drain()
    with db.session_scope() as s:
        assert sorted(s.scalars(select(m.Message.text))) == ["hi", "still there?"]
        assert s.scalar(select(m.ApiToken.last_used_at).where(
            m.ApiToken.agent_id != workspace.agent_id)) is not None
