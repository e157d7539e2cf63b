"""CSAT and NPS surveys end to end: a solved ticket, the question as Messenger quick replies
through the fake Graph API, the customer's tap stored with the responder it rates; skips with
their reasons; the cooldowns; the score arithmetic."""
from datetime import timedelta

import httpx
from sqlalchemy import select

from crowdcare import clock
from crowdcare.outbound.surveys import in_sample, score_of
from crowdcare.store import db
from crowdcare.store import models as m
from messenger.helpers import customer, rows
from support.fixtures import drain


def solved_ticket(client, page, psid="psid-1", text="Where is my order NW-1001? It is late"):
    """The customer asks, Ana answers, Ana solves: the ticket's id."""
    customer(page, "message", psid=psid, text=text)
    drain()
    with db.session_scope() as s:
        ticket = s.scalar(select(m.Ticket).join(m.Conversation).join(m.Identity)
                          .where(m.Identity.external_id == psid)
                          .order_by(m.Ticket.id.desc()).limit(1))
        ticket_id, conversation_id = ticket.id, ticket.conversation_id
    r = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                    json={"text": "It ships today, sorry for the wait."}, headers=page.ws.agent)
    assert r.status_code == 201, r.text
    drain()
    r = client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "solved"},
                     headers=page.ws.agent)
    assert r.status_code == 200, r.text
    return ticket_id


def survey_sends(page):
    return [r["body"] for r in page.requests("/me/messages")
            if "SURVEY:" in str(r["body"]) or "How " in str(r["body"])]


def test_csat_quick_replies_answer_and_comment_stored_with_the_responder(client, live_page, cli):
    page = live_page
    assert cli.json("survey", "set", "csat", "--delay", "30", "-w", str(page.ws.id))[
        "enabled"] is True
    ticket_id = solved_ticket(client, page)
    with db.session_scope() as s:
        first_response = s.get(m.Ticket, ticket_id).first_response_at
    clock.travel(timedelta(minutes=10))
    assert cli.json("survey", "tick")["surveys"] == 0          # the delay has not passed
    clock.travel(timedelta(minutes=21))
    assert cli.json("sweep")["surveys"] == 1                   # the sweep's due work
    assert cli.json("survey", "tick")["surveys"] == 0          # once per ticket
    drain()
    [sent] = survey_sends(page)
    [survey] = rows(m.Survey)
    assert sent["messaging_type"] == "RESPONSE"
    assert sent["message"]["text"].startswith("How did we do?")
    assert [q["payload"] for q in sent["message"]["quick_replies"]] == [
        f"SURVEY:{survey.id}:{n}" for n in range(1, 6)]
    assert (survey.status, survey.control, survey.ticket_id) == ("asked", "quick_replies",
                                                                 ticket_id)
    [question] = rows(m.Message, m.Message.id == survey.message_id)
    assert question.author == "system" and question.meta["automation"] == "csat"
    assert question.status == "sent" and question.ticket_id == ticket_id

    customer(page, "message", psid="psid-1", text="4 🙂", quick_reply=f"SURVEY:{survey.id}:4")
    drain()
    [survey] = rows(m.Survey)
    assert (survey.status, survey.score, survey.answered_via) == ("answered", 4, "quick_reply")
    assert (survey.responder, survey.responder_agent_id) == ("agent", page.ws.agent_id)
    texts = [r["body"]["message"].get("text", "") for r in page.requests("/me/messages")]
    assert texts[-1] == "Thank you! If you'd like to tell us more, just write it here."
    customer(page, "message", psid="psid-1", text="The courier was late though")
    drain()
    [survey] = rows(m.Survey)
    assert survey.comment == "The courier was late though"
    [comment] = rows(m.Message, m.Message.text == "The courier was late though")
    assert comment.triage is not None                           # a triaged message too
    with db.session_scope() as s:    # the survey's messages are no first response
        assert s.get(m.Ticket, ticket_id).first_response_at == first_response
        names = s.scalars(select(m.Event.name)).all()
    assert names.count("survey.answered") == 2                  # the score, then the comment

    listed = client.get("/api/v1/surveys", headers=page.ws.agent).json()
    assert listed["summary"]["csat"] == {"score": 100.0, "answers": 1, "asked": 1, "skipped": 0}
    assert listed["items"][0]["comment"] == "The courier was late though"
    text = cli("survey", "list", "-w", str(page.ws.id)).stdout
    assert "CSAT: 100.0 (1 answers" in text and "score 4" in text


def test_a_typed_number_answers_and_a_replayed_tap_changes_nothing(client, live_page, cli):
    page = live_page
    cli("survey", "set", "csat", "--delay", "0", "-w", str(page.ws.id))
    solved_ticket(client, page)
    cli("survey", "tick")
    drain()
    customer(page, "message", psid="psid-1", text="2 items are still missing from NW-1001")
    drain()
    assert rows(m.Survey)[0].status == "asked"                 # a message, not a score
    customer(page, "message", psid="psid-1", text="2 - slow answer")
    drain()
    [survey] = rows(m.Survey)
    assert (survey.score, survey.answered_via, survey.comment) == (2, "text", "slow answer")
    customer(page, "message", psid="psid-1", text="5", quick_reply=f"SURVEY:{survey.id}:5")
    drain()
    assert rows(m.Survey)[0].score == 2                         # once: the first answer holds


