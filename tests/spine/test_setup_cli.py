"""Set-up without the web UI, through the real CLI."""
import json


def test_workspace_agent_channel_token_round_trip(cli, client):
    ws = cli.json("workspace", "create", "Acme Apparel")
    assert ws["slug"] == "acme-apparel"
    agent = cli.json("agent", "add", "Boss@Acme.test", "--role", "admin", "--team", "Tier 1")
    assert agent == {"id": agent["id"], "email": "boss@acme.test", "role": "admin",
                     "workspace_id": ws["id"], "teams": ["Tier 1"]}
    account = cli.json("channel", "add", "api", "--callback-url", "http://127.0.0.1:9/cb")
    assert account["webhook_url"].endswith(f"/webhooks/api/{account['id']}")
    assert account["config"]["inbound_token"] == "set"          # never shown back...
    assert len(account["secrets"]["inbound_token"]) >= 16       # ...except once, at creation
    token = cli.json("token", "create", "--agent", "boss@acme.test")["token"]
    me = client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["items"][0]["email"] == "boss@acme.test"
    listed = cli.json("channel", "list")["items"]
    assert [a["id"] for a in listed] == [account["id"]]
    assert "secrets" not in listed[0] and listed[0]["config"]["callback_secret"] == "set"


def test_plain_output_prints_account_id_and_webhook_url(cli):
    cli("workspace", "create", "Acme")
    result = cli("channel", "add", "api")
    assert "account id: 1" in result.stdout
    assert "webhook URL: http://127.0.0.1:8000/webhooks/api/1" in result.stdout


def test_set_up_errors_are_clear_messages_not_tracebacks(cli):
    result = cli("agent", "add", "x@y.test", ok=False)
    assert result.exit_code == 2 and "no workspace yet" in result.stderr
    cli("workspace", "create", "Acme")
    assert "already exists" in cli("workspace", "create", "Acme", ok=False).stderr
    assert "role must be one of" in cli("agent", "add", "x@y.test", "--role", "boss",
                                        ok=False).stderr
    assert "is not an email" in cli("agent", "add", "nobody", ok=False).stderr
    cli("agent", "add", "x@y.test")
    assert "already exists" in cli("agent", "add", "X@y.test", ok=False).stderr
    assert "unknown channel kind 'fax'" in cli("channel", "add", "fax", ok=False).stderr
    every = cli("channel", "add", "messenger", ok=False).stderr   # every missing option at once
    assert all(f"{o}: Field required" in every
               for o in ("page_id", "page_token", "app_secret", "verify_token"))
    assert "needs a value" in cli("channel", "add", "api", "--callback-url", ok=False).stderr
    assert "callback_url" in cli("channel", "add", "api", "--callback-url", "not a url",
                                 ok=False).stderr
    assert "no agent with email" in cli("token", "create", "--agent", "ghost@y.test",
                                        ok=False).stderr
    for result in [cli("agent", "add", "nobody", ok=False)]:
        assert "Traceback" not in result.output


def test_two_workspaces_need_an_explicit_choice(cli):
    cli("workspace", "create", "One")
    cli("workspace", "create", "Two")
    assert "say which with --workspace" in cli("agent", "add", "a@b.test", ok=False).stderr
    agent = cli.json("agent", "add", "a@b.test", "-w", "two")
    assert agent["workspace_id"] == 2
    assert json.loads(cli("workspace", "list", "--json").stdout)["items"][1]["slug"] == "two"
