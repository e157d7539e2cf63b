"""Two agents on one conversation see each other (viewing, typing, leaving) when their consoles
are served by two different `crowdcare serve` processes that share the database and NATS."""
import json

from websockets.sync.client import connect

from crowdcare.bench import servers
from crowdcare.bench.console import sign_in
from crowdcare.channels.testing import free_port
from spine.test_bus import NATS_URL, make
from support.fixtures import drain

PASSWORD = "presence-pw-1"


def viewers(socket, until) -> list[dict]:
    """Read presence frames until one satisfies `until` (the servers push on every change)."""
    while True:
        frame = json.loads(socket.recv(timeout=10))
        if until(frame["viewers"]):
            return frame["viewers"]


def test_agents_on_two_processes_see_each_other(cli, client, workspace, database_url):
    make("nats")   # NATS must be up (skipped locally without it, failed in CI)
    for email, name in (("ada@acme.test", "Ada"), ("bo@acme.test", "Bo")):
        cli("agent", "add", email, "--role", "agent", "--name", name, "--password", PASSWORD)
    client.post(workspace.webhook, headers=workspace.inbound,
                json={"id": "m1", "customer": {"id": "c1"}, "text": "where is my parcel?"})
    drain()
    conversation_id = client.get("/api/v1/conversations",
                                 headers=workspace.agent).json()["items"][0]["id"]
    env = {"CROWDCARE_DATABASE_URL": database_url, "CROWDCARE_BUS_URL": NATS_URL}
    bases = []
    for _ in range(2):
        port = free_port()
        bases.append(f"http://127.0.0.1:{port}")
    with servers.process(["-m", "crowdcare", "serve", "--port", bases[0].rsplit(":", 1)[1],
                          "--no-migrate", "--no-workers"], f"{bases[0]}/healthz", env), \
            servers.process(["-m", "crowdcare", "serve", "--port", bases[1].rsplit(":", 1)[1],
                             "--no-migrate", "--no-workers"], f"{bases[1]}/healthz", env):
        url = f"ws{bases[0][4:]}/web/presence/{conversation_id}"
        with connect(url, additional_headers={"Cookie": sign_in(bases[0], "ada@acme.test",
                                                                 PASSWORD)}) as ada:
            with connect(url.replace(bases[0][7:], bases[1][7:]), additional_headers={
                    "Cookie": sign_in(bases[1], "bo@acme.test", PASSWORD)}) as bo:
                names = {"Ada", "Bo"}
                assert {v["name"] for v in viewers(ada, lambda v: len(v) == 2)} == names
                assert {v["name"] for v in viewers(bo, lambda v: len(v) == 2)} == names
                bo.send("typing")
                typing = viewers(ada, lambda v: any(p["typing"] for p in v))
                assert {p["name"]: p["typing"] for p in typing} == {"Ada": False, "Bo": True}
            assert [v["name"] for v in viewers(ada, lambda v: len(v) == 1)] == ["Ada"]
