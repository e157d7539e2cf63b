"""GET /api/v1/stream: events after commit, only to clients allowed to see them, resumable."""
import pytest
from starlette.websockets import WebSocketDisconnect

from support.fixtures import drain, make_workspace


def post(client, ws, i, text="hi"):
    client.post(ws.webhook, json={"id": f"m{i}", "customer": {"id": "c-1"}, "text": text},
                headers=ws.inbound)


def test_live_events_and_resume_from_last_event_id(client, cli, workspace):
    rival = make_workspace(cli, "Rival", prefix="r-")
    with client.websocket_connect(f"/api/v1/stream?token={workspace.agent_token}") as ws, \
         client.websocket_connect(f"/api/v1/stream?token={rival.agent_token}") as other:
        post(client, workspace, 1, "Where is my order? It has not arrived.")
        drain()
        names = [ws.receive_json()["name"] for _ in range(3)]
        assert names == ["ticket.created", "message.created", "conversation.updated"]
        post(client, rival, 1, "rival's customer")
        drain()
        assert other.receive_json()["workspace_id"] == rival.id   # each sees only their own
        post(client, workspace, 2, "second")
        drain()
        event = ws.receive_json()
        assert event["workspace_id"] == workspace.id and event["name"] == "message.created"
        assert event["payload"]["text"] == "second"
        last = event["id"]
    post(client, workspace, 3, "while away")
    drain()
    with client.websocket_connect(f"/api/v1/stream?token={workspace.agent_token}"
                                  f"&last_event_id={last}") as ws:
        replayed = [ws.receive_json() for _ in range(3)]
        assert [e["name"] for e in replayed] == ["conversation.updated", "message.created",
                                                  "conversation.updated"]
        assert replayed[1]["payload"]["text"] == "while away"
        assert all(e["id"] > last for e in replayed)


def test_stream_refuses_a_bad_token(client, workspace):
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect("/api/v1/stream?token=nope") as ws:
            ws.receive_json()
    assert info.value.code == 1008


def test_advocates_do_not_receive_staff_events(client, cli, workspace):
    cli("agent", "add", "sam@community.test", "--role", "advocate")
    token = cli.json("token", "create", "--agent", "sam@community.test")["token"]
    post(client, workspace, 1, "private thread")
    drain()
    with client.websocket_connect(f"/api/v1/stream?token={token}&last_event_id=0") as ws, \
         client.websocket_connect(f"/api/v1/stream?token={workspace.agent_token}"
                                  "&last_event_id=0") as staff:
        assert staff.receive_json()["name"] == "ticket.created"
        post(client, workspace, 2, "another private one")
        drain()
        assert staff.receive_json()["name"] == "message.created"
        ws.send_text("ping")   # the backlog and the live events came before the pong: none
        assert ws.receive_json() == {"name": "pong"}


def test_cookie_sessions_from_another_site_are_refused(client, workspace):
    # a bearer token is not sent by browsers on their own: only cookie sessions need this
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/api/v1/stream",
                                      headers={"origin": "https://evil.example"}) as ws:
            ws.receive_json()


def test_an_event_committed_late_is_still_delivered_once(client, workspace):
    """Two processes can commit in the other order than they took event ids: the feed must
    not drop the older id that arrives second, nor send anything twice."""
    from crowdcare.events import bus

    def event(event_id):
        return {"id": event_id, "name": "message.created", "workspace_id": workspace.id,
                "audience": "staff", "payload": {"id": event_id, "text": f"#{event_id}"},
                "created_at": None}

    with client.websocket_connect(f"/api/v1/stream?token={workspace.agent_token}") as ws:
        post(client, workspace, 1, "hello, where is my parcel?")
        drain()
        start = [ws.receive_json()["id"] for _ in range(3)][-1]
        for event_id in (start + 20, start + 10, start + 20, start + 30):
            bus.current().publish_threadsafe([event(event_id)])
        got = [ws.receive_json()["id"] for _ in range(3)]
        assert got == [start + 20, start + 10, start + 30]
