"""The state rules over HTTP: message sequences and agent actions → the ticket's route,
priority and escalation, with what set them (the table in docs/conversation-state.md).

Customers write through the real webhooks (the API channel; Messenger for postbacks and
quick replies), agents act through the REST API; the expectations name each message's own
triage priority ("own 1": the first message's), never a hard-coded figure, so the rules are
what is tested, not the models."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from messenger.helpers import body, event
from support.fixtures import drain

WHERE = "Hi, where is my order NW-1001? It was due on Monday."
LAWYER = "I'm done with you. Cancel my account, I'm taking this to my lawyer."
CRASH = "The app crashes every time I open my order history on Android."
NEWS = "Any news on my order? Still waiting."
SOLVED = "Thanks, all sorted now"

# (name, steps, expected): steps are customer messages (text, or (text, minutes ago)),
# ("messenger", text) / ("postback", payload) / ("quick", text, payload) on Messenger, and
# agent actions answer | clear | escalate | solve | ("priority", n). "own 2", "set_by": 2
# name the conversation's second customer message.
TABLE = [
    ("a request opens a ticket at its own priority",
     [WHERE], {"ticket": True, "route": "tier1", "priority": "own 1", "escalated": False,
               "set_by": 1}),
    ("route follows the latest request",
     [CRASH, WHERE], {"route": "tier1", "route_by": 2, "escalated": False}),
    ("an escalation survives the customer's next message",
     [LAWYER, NEWS], {"route": "escalation", "escalated": True, "route_by": 1,
                      "priority": "max own", "unanswered": 2}),
    ("an agent clears it: the latest other route comes back",
     [CRASH, LAWYER, "clear"], {"route": "tier2", "escalated": False,
                                "why": "escalation cleared by"}),
    ("cleared with no other request: staff (tier1)",
     [LAWYER, "clear", NEWS], {"route": "tier1", "escalated": False, "route_by": 2}),
    ("an agent may escalate, and it holds",
     [WHERE, "escalate", NEWS], {"route": "escalation", "escalated": True}),
    ("the agent's answer drops the priority; the escalation holds",
     [LAWYER, "answer"], {"priority": 0, "escalated": True, "unanswered": 0,
                          "why": "waiting for the customer"}),
    ("the customer's next request after an answer sets it again",
     [LAWYER, "answer", NEWS], {"priority": "own 2", "set_by": 2, "escalated": True}),
    ("the customer says it is solved: priority falls, nothing opens",
     [WHERE, SOLVED], {"priority": 0, "unanswered": 0, "why": "says it is solved",
                       "route": "tier1"}),
    ("a lone 'solved' opens no ticket",
     [SOLVED], {"ticket": False}),
    ("a greeting opens no ticket",
     ["Hi there!"], {"ticket": False}),
    ("a greeting, then a request: the request sets it",
     ["Hello", WHERE], {"ticket": True, "priority": "own 2", "set_by": 2}),
    ("Get Started (a postback) opens no ticket",
     [("postback", "GET_STARTED")], {"ticket": False}),
    ("a quick-reply tap opens no ticket",
     [("quick", "Track my order", "TRACK")], {"ticket": False}),
    ("a postback on an open ticket changes nothing",
     [("messenger", WHERE), ("postback", "WISMO")], {"priority": "own 1", "set_by": 1,
                                                     "unanswered": 1}),
    ("priority is the highest unanswered request plus the oldest one's waiting",
     [(NEWS, 60), LAWYER], {"priority": "own 2 + wait 60", "set_by": 2, "unanswered": 2,
                            "why": "waiting"}),
    ("an agent's priority holds over a lower request",
     [WHERE, ("priority", 95), NEWS], {"priority": 95, "why": "set by"}),
    ("an agent's priority ends with the answer",
     [WHERE, ("priority", 95), "answer"], {"priority": 0}),
    ("solving ends the escalation; the follow-on starts fresh",
     [LAWYER, "solve", NEWS], {"ticket": True, "escalated": False, "follows": True,
                               "priority": "own 2"}),
]


@pytest.fixture
def chat(client, page):
    return Chat(client, page)


class Chat:
    """One customer on the API channel (c-1) and the same workspace's Messenger page."""

    def __init__(self, client, page):
        self.client, self.page, self.ws = client, page, page.ws
        self.n = 0
        self.channel = "api"

    def say(self, text: str, minutes_ago: float = 0) -> None:
        self.n += 1
        at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        r = self.client.post(self.ws.webhook, headers=self.ws.inbound, json={
            "id": f"s-{self.n}", "customer": {"id": "c-1", "name": "Maya Chen"}, "text": text,
            "timestamp": at.isoformat()})
        assert r.status_code == 200, r.text
        drain()

    def messenger(self, content: dict) -> None:
        self.n += 1
        self.channel = "messenger"
        r = self.page.post(self.client, body(event("psid-1", content,
                                                   ts=int(time.time() * 1000))))
        assert r.status_code == 200, r.text
        drain()

    def conversation(self) -> dict | None:
        items = self.client.get("/api/v1/conversations", params={"status": "all"},
                                headers=self.ws.agent).json()["items"]
        mine = [c for c in items if c["channel"] == self.channel]
        if not mine:
            return None
        return self.client.get(f"/api/v1/conversations/{mine[0]['id']}",
                               headers=self.ws.agent).json()

    def ticket(self) -> dict:
        return self.conversation()["ticket"]

    def act(self, step) -> None:
        agent = self.ws.agent
        if isinstance(step, tuple) and step[0] == "priority":
            r = self.client.patch(f"/api/v1/tickets/{self.ticket()['id']}",
                                  json={"priority": step[1]}, headers=agent)
        elif step == "answer":
            r = self.client.post(f"/api/v1/conversations/{self.conversation()['id']}/replies",
                                 json={"text": "Looking into it now."}, headers=agent)
        elif step in ("clear", "escalate"):
            r = self.client.post(f"/api/v1/tickets/{self.ticket()['id']}/escalation",
                                 json={"action": step}, headers=agent)
        elif step == "solve":
            r = self.client.patch(f"/api/v1/tickets/{self.ticket()['id']}",
                                  json={"status": "solved"}, headers=agent)
        else:
            raise AssertionError(f"unknown step {step!r}")
        assert r.status_code in (200, 201), r.text
        drain()


