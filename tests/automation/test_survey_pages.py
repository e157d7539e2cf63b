"""The survey link's public page, the console's /surveys page with the scores, and the away
message's admin page, over HTTP."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crowdcare import clock
from crowdcare.store import models as m
from messenger.helpers import rows
from support.fixtures import drain, make_workspace
from web.test_console_http import PW, login, token


@pytest.fixture(scope="module")
def callback_url():
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread

    with serve_in_thread(CallbackReceiver().app) as base:
        yield f"{base}/callback"


@pytest.fixture
def shop(cli, callback_url):
    ws = make_workspace(cli, callback_url=callback_url)
    for email in ("admin@acme-apparel.test", "ana@acme-apparel.test"):
        cli("agent", "password", email, "--password", PW)
    cli("survey", "set", "csat", "--delay", "0", "-w", str(ws.id))
    return ws


def asked_survey(client, ws, cli) -> m.Survey:
    r = client.post(ws.webhook, headers=ws.inbound, json={
        "id": "in-1", "customer": {"id": "c-1", "name": "Maya <Chen>"},
        "text": "Where is my order NW-1001?"})
    assert r.status_code == 200
    drain()
    conv = client.get("/api/v1/conversations", headers=ws.agent).json()["items"][0]
    assert client.post(f"/api/v1/conversations/{conv['id']}/replies", json={
        "text": "On its way!"}, headers=ws.agent).status_code == 201
    ticket = client.get("/api/v1/tickets", headers=ws.agent).json()["items"][0]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=ws.agent)
    cli("survey", "tick")
    drain()
    [survey] = rows(m.Survey)
    return survey


def test_the_link_answers_once_escapes_and_expires(client, shop, cli):
    survey = asked_survey(client, shop, cli)
    assert survey.control == "quick_replies"      # the API channel passes them to its client
    [question] = rows(m.Message, m.Message.id == survey.message_id)
    link = question.meta["metadata"]["survey_link"]
    path = "/" + link.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "How did we do?" in page.text
    assert len(re.findall(r'name="score" value="\d"', page.text)) == 5
    bad = client.post(path, data={"score": "9"})
    assert bad.status_code == 422 and "from 1 to 5" in bad.text
    done = client.post(path, data={"score": "5", "comment": "<b>great</b> service"})
    assert done.status_code == 200 and "Thank you" in done.text
    [survey] = rows(m.Survey)
    assert (survey.score, survey.answered_via, survey.comment) == (5, "link",
                                                                   "<b>great</b> service")
    assert (survey.responder, survey.responder_agent_id) == ("agent", shop.agent_id)
    again = client.post(path, data={"score": "1"})
    assert again.status_code == 422 and "answered already" in again.text
    assert client.get(path[:-3] + "xyz").status_code == 404
    clock.travel(timedelta(days=15))
    try:
        expired = client.get(path)
        assert expired.status_code == 410 and "expired" in expired.text
    finally:
        clock.reset()

    assert login(client, "ana@acme-apparel.test").status_code == 303
    listing = client.get("/surveys")
    assert listing.status_code == 200
    assert 'data-score="100.0"' in listing.text
    assert "&lt;b&gt;great&lt;/b&gt; service" in listing.text and "<b>great" not in listing.text
    assert "Maya &lt;Chen&gt;" in listing.text
    assert 'action="/surveys/settings"' not in listing.text     # settings: admins only


def test_a_typed_number_on_the_api_channel(client, shop, cli):
    asked_survey(client, shop, cli)
    r = client.post(shop.webhook, headers=shop.inbound, json={
        "id": "in-2", "customer": {"id": "c-1"}, "text": "3"})
    assert r.status_code == 200
    drain()
    [survey] = rows(m.Survey)
    assert (survey.status, survey.score, survey.answered_via) == ("answered", 3, "text")


def test_admin_pages_set_surveys_and_the_away_message(client, shop):
    assert login(client, "admin@acme-apparel.test").status_code == 303
    page = client.get("/surveys")
    r = client.post("/surveys/settings", data={
        "csrf_token": token(page.text), "kind": "nps", "enabled": "on", "delay_minutes": "15",
        "cooldown_days": "60", "sample_percent": "30"}, follow_redirects=False)
    assert r.status_code == 303
    settings = client.get("/api/v1/surveys/settings", headers=shop.agent).json()["nps"]
    assert (settings["enabled"], settings["delay_minutes"], settings["sample_percent"]) == (
        True, 15, 30)
    away = client.get("/admin/away")
    assert away.status_code == 200
    r = client.post("/admin/away", data={
        "csrf_token": token(away.text), "text": "Closed; back {opens}", "enabled": "on",
        "instant_text": "About {wait} to wait"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/admin/away", data={
        "csrf_token": token(away.text), "language": "fr", "text": "Fermé ; retour {opens}"},
        follow_redirects=False)
    conf = client.get("/api/v1/away", headers=shop.agent).json()
    assert conf["enabled"] is True and conf["text"] == "Closed; back {opens}"
    assert conf["translations"] == {"fr": "Fermé ; retour {opens}"}
    assert "Fermé ; retour" in client.get("/admin/away").text
    login(client, "ana@acme-apparel.test")
    assert client.get("/admin/away").status_code == 403
