"""X direct messages have no quick replies in X's v2 API: the CSAT question there asks for a
number and carries the signed link; a typed number answers it."""
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


def dm(text: str, dm_id: str) -> dict:
    event = {**DM["direct_message_events"][0], "id": dm_id}
    event["message_create"] = {**event["message_create"], "message_data": {"text": text}}
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
