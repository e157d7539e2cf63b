"""Training is deterministic and learns from agents' corrections; the eval CLI's output."""
import gzip
import json

import pytest
from typer.testing import CliRunner

from crowdcare.cli import app
from crowdcare.pipeline.triage import model as model_mod
from crowdcare.pipeline.triage import train
from crowdcare.pipeline.triage.sentiment import vader_dense
from crowdcare.store import models as m
from support.fixtures import drain

CAP = 1
CORRECTED = "the courier left my parcel with the neighbours again"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, shared_corpora):
    path = tmp_path_factory.mktemp("model") / "a.json.gz"
    train.train(path, cap=CAP, source=shared_corpora, log=lambda *a: None)
    return path


def p_service(path, text):
    mod = model_mod.read(path)
    return mod.probs(mod.logits(mod.vectorize(text, vader_dense(text))), "service_related")[True]


def test_training_is_deterministic(small_model, tmp_path, shared_corpora):
    again = tmp_path / "b.json.gz"
    r = run("triage", "train", "--cap", CAP, "--out", again, "--no-db", "--source",
            shared_corpora)
    assert r.exit_code == 0, r.output
    assert "held-out" in r.output and "wrote" in r.output
    assert again.read_bytes() == small_model.read_bytes()
    doc = json.loads(gzip.decompress(again.read_bytes()))
    assert doc["info"]["cap"] == CAP and doc["info"]["corrections"] is False
    assert set(doc["heads"]) == {"sentiment", "service_related", "intent", "anger", "language"}


def test_training_says_what_is_missing(tmp_path):
    r = run("triage", "train", "--cap", CAP, "--out", tmp_path / "m.json.gz", "--no-db",
            "--source", tmp_path)
    assert r.exit_code == 2 and "training data missing under" in r.output
    assert "--source DIR" in r.output


def test_agents_corrections_feed_the_next_training(cli, workspace, client, small_model,
                                                   tmp_path, shared_corpora):
    r = client.post(workspace.webhook, json={"id": "m1", "customer": {"id": "c1"},
                                             "text": CORRECTED}, headers=workspace.inbound)
    assert r.status_code == 200, r.text
    drain()
    msg = client.get("/api/v1/conversations", headers=workspace.agent).json()["items"][0]
    [message] = client.get(f"/api/v1/conversations/{msg['id']}",
                           headers=workspace.agent).json()["messages"]
    assert message["triage"]["service_related"]["reasons"] and message["route_reasons"]
    url = f"/api/v1/messages/{message['id']}/triage"
    bad = client.post(url, json={"field": "sentiment", "value": "furious"},
                      headers=workspace.agent)
    assert bad.status_code == 422 and "negative, neutral, positive" in bad.json()["detail"]
    assert client.post(url, json={"field": "mood", "value": "x"},
                       headers=workspace.agent).status_code == 422
    for field, value in (("service_related", True), ("intent", "shipping")):
        r = client.post(url, json={"field": field, "value": value, "note": "courier issue"},
                        headers=workspace.agent)
        assert r.status_code == 201, r.text
        assert r.json()["value"] == str(value).lower() and r.json()["agent_id"]
    from crowdcare.store import db
    with db.session_scope() as s:
        rows = s.query(m.TriageCorrection).order_by(m.TriageCorrection.id).all()
        assert [(c.field, c.new_value, c.text) for c in rows] == [
            ("service_related", "true", CORRECTED), ("intent", "shipping", CORRECTED)]
        events = [e.name for e in s.query(m.Event).all()]
        assert events.count("triage.corrected") == 2
    shown = client.get(f"/api/v1/conversations/{msg['id']}",
                       headers=workspace.agent).json()["messages"][0]["triage"]
    assert shown["intent"]["corrected"]["value"] == "shipping"

    out = tmp_path / "corrected.json.gz"
    r = cli("triage", "train", "--cap", CAP, "--out", out, "--source", shared_corpora)
    assert "2 stored corrections" in r.output
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["info"]["corrections"] is True
    assert out.read_bytes() != small_model.read_bytes()
    assert p_service(out, CORRECTED) > p_service(small_model, CORRECTED)
    assert p_service(out, CORRECTED) > 0.5