def _steps(chat: Chat, steps: list) -> None:
    for step in steps:
        if isinstance(step, str) and step not in ("answer", "clear", "escalate", "solve"):
            chat.say(step)
        elif isinstance(step, tuple) and step[0] == "postback":
            chat.messenger({"postback": {"mid": f"m_pb{chat.n}", "title": "Get Started",
                                         "payload": step[1]}})
        elif isinstance(step, tuple) and step[0] == "messenger":
            chat.messenger({"message": {"mid": f"m_t{chat.n}", "text": step[1]}})
        elif isinstance(step, tuple) and step[0] == "quick":
            chat.messenger({"message": {"mid": f"m_q{chat.n}", "text": step[1],
                                        "quick_reply": {"payload": step[2]}}})
        elif isinstance(step, tuple) and isinstance(step[1], (int, float)) \
                and step[0] != "priority":
            chat.say(step[0], minutes_ago=step[1])
        else:
            chat.act(step)


def _expected_priority(spec, own: list[int]) -> int:
    if isinstance(spec, int):
        return spec
    if spec == "max own":
        return max(own)
    parts = spec.split()
    value = own[int(parts[1]) - 1]
    if "wait" in parts:
        minutes = float(parts[-1])
        value += round(15 * min(1.0, minutes / 120))
    return min(100, value)


def _own(messages: list[dict]) -> list[int]:
    """Each customer message's own priority, without its waiting share."""
    out = []
    for msg in messages:
        if msg["direction"] != "inbound":
            continue
        reasons = (msg["triage"] or {}).get("priority", {}).get("reasons", [])
        waiting = sum(int(r.split(":")[1]) for r in reasons if r.startswith("waiting"))
        out.append(msg["priority"] - waiting)
    return out


@pytest.mark.parametrize("name, steps, expected", TABLE, ids=[row[0] for row in TABLE])
def test_state_rules(chat, name, steps, expected):
    _steps(chat, steps)
    conv = chat.conversation()
    if expected.get("ticket") is False:
        assert conv is None or conv["ticket"] is None, conv and conv["ticket"]
        assert conv is None or conv["status"] == "closed"
        return
    ticket, state = conv["ticket"], conv["ticket"]["state"]
    inbound = [msg for msg in conv["messages"] if msg["direction"] == "inbound"]
    own = _own(conv["messages"])
    # the conversation the inbox lists shows the ticket's figures
    assert (conv["priority"], conv["route"]) == (ticket["priority"], ticket["route"])
    if "route" in expected:
        assert ticket["route"] == expected["route"], state
    if "escalated" in expected:
        assert (state.get("escalation") is not None) == expected["escalated"], state
    if "priority" in expected:
        assert ticket["priority"] == _expected_priority(expected["priority"], own), state
    if "set_by" in expected:
        assert state["priority_message_id"] == inbound[expected["set_by"] - 1]["id"], state
    if "route_by" in expected:
        assert state["route_message_id"] == inbound[expected["route_by"] - 1]["id"], state
    if "unanswered" in expected:
        assert state["unanswered"] == expected["unanswered"], state
    if "why" in expected:
        said = " ".join(state["factors"] + [state["route_why"]])
        assert expected["why"] in said, state
    if "follows" in expected:
        assert ticket["follows_ticket_id"] is not None


def test_escalation_actions_refuse_what_does_not_apply(chat):
    chat.say(WHERE)
    tid = chat.ticket()["id"]
    agent = chat.ws.agent
    r = chat.client.post(f"/api/v1/tickets/{tid}/escalation", json={"action": "clear"},
                         headers=agent)
    assert r.status_code == 409 and "not escalated" in r.json()["detail"]
    assert chat.client.post(f"/api/v1/tickets/{tid}/escalation", json={"action": "escalate"},
                            headers=agent).status_code == 200
    r = chat.client.post(f"/api/v1/tickets/{tid}/escalation", json={"action": "escalate"},
                         headers=agent)
    assert r.status_code == 409 and "already" in r.json()["detail"]
    r = chat.client.post(f"/api/v1/tickets/{tid}/escalation", json={"action": "drop"},
                         headers=agent)
    assert r.status_code == 422
    assert chat.client.post(f"/api/v1/tickets/{tid}/escalation", json={"action": "clear"},
                            headers={}).status_code == 401
