"""Community fixtures: a workspace with an X account on a real fake X API, advocates at each
level, staff, and helpers that play customers' mentions through signed webhooks."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pytest

from crowdcare import clock
from crowdcare.channels.testing import serve_in_thread
from crowdcare.channels.x.fake_api import FakeX
from support.fixtures import Workspace, drain, make_workspace, point_platforms

SECRET, TOKEN, USER_ID = "community-consumer-secret", "community-access-token", "4200000001"
PW = "correct-horse-battery"


@functools.cache
def password_hash() -> str:
    from crowdcare.actions.people import hasher

    return hasher().hash(PW)


@pytest.fixture(scope="session")
def _fake_x():
    fake = FakeX(access_token=TOKEN, consumer_secret=SECRET, user_id=USER_ID, handle="acme")
    with serve_in_thread(fake.app) as base:
        fake.base = base
        yield fake


@pytest.fixture
def fake_x(_fake_x):
    _fake_x.requests.clear()
    _fake_x.failures.clear()
    _fake_x.tweets.clear()
    return _fake_x


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()


@dataclass
class Community:
    cli: object
    client: object
    ws: Workspace
    x: dict
    fake: FakeX
    tokens: dict[str, str] = field(default_factory=dict)   # email -> bearer token
    ids: dict[str, int] = field(default_factory=dict)       # email -> agent id
    n: int = 0

    def headers(self, email: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def advocate(self, email: str, name: str, trust: str = "new", **profile) -> dict:
        row = self.cli.json("agent", "add", email, "--role", "advocate", "--name", name,
                            "-w", str(self.ws.id))
        from crowdcare.store import db
        from crowdcare.store import models as m

        with db.session_scope() as session:   # the same argon2 hash of PW (hashing costs 0.4 s)
            session.get(m.Agent, row["id"]).password_hash = password_hash()
        self.ids[email] = row["id"]
        self.tokens[email] = self.cli.json("token", "create", "--agent", email)["token"]
        if trust != "new":
            self.cli("community", "trust", email, "--level", trust, "--reason", "test set-up")
        if profile:
            r = self.client.patch("/api/v1/community/me", json=profile,
                                  headers=self.headers(email))
            assert r.status_code == 200, r.text
        return row

    def mention(self, text: str, handle: str = "maya", user_id: str = "9001",
                followers: int = 120, **extra) -> str:
        """A customer tweets at the brand; processed inline. Returns the tweet id."""
        self.n += 1
        tweet_id = str(1850000000000000000 + self.n)
        payload = self.fake.mention(text, tweet_id, user_id=user_id, handle=handle,
                                    followers=followers, at=clock.now(), **extra)
        body, headers = self.fake.signed(payload)
        r = self.client.post(f"/webhooks/x/{self.x['id']}", content=body, headers=headers)
        assert r.status_code == 200, r.text
        drain()
        return tweet_id

    def conversation_of(self, tweet_id: str) -> int:
        from sqlalchemy import select

        from crowdcare.store import db
        from crowdcare.store import models as m

        with db.session_scope() as session:
            return session.scalar(select(m.Message.conversation_id).where(
                m.Message.external_id == tweet_id))

    def queue(self, email: str) -> list[dict]:
        r = self.client.get("/api/v1/community/queue", headers=self.headers(email))
        assert r.status_code == 200, r.text
        return r.json()["items"]

    def claim(self, email: str, conversation_id: int):
        return self.client.post(f"/api/v1/community/mentions/{conversation_id}/claim",
                                headers=self.headers(email))

    def answer(self, email: str, conversation_id: int, text: str):
        return self.client.post(f"/api/v1/community/mentions/{conversation_id}/answer",
                                json={"text": text}, headers=self.headers(email))

    def approve(self, answer_id: int, text: str | None = None):
        r = self.client.post(f"/api/v1/community/answers/{answer_id}/approve",
                             json={"text": text}, headers=self.ws.agent)
        assert r.status_code == 200, r.text
        drain()
        return r.json()

    def tweets(self) -> list[dict]:
        return [r for r in self.fake.requests if r["method"] == "POST"
                and r["path"] == "/2/tweets"]


@pytest.fixture
def community(cli, client, fake_x) -> Community:
    ws = make_workspace(cli, "Acme Outdoor")
    point_platforms(x=fake_x.base)
    x = cli.json("channel", "add", "x", "-w", str(ws.id), "--consumer-secret", SECRET,
                 "--access-token", TOKEN, "--user-id", USER_ID, "--handle", "acme")
    return Community(cli, client, ws, x, fake_x)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, email: str, password: str = PW):
    client.cookies.clear()
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf(page.text)}, follow_redirects=False)
