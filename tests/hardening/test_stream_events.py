"""Finding 8: an event is made safe and bounded when it is written to the outbox, so one
poisoned or huge event never drops the stream's clients, live or resuming."""
from __future__ import annotations

from support.fixtures import drain

FRAME_LIMIT = 1024 * 1024   # websocket libraries' default maximum frame


def _conversation(client, workspace) -> int:
    client.post(workspace.webhook, headers=workspace.inbound,
                json={"id": "m-1", "customer": {"id": "c-1"}, "text": "where is my parcel? it is late"})
    drain()
    return client.get("/api/v1/conversations", headers=workspace.agent).json()["items"][0]["id"]


def _poison(client, workspace, conversation_id: int) -> None:
    for attachment in ({"type": "file", "size": 2**64},
                       {"type": "file", "title": "x" * (2 * FRAME_LIMIT)}):
        r = client.post(f"/api/v1/conversations/{conversation_id}/replies", headers=workspace.agent,
                        json={"text": "see attached", "note": True, "attachments": [attachment]})
        assert r.status_code == 201, r.text
    client.post(workspace.webhook, headers=workspace.inbound,
                json={"id": "m-2", "customer": {"id": "c-1"}, "text": "after the poison"})
    drain()


def _until_after(ws) -> list[str]:
    frames = []
    while '"after the poison"' not in (frames[-1] if frames else ""):
        frames.append(ws.receive_text())
    return frames


def test_poisoned_and_huge_events_reach_live_and_resuming_clients(client, workspace):
    conversation_id = _conversation(client, workspace)
    url = f"/api/v1/stream?token={workspace.agent_token}"
    with client.websocket_connect(url) as live:
        _poison(client, workspace, conversation_id)
        frames = _until_after(live)
    with client.websocket_connect(url + "&last_event_id=0") as resumed:
        backlog = _until_after(resumed)
    for seen in (frames, backlog):
        assert all(len(f.encode()) < FRAME_LIMIT for f in seen)
        assert any('"size":"18446744073709551616"' in f for f in seen)   # kept, as text
        assert any('"truncated":{"bytes":' in f for f in seen)          # cut, and says so
