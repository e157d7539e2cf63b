"""Surveys' opt-out, NPS to customers active without a solved ticket, and the question in the
customer's language: through the fake Graph API (the customer writes, crowdcare sends)."""
from datetime import timedelta

from crowdcare import clock
from crowdcare.store import db
from crowdcare.store import models as m
from messenger.helpers import customer, rows
from support.fixtures import drain
from web.test_admin_actions import flash_of
from web.test_console_http import (  # noqa: F401 - fixtures
    callback_url,
    csrf,
    first_conversation,
    login,
    say,
    shop,
)

from .test_surveys import solved_ticket, survey_sends


def texts(page) -> list[str]:
    return [r["body"]["message"].get("text", "") for r in page.requests("/me/messages")]


def test_a_stop_reply_opts_out_and_later_surveys_are_skipped(client, live_page, cli):
    page = live_page
    cli("survey", "set", "csat", "--delay", "0", "--cooldown-days", "1", "-w", str(page.ws.id))
    solved_ticket(client, page)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    assert survey.status == "asked"
    customer(page, "message", psid="psid-1", text="STOP!")
    drain()
    [customer_row] = rows(m.Customer)
    assert customer_row.surveys_opted_out_at is not None
    assert customer_row.surveys_opt_out_via == f"replied 'STOP!' to CSAT survey {survey.id}"
    assert texts(page)[-1] == "Understood: we won't send you these questions any more."
    [survey] = rows(m.Survey)
    assert survey.status == "asked" and survey.score is None   # "stop" is no score

    clock.travel(timedelta(days=2))                             # past the cooldown
    second = solved_ticket(client, page, text="My parcel NW-1002 is damaged, what now?")
    sent_before = len(survey_sends(page))
    cli("survey", "tick")
    drain()
    skipped = [s for s in rows(m.Survey) if s.ticket_id == second]
    assert [(s.status, s.reason) for s in skipped] == [("skipped", "opted out")]
    assert len(survey_sends(page)) == sent_before
    listed = cli.json("survey", "list", "--status", "skipped")["items"]
    assert listed[0]["reason"] == "opted out"

    # staff turn surveys back on for the customer (API), and off again (CLI)
    r = client.delete(f"/api/v1/customers/{customer_row.id}/survey-opt-out",
                      headers=page.ws.agent)
    assert r.status_code == 200 and r.json()["surveys_opted_out_at"] is None
    done = cli.json("survey", "opt-out", str(customer_row.id))
    assert done["surveys_opted_out_at"] and done["surveys_opt_out_via"] == "recorded with the CLI"
    r = client.put(f"/api/v1/customers/{customer_row.id}/survey-opt-out", headers=page.ws.agent)
    assert r.status_code == 200 and r.json()["surveys_opt_out_via"] == "recorded with the CLI"
    assert client.put("/api/v1/customers/999999/survey-opt-out",
                      headers=page.ws.agent).status_code == 404
    assert "customer 999999 not found" in cli("survey", "opt-out", "999999", ok=False).stderr


def test_opt_out_words_in_other_languages_and_not_in_a_sentence(client, live_page, cli):
    from crowdcare.outbound.survey_words import is_opt_out

    for word in ("stop", "Unsubscribe.", "Abmelden", "désabonner", "darme de baja",
                 "Disiscrivimi", "cancelar inscrição", "afmelden", " STOPP "):
        assert is_opt_out(word), word
    for text in ("stop charging me twice", "5", "where is my order?", "", None):
        assert not is_opt_out(text), text
    page = live_page
    cli("survey", "set", "csat", "--delay", "0", "-w", str(page.ws.id))
    solved_ticket(client, page, text="Where is my order NW-1001? It is late")
    cli("survey", "tick")
    drain()
    customer(page, "message", psid="psid-1", text="stop charging me twice")
    drain()
    assert rows(m.Customer)[0].surveys_opted_out_at is None    # a message, not an opt-out


def _activity(page, psid, text):
    customer(page, "message", psid=psid, text=text)
    drain()


def test_nps_reaches_a_sample_of_active_customers_without_a_solved_ticket(client, live_page,
                                                                          cli):
    page = live_page
    made = cli.json("survey", "set", "nps", "--delay", "60", "-w", str(page.ws.id))
    assert made["sample_percent"] == 100
    _activity(page, "psid-fan", "I love the new jackets, the colours are great")
    solved_ticket(client, page, psid="psid-solved")              # asked the ticket way
    with db.session_scope() as s:
        assert not s.query(m.Ticket).join(m.Conversation).join(m.Identity).filter(
            m.Identity.external_id == "psid-fan").count()       # no ticket for the fan
    clock.travel(timedelta(minutes=30))
    assert cli.json("survey", "tick")["surveys"] == 0           # still within the delay
    clock.travel(timedelta(minutes=31))
    assert cli.json("survey", "tick")["surveys"] == 2           # the fan and the solved one
    drain()
    surveys = rows(m.Survey)
    by_ticket = {s.ticket_id is None: s for s in surveys}
    fan = by_ticket[True]
    assert (fan.kind, fan.status, fan.control) == ("nps", "asked", "quick_replies")
    assert by_ticket[False].status == "asked"
    [question] = rows(m.Message, m.Message.id == fan.message_id)
    assert question.ticket_id is None and question.meta["automation"] == "nps"
    sent = [b for b in survey_sends(page) if f"SURVEY:{fan.id}:" in str(b)]
    assert sent[0]["messaging_type"] == "RESPONSE"
    assert len(sent[0]["message"]["quick_replies"]) == 11
    # the fan's answer is stored like any other; no ticket to run rules on
    customer(page, "message", psid="psid-fan", text="9", quick_reply=f"SURVEY:{fan.id}:9")
    drain()
    [fan] = [s for s in rows(m.Survey) if s.id == fan.id]
    assert (fan.status, fan.score, fan.responder) == ("answered", 9, None)
    # once per customer per cooldown: they write again, nothing more is asked
    _activity(page, "psid-fan", "Also the socks are lovely")
    clock.travel(timedelta(minutes=61))
    assert cli.json("survey", "tick")["surveys"] == 0


