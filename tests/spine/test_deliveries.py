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