def test_eval_cli_json_shape(tmp_path):
    f = tmp_path / "gold.jsonl"
    rows = [
        {"text": "where is my order?", "service_related": True, "intent": "order_status",
         "route": "tier1"},
        {"text": "love this brand!", "service_related": False, "sentiment": "positive",
         "public": True, "route": "ignore"},
        {"text": "worst service ever", "sentiment": "negative"},
        {"text": "the app crashes with error 500", "intent": "technical", "route": "tier2"},
        {"text": "", "sentiment": "negative"},                       # bad: empty text
        {"text": "hi", "sentiment": "so-so"},                        # bad: unknown label
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    r = run("triage", "eval", f, "--json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert set(rep) >= {"service_related", "sentiment", "intent", "route",
                        "messages_per_second", "rows", "bad_rows"}
    assert rep["rows"] == 4 and rep["bad_rows"] == 3 and rep["messages_per_second"] > 0
    for k in ("precision", "recall", "f1"):
        assert 0 <= rep["service_related"][k] <= 1
    assert {"macro_f1", "accuracy", "per_label", "confusion"} <= set(rep["sentiment"])
    assert rep["sentiment"]["per_label"]["positive"]["support"] == 1
    assert "vader_baseline_macro_f1" in rep["sentiment"]
    assert rep["intent"]["confusion"]["labels"] and rep["route"]["n"] == 3
    assert "line 5" not in r.stdout and "skipped" in r.stderr


def test_eval_cli_reads_csv_and_prints_tables(tmp_path):
    f = tmp_path / "gold.csv"
    f.write_text("text,service_related,sentiment\n"
                 "where is my parcel?,true,neutral\n"
                 "great match tonight,false,positive\n"
                 "I hate waiting,yes,negative\n")
    r = run("triage", "eval", f)
    assert r.exit_code == 0, r.output
    assert "== service_related (3 rows)" in r.stdout and "confusion" in r.stdout
    assert "messages/second" in r.stdout


def test_explain_cli(tmp_path):
    r = run("triage", "explain", "I will sue you if my refund doesn't arrive", "--public",
            "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["route"]["route"] == "escalation"
    assert set(data["triage"]) >= {"language", "sentiment", "service_related", "intent",
                                   "anger", "technical", "pii", "influence", "priority"}
    r = run("triage", "explain", "hi, where is my order?", "--public")
    assert "route" in r.stdout and "fallback from community" in r.stdout


def test_explain_uses_the_workspace_rules_keywords_and_vips(cli, workspace, client):
    r = client.post("/api/v1/routing-rules", headers=workspace.admin, json={
        "name": "zigbee team", "when": {"technical": True}, "then": {"team": "Hardware"}})
    assert r.status_code == 201, r.text
    r = client.put("/api/v1/triage/settings", headers=workspace.admin, json={
        "keywords": {"technical": ["zigbee"]}, "vip_handles": ["@BigFan"]})
    assert r.status_code == 200 and r.json()["vip_handles"] == ["bigfan"]
    data = cli.json("triage", "explain", "my zigbee hub is flaky", "-w", str(workspace.id),
                    "--public", "--handle", "bigfan")
    assert data["route"]["team"] == "Hardware" and data["route"]["route"] == "tier2"
    assert data["triage"]["influence"]["value"] >= 0.9      # the VIP list


def test_eval_reads_anger_and_language_and_breaks_scores_down_by_language(tmp_path):
    f = tmp_path / "gold.jsonl"
    rows = [
        {"text": "you useless idiots lost my bag AGAIN!!!", "anger": True, "language": "en",
         "sentiment": "negative"},
        {"text": "what a lovely morning for a walk", "anger": "false", "language": "en"},
        {"text": "진짜 화나네요 환불해 주세요", "anger": True, "language": "ko"},
        {"text": "배송이 빨라서 좋아요", "anger": False, "language": "ko",
         "sentiment": "positive"},
        {"text": "¿dónde está mi pedido?", "language": "ES"},
        {"text": "x", "language": "english"},                       # bad: not ISO 639-1
        {"text": "y", "anger": "sometimes"},                         # bad: not a boolean
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    r = run("triage", "eval", f, "--json", "--by", "language")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["rows"] == 5 and rep["bad_rows"] == 2
    assert set(rep["anger"]) >= {"precision", "recall", "f1"} and rep["anger"]["n"] == 4
    assert rep["language"]["n"] == 5 and 0 <= rep["language"]["accuracy"] <= 1
    by = rep["by_language"]
    assert set(by) == {"en", "ko", "es"}
    assert by["en"]["rows"] == 2 and by["en"]["anger"]["n"] == 2
    assert by["ko"]["anger"]["n"] == 2 and by["ko"]["sentiment"]["n"] == 1
    assert by["es"]["language"]["n"] == 1 and "anger" not in by["es"]
    text = run("triage", "eval", f, "--by", "language")
    assert "== anger" in text.stdout and "== language ko (2 rows)" in text.stdout
    assert run("triage", "eval", f, "--by", "colour").exit_code == 2