def test_nps_to_active_customers_follows_the_window_sample_and_open_tickets(client, live_page,
                                                                            cli):
    page = live_page
    ws = str(page.ws.id)
    cli("survey", "set", "nps", "--delay", "0", "--sample", "0", "-w", ws)
    _activity(page, "psid-a", "I love the new jackets, the colours are great")
    assert cli.json("survey", "tick")["surveys"] == 0           # nobody in a 0 % sample
    assert rows(m.Survey) == []                                 # and nothing recorded
    cli("survey", "set", "nps", "--sample", "100", "-w", ws)
    clock.travel(timedelta(hours=25))                           # the window has closed
    assert cli.json("survey", "tick")["surveys"] == 0
    _activity(page, "psid-b", "Where is my order NW-1001? It is late")   # an open ticket
    assert cli.json("survey", "tick")["surveys"] == 0


def test_the_question_in_the_customers_language(client, live_page, cli):
    page = live_page
    ws = str(page.ws.id)
    cli("survey", "set", "csat", "--delay", "0", "-w", ws)
    solved_ticket(client, page, psid="psid-de",
                  text="Wo ist meine Bestellung NW-1001? Sie ist schon eine Woche zu spät")
    cli("survey", "tick")
    drain()
    with db.session_scope() as s:
        language = s.query(m.Conversation.language).join(m.Identity).filter(
            m.Identity.external_id == "psid-de").scalar()
    assert language == "de"
    assert texts(page)[-1] == ("Wie waren wir? Tippen Sie eine Zahl von 1 (schlecht) bis 5 "
                               "(sehr gut).")
    [survey] = rows(m.Survey)
    customer(page, "message", psid="psid-de", text="5", quick_reply=f"SURVEY:{survey.id}:5")
    drain()
    assert texts(page)[-1].startswith("Vielen Dank!")
    # the workspace's own words come first
    r = client.put("/api/v1/surveys/translations/fr", headers=page.ws.admin,
                   json={"csat": "Alors, c'était comment ? De 1 à 5."})
    assert r.status_code == 200 and r.json()["texts"] == {
        "csat": "Alors, c'était comment ? De 1 à 5."}
    solved_ticket(client, page, psid="psid-fr",
                  text="Où est ma commande NW-1003 ? Elle a une semaine de retard")
    cli("survey", "tick")
    drain()
    assert texts(page)[-1] == "Alors, c'était comment ? De 1 à 5."
    for body, reason in [({"csat_typed": "no link here"}, "must contain {link}"),
                         ({"csat": "x" * 700}, "")]:
        r = client.put("/api/v1/surveys/translations/de", headers=page.ws.admin, json=body)
        assert r.status_code == 422 and reason in r.text, r.text
    assert client.put("/api/v1/surveys/translations/german", headers=page.ws.admin,
                      json={"csat": "x"}).status_code == 422
    assert client.put("/api/v1/surveys/translations/de", headers=page.ws.agent,
                      json={"csat": "x"}).status_code == 403
    done = cli.json("survey", "translate", "it", "--text", "thanks=Grazie mille!")
    assert done["texts"] == {"thanks": "Grazie mille!"}


def test_an_agent_records_the_opt_out_in_the_console(client, shop):  # noqa: F811
    import html as html_lib

    ws = shop
    say(client, ws, 1, "Where is my order? It has not arrived")
    conv = first_conversation(client, ws)
    login(client, "ana@acme-apparel.test")
    r = client.post(f"/c/{conv}/surveys", data={"csrf_token": csrf(client), "opt_out": "1"})
    assert "No more surveys for this customer" in flash_of(r.text)
    panel = html_lib.unescape(client.get(f"/c/{conv}").text)
    assert "opted out" in panel and "recorded by ana@acme-apparel.test" in panel
    [customer_row] = rows(m.Customer)
    assert customer_row.surveys_opt_out_via == "recorded by ana@acme-apparel.test"
    r = client.post(f"/c/{conv}/surveys", data={"csrf_token": csrf(client), "opt_out": "0"})
    assert "Surveys again" in flash_of(r.text)
    assert rows(m.Customer)[0].surveys_opted_out_at is None
    assert client.post("/c/999999/surveys", data={"csrf_token": csrf(client)}).status_code == 404