def test_survey_skipped_with_its_reason_when_the_window_closed(client, live_page, cli):
    page = live_page
    cli("survey", "set", "csat", "--delay", "60", "-w", str(page.ws.id))
    ticket_id = solved_ticket(client, page)
    page.fake.requests.clear()
    clock.travel(timedelta(hours=25))
    assert cli.json("survey", "tick")["surveys"] == 1
    drain()
    [survey] = rows(m.Survey)
    assert survey.status == "skipped" and survey.ticket_id == ticket_id
    assert "the policy gate refused" in survey.reason and "24 hours window closed" in survey.reason
    assert page.requests("/me/messages") == []                  # nothing went out
    [blocked] = rows(m.Message, m.Message.status == "blocked")
    assert blocked.error == survey.reason and blocked.author == "system"
    skipped = client.get("/api/v1/surveys?status=skipped", headers=page.ws.agent).json()
    assert skipped["items"][0]["reason"] == survey.reason


def test_csat_at_most_once_per_customer_per_7_days(client, live_page, cli):
    page = live_page
    cli("survey", "set", "csat", "--delay", "0", "-w", str(page.ws.id))
    solved_ticket(client, page)
    cli("survey", "tick")
    clock.travel(timedelta(days=2))
    solved_ticket(client, page, text="My parcel NW-1002 arrived damaged, what now?")
    cli("survey", "tick")
    first, second = rows(m.Survey)
    assert first.status == "asked" and second.status == "skipped"
    assert "at most once per 7 days" in second.reason and "2.0 days ago" in second.reason
    clock.travel(timedelta(days=6))
    solved_ticket(client, page, text="Can I change the address on order NW-1003?")
    cli("survey", "tick")
    assert rows(m.Survey)[-1].status == "asked"                 # 8 days after the first


def test_nps_after_a_solved_ticket_once_per_90_days_and_settable(client, live_page, cli):
    page = live_page
    ws = str(page.ws.id)
    made = cli.json("survey", "set", "nps", "--delay", "0", "-w", ws)
    assert made["cooldown_days"] == 90 and made["sample_percent"] == 100
    solved_ticket(client, page)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    sent = survey_sends(page)[-1]
    assert [q["title"] for q in sent["message"]["quick_replies"]] == [str(n) for n in range(11)]
    customer(page, "message", psid="psid-1", text="9", quick_reply=f"SURVEY:{survey.id}:9")
    drain()
    clock.travel(timedelta(days=30))
    solved_ticket(client, page, text="Where is my refund for NW-1002?")
    cli("survey", "tick")
    assert "at most once per 90 days" in rows(m.Survey)[-1].reason
    cli("survey", "set", "nps", "--cooldown-days", "20", "-w", ws)
    clock.travel(timedelta(days=1))
    solved_ticket(client, page, text="Where is my refund for NW-1003?")
    cli("survey", "tick")
    assert rows(m.Survey)[-1].status == "asked"
    summary = client.get("/api/v1/surveys?kind=nps", headers=page.ws.agent).json()["summary"]
    assert summary["nps"]["score"] == 100.0 and summary["nps"]["skipped"] == 1


def test_one_question_per_ticket_csat_first(client, live_page, cli):
    page = live_page
    cli("survey", "set", "csat", "--delay", "0", "-w", str(page.ws.id))
    cli("survey", "set", "nps", "--delay", "0", "-w", str(page.ws.id))
    solved_ticket(client, page)
    cli("survey", "tick")
    csat, nps = rows(m.Survey)
    assert (csat.kind, csat.status) == ("csat", "asked")
    assert (nps.kind, nps.status) == ("nps", "skipped") and "one question per ticket" in nps.reason


def test_score_arithmetic():
    assert score_of("csat", []) is None
    assert score_of("csat", [5, 4, 3, 1]) == 50.0
    assert score_of("csat", [4, 4, 5]) == 100.0
    # 3 promoters, 2 passives, 5 detractors of 10: 30 - 50
    assert score_of("nps", [10, 9, 9, 8, 7, 6, 5, 0, 3, 6]) == -20.0
    assert score_of("nps", [7, 8]) == 0.0
    assert score_of("nps", [9]) == 100.0 and score_of("nps", [0, 6]) == -100.0
    share = sum(in_sample(i, 20) for i in range(1, 1001))
    assert 150 < share < 250 and all(in_sample(i, 100) for i in range(1, 50))
    assert not any(in_sample(i, 0) for i in range(1, 50))


def test_settings_refusals(client, workspace, cli):
    r = client.put("/api/v1/surveys/settings/csat", json={"delay_minutes": -1},
                   headers=workspace.admin)
    assert r.status_code == 422
    r = client.put("/api/v1/surveys/settings/csat", json={"sample_percent": 10},
                   headers=workspace.admin)
    assert r.status_code == 422 and "sample_percent" in r.text
    r = client.put("/api/v1/surveys/settings/ces", json={}, headers=workspace.admin)
    assert r.status_code == 422
    assert client.put("/api/v1/surveys/settings/nps", json={"enabled": True},
                      headers=workspace.agent).status_code == 403
    r = client.put("/api/v1/surveys/settings/nps", json={"enabled": True, "sample_percent": 25},
                   headers=workspace.admin)
    assert r.status_code == 200 and r.json()["sample_percent"] == 25
    assert client.get("/api/v1/surveys/settings", headers=workspace.agent).json()["nps"][
        "enabled"] is True
    bad = cli("survey", "set", "ces", ok=False)
    assert bad.exit_code == 2 and "csat or nps" in bad.output
    assert httpx.codes.OK == 200
