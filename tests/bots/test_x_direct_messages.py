"""On X direct messages (no quick replies) the bot's controls are text choices: "1" / "2"."""
import time

from bots.conftest import RETURNS, add_entries
from support.fixtures import drain
from x.test_x import _fake_x, fake, post, x  # noqa: F401 - the fake X API and the account


def dm(dm_id: str, text: str) -> dict:
    return {"for_user_id": "4200000001", "direct_message_events": [{
        "type": "message_create", "id": dm_id, "created_timestamp": str(int(time.time() * 1000)),
        "message_create": {"target": {"recipient_id": "4200000001"}, "sender_id": "9001",
                           "message_data": {"text": text}}}],
        "users": {"9001": {"id": "9001", "name": "Maya", "screen_name": "maya_k"},
                  "4200000001": {"id": "4200000001", "name": "Brand", "screen_name": "brand"}}}


def sent(api) -> list[str]:
    return [r["json"]["text"] for r in api.requests if "dm_conversations" in r["path"]]


def test_text_choices_on_x_direct_messages(client, x, workspace, fake):  # noqa: F811
    add_entries(client, workspace, RETURNS)
    assert post(client, x, dm("1850000000000000801", "What is your return policy?")) \
        .status_code == 200
    drain()
    [answer] = sent(fake)
    assert "within 30 days" in answer
    assert answer.endswith("Reply 1 if that solved it, or 2 to talk to a person.")
    post(client, x, dm("1850000000000000802", "2"))
    drain()
    assert "a person will answer here" in sent(fake)[-1]
    conv = client.get("/api/v1/conversations", headers=workspace.agent).json()["items"][0]
    assert conv["route"] == "tier1"
