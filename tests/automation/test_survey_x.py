"""X direct messages: X's v2 DM API has no quick replies, so an account with only its v2 token
gets the question that asks for a number and carries the signed link (a typed number answers
it); an account with OAuth 1.0a credentials gets quick reply options through v1.1
direct_messages/events/new, and the tap's quick_reply_response metadata answers it."""
import json
from pathlib import Path

from crowdcare.store import models as m
from messenger.helpers import rows
from support.fixtures import drain
from x import test_x

# X's fake API and account (tests/x); `fake` here is X's, not the Graph API's
_fake_x, fake, x, post = test_x._fake_x, test_x.fake, test_x.x, test_x.post

DM = json.loads((Path(__file__).parents[1] / "x" / "fixtures" /
                 "direct_message_events__message_create.json").read_text())


def dm(text: str, dm_id: str, tapped: str | None = None) -> dict:
    event = {**DM["direct_message_events"][0], "id": dm_id}
    data: dict = {"text": text}
    if tapped:   # the Account Activity shape of a quick reply's tap
        data["quick_reply_response"] = {"type": "options", "metadata": tapped}
    event["message_create"] = {**event["message_create"], "message_data": data}
    return {**DM, "direct_message_events": [event]}


def test_csat_on_x_is_a_link_and_a_typed_number(client, x, workspace, fake, cli):
    cli("survey", "set", "csat", "--delay", "0", "-w", str(workspace.id))
    assert post(client, x, dm("Where is my order NW-1001? It is late", "1850000000000000101")
                ).status_code == 200
    drain()
    [conv] = rows(m.Conversation, m.Conversation.channel_account_id == x["id"])
    assert client.post(f"/api/v1/conversations/{conv.id}/replies", json={
        "text": "It ships today."}, headers=workspace.agent).status_code == 201
    [ticket] = rows(m.Ticket, m.Ticket.conversation_id == conv.id)
    client.patch(f"/api/v1/tickets/{ticket.id}", json={"status": "solved"},
                 headers=workspace.agent)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    assert (survey.status, survey.control) == ("asked", "link")
    question = [q["json"]["text"] for q in fake.requests
                if q["path"].startswith("/2/dm_conversations")][-1]
    assert question.startswith("How did we do? Reply with a number from 1 (poor) to 5")
    assert "/s/" in question
    post(client, x, dm("5! thanks a lot", "1850000000000000102"))
    drain()
    [survey] = rows(m.Survey)
    assert (survey.score, survey.answered_via, survey.comment) == (5, "text", "thanks a lot")
    assert (survey.responder, survey.responder_agent_id) == ("agent", workspace.agent_id)


def x_account(cli, workspace, fake, token_secret: str) -> dict:
    """An X account with OAuth 1.0a credentials too (v1.1: DMs with quick replies)."""
    from support.fixtures import point_platforms

    point_platforms(x=fake.base)
    return cli.json("channel", "add", "x", "-w", str(workspace.id), "--consumer-secret",
                    test_x.SECRET, "--access-token", test_x.TOKEN, "--user-id", test_x.USER_ID,
                    "--handle", "brand", "--consumer-key", fake.consumer_key,
                    "--access-token-secret", token_secret)


def test_csat_on_x_with_oauth1_is_quick_reply_options(client, workspace, fake, cli):
    from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

    x = x_account(cli, workspace, fake, fake.access_token_secret)
    cli("survey", "set", "csat", "--delay", "0", "-w", str(workspace.id))
    post(client, x, dm("Where is my order NW-1001? It is late", "1850000000000000201"))
    drain()
    [conv] = rows(m.Conversation, m.Conversation.channel_account_id == x["id"])
    assert client.post(f"/api/v1/conversations/{conv.id}/replies", json={
        "text": "It ships today."}, headers=workspace.agent).status_code == 201
    [ticket] = rows(m.Ticket, m.Ticket.conversation_id == conv.id)
    client.patch(f"/api/v1/tickets/{ticket.id}", json={"status": "solved"},
                 headers=workspace.agent)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    assert (survey.status, survey.control) == ("asked", "quick_replies")
    [sent] = [q for q in fake.requests if q["path"] == "/1.1/direct_messages/events/new.json"]
    assert sent["headers"]["authorization"].startswith("OAuth ")
    assert dict(parse_authorization_header(sent["headers"]["authorization"]))[
        "oauth_consumer_key"] == fake.consumer_key
    create = sent["json"]["event"]["message_create"]
    assert create["target"]["recipient_id"] == "9001"
    assert create["message_data"]["text"].startswith("How did we do? Tap a number")
    assert create["message_data"]["quick_reply"]["type"] == "options"
    assert [(o["label"], o["metadata"]) for o in
            create["message_data"]["quick_reply"]["options"]] == [
        (label, f"SURVEY:{survey.id}:{n}")
        for n, label in enumerate(["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😀"], start=1)]
    [question] = rows(m.Message, m.Message.id == survey.message_id)
    assert question.status == "sent" and question.external_id   # v1.1's event id
    # the agent's own reply still went through v2
    assert [q for q in fake.requests if q["path"].startswith("/2/dm_conversations")]

    post(client, x, dm("4 🙂", "1850000000000000202", tapped=f"SURVEY:{survey.id}:4"))
    drain()
    [survey] = rows(m.Survey)
    assert (survey.status, survey.score, survey.answered_via) == ("answered", 4, "quick_reply")


def test_x_v1_refuses_a_bad_oauth1_signature(client, workspace, fake, cli):
    """The fake checks the OAuth 1.0a signature: a wrong secret is X's 401, recorded."""
    x = x_account(cli, workspace, fake, "not-the-right-secret")
    cli("survey", "set", "csat", "--delay", "0", "-w", str(workspace.id))
    post(client, x, dm("Where is my order NW-1001? It is late", "1850000000000000301"))
    drain()
    [conv] = rows(m.Conversation, m.Conversation.channel_account_id == x["id"])
    client.post(f"/api/v1/conversations/{conv.id}/replies", json={"text": "It ships today."},
                headers=workspace.agent)
    [ticket] = rows(m.Ticket, m.Ticket.conversation_id == conv.id)
    client.patch(f"/api/v1/tickets/{ticket.id}", json={"status": "solved"},
                 headers=workspace.agent)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    [question] = rows(m.Message, m.Message.id == survey.message_id)
    assert question.status in ("failed", "queued")
    assert "X API 401: Could not authenticate you." in (question.error or "")


def test_nps_never_dms_someone_who_only_mentioned_us_in_public(client, x, workspace, fake, cli):
    from datetime import timedelta

    from crowdcare import clock

    cli("survey", "set", "nps", "--delay", "0", "-w", str(workspace.id))
    assert post(client, x, fake.mention("@brand love the new jackets, great colours!",
                                        "1850000000000000401", at=clock.now())
                ).status_code == 200
    drain()
    assert rows(m.Conversation, m.Conversation.channel_account_id == x["id"])
    assert rows(m.Ticket) == []
    clock.travel(timedelta(minutes=5))
    assert cli.json("survey", "tick")["surveys"] == 0
    # the same customer writing a DM is asked (in the DM's conversation)
    now_dm = dm("I love the new jackets, the colours are great", "1850000000000000402")
    now_dm["direct_message_events"][0]["created_timestamp"] = str(
        int(clock.now().timestamp() * 1000))
    post(client, x, now_dm)
    drain()
    assert rows(m.Ticket) == []
    clock.travel(timedelta(minutes=5))
    assert cli.json("survey", "tick")["surveys"] == 1
    [survey] = rows(m.Survey)
    assert (survey.kind, survey.status, survey.control) == ("nps", "asked", "link")
