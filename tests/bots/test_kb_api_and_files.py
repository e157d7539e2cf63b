"""The knowledge base through the API and the CLI: CRUD with clear refusals, CSV and Markdown
import/export, `crowdcare bot eval` and `bot corpus`, and suggested FAQs from history."""
import json

import pytest

from bots.conftest import GIFT, RETURNS, SHIPPING, add_entries
from support.fixtures import drain


def test_entry_crud_and_refusals(client, workspace):
    [made] = add_entries(client, workspace, RETURNS)
    assert made["key"] == "returns" and [v["language"] for v in made["versions"]] == ["en", "es"]
    url = f"/api/v1/kb/entries/{made['id']}"
    again = client.post("/api/v1/kb/entries", json=RETURNS, headers=workspace.admin)
    assert again.status_code == 409 and again.json()["field"] == "key"
    for bad, field in ((dict(RETURNS, key="has space"), "key"),
                       (dict(RETURNS, key="x", intent="weather"), "intent"),
                       ({"versions": [{"language": "en", "questions": ["  "], "answer": "a"}]},
                        "questions"),
                       ({"versions": [{"language": "english!", "questions": ["q"],
                                       "answer": "a"}]}, "language")):
        r = client.post("/api/v1/kb/entries", json=bad, headers=workspace.admin)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert client.post("/api/v1/kb/entries", json=GIFT,
                       headers=workspace.agent).status_code == 403
    r = client.patch(url, json={"enabled": False, "versions": [
        {"language": "en", "questions": ["Can I return it?"], "answer": "Yes, 30 days."}]},
        headers=workspace.admin)
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert r.json()["versions"] == [{"language": "en", "questions": ["Can I return it?"],
                                     "answer": "Yes, 30 days."}]
    got = client.get(url, headers=workspace.agent).json()
    assert got["metrics"]["offered"] == 0 and got["metrics"]["helpful_rate"] is None
    # without a key, one is made from the first question
    r = client.post("/api/v1/kb/entries", json={"versions": GIFT["versions"]},
                    headers=workspace.admin)
    assert r.json()["key"] == "do-you-sell-gift-cards"
    assert client.delete(url, headers=workspace.admin).status_code == 204
    assert client.get(url, headers=workspace.agent).status_code == 404


def test_csv_and_markdown_round_trip_through_the_api(client, workspace):
    add_entries(client, workspace, RETURNS, SHIPPING)
    before = client.get("/api/v1/kb/entries", headers=workspace.agent).json()["items"]
    for fmt in ("csv", "md"):
        text = client.get(f"/api/v1/kb/export?format={fmt}", headers=workspace.agent).text
        r = client.post(f"/api/v1/kb/import?format={fmt}", content=text.encode(),
                        headers=workspace.admin)
        assert r.json() == {"imported": 2, "replaced": 2}, r.text
        after = client.get("/api/v1/kb/entries", headers=workspace.agent).json()["items"]
        assert [(e["key"], e["links"], e["versions"]) for e in after] == \
            [(e["key"], e["links"], e["versions"]) for e in before]
    md = client.get("/api/v1/kb/export?format=md", headers=workspace.agent).text
    assert "## returns\nintent: returns\nlinks: Returns portal <https://shop.example/returns>" in md
    assert "### es\nQuestions:\n- ¿Cómo devuelvo un artículo?" in md
    bad = client.post("/api/v1/kb/import?format=csv", content=b"question,answer\nq,a\n",
                      headers=workspace.admin)
    assert bad.status_code == 422 and "missing: id" in bad.json()["detail"]
    bad = client.post("/api/v1/kb/import?format=md", content=b"## x\n### en\nsomething odd\n",
                      headers=workspace.admin)
    assert bad.status_code == 422 and "line 3" in bad.json()["detail"]
    bad = client.post("/api/v1/kb/import?format=md", content=b"## x\n### en\nQuestions:\n- q\n",
                      headers=workspace.admin)
    assert bad.status_code == 422 and "entry 'x'" in bad.json()["detail"]
    assert client.get("/api/v1/kb/export?format=xml",
                      headers=workspace.agent).status_code == 422


def test_bot_eval_and_import_export_cli(cli, workspace, tmp_path):
    kb = tmp_path / "kb.csv"
    kb.write_text("id,question,answer,language\n"
                  "returns,How do I return an item?,30 days,en\n"
                  "returns,Can I send my order back?,,en\n"
                  "shipping,How long does shipping take?,3-5 days,en\n"
                  "shipping,When will my package arrive?,,en\n")
    rows = tmp_path / "eval.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"text": "how can I return a jacket I bought", "expected": "returns"},
        {"text": "how many days does shipping take", "expected": "shipping"},
        {"text": "what's the weather in Paris tomorrow", "expected": "none"},
        {"text": "no expected field"}]) + "\nnot json\n")
    result = cli("bot", "eval", str(rows), "--kb", str(kb), "--json")
    report = json.loads(result.stdout)
    assert set(report) >= {"answered_accuracy", "coverage", "out_of_scope_wrong_rate",
                           "messages_per_second"}
    assert report["in_scope"] == 2 and report["out_of_scope"] == 1 and report["skipped_rows"] == 2
    assert report["answered_accuracy"] == 1.0 and report["out_of_scope_wrong_rate"] == 0.0
    text = cli("bot", "eval", str(rows), "--kb", str(kb)).stdout
    assert "answered accuracy (top-1)" in text and "messages per second" in text
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert "no rows" in cli("bot", "eval", str(empty), "--kb", str(kb), ok=False).stderr
    # the workspace's knowledge base: import the file, evaluate against it, export it
    assert cli.json("bot", "import", str(kb), "-w", str(workspace.id)) == \
        {"imported": 2, "replaced": 0}
    report = json.loads(cli("bot", "eval", str(rows), "-w", str(workspace.id), "--json").stdout)
    assert report["entries"] == 2 and report["answered_accuracy"] == 1.0
    out = tmp_path / "out.md"
    cli("bot", "export", str(out), "-w", str(workspace.id))
    assert out.read_text().startswith("# Knowledge base\n\n## returns")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,question\nx,y\n")
    assert "missing: answer" in cli("bot", "import", str(bad), "-w", str(workspace.id),
                                    ok=False).stderr


def test_bot_corpus_builds_the_knowledge_base_and_eval_set(cli, tmp_path, shared_corpora):
    kb, rows = tmp_path / "kb.csv", tmp_path / "eval.jsonl"
    result = cli("bot", "corpus", "banking77", "--kb-out", str(kb), "--eval-out", str(rows),
                 "--source", str(shared_corpora))
    assert "wrote 77 entries" in result.stdout
    lines = kb.read_text().splitlines()
    assert len(lines) == 1 + 77 * 5 and lines[1].startswith("card_arrival,I am still waiting")
    expected = [json.loads(line)["expected"] for line in rows.read_text().splitlines()]
    assert len(expected) == 3080 + 1000 and expected.count("none") == 1000
    assert "unknown set" in cli("bot", "corpus", "nope", "--kb-out", str(kb), "--eval-out",
                                str(rows), ok=False).stderr


QUESTIONS = [
    ("c1", "How do I return my jacket?", "You can return it within 30 days: shop.example/r"),
    ("c2", "how do I return these shoes", "You can return it within 30 days: shop.example/r"),
    ("c3", "How do I return an item I bought?", "You can return it within 30 days: shop.example/r"),
    ("c4", "how do i return a dress", "Sure, send it back within 30 days."),
    ("c5", "Do you ship to Canada?", "Yes, we ship to Canada in 7-10 days."),
    ("c6", "do you ship to canada??", "Yes, we ship to Canada in 7-10 days."),
    ("c7", "Do you ship to Canada and Mexico?", None),
    ("c8", "My app crashes when I open my profile", None),
]


@pytest.fixture
def answered_workspace(cli):
    """Agents' answers need a channel that can deliver them: a real callback receiver."""
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
    from support.fixtures import make_workspace

    with serve_in_thread(CallbackReceiver().app) as base:
        yield make_workspace(cli, callback_url=f"{base}/callback")


def test_suggested_faqs_from_a_seeded_history(client, answered_workspace):
    workspace = answered_workspace
    for n, (cust, text, _) in enumerate(QUESTIONS):
        r = client.post(workspace.webhook, json={"id": f"m{n}", "customer": {"id": cust},
                                                 "text": text}, headers=workspace.inbound)
        assert r.status_code == 200
    drain()
    conversations = client.get("/api/v1/conversations?limit=50",
                               headers=workspace.agent).json()["items"]
    by_customer = {c["customer_name"] or c["id"]: c["id"] for c in conversations}
    assert len(by_customer) == len(QUESTIONS)
    for conv in conversations:
        first = client.get(f"/api/v1/conversations/{conv['id']}",
                           headers=workspace.agent).json()["messages"][0]["text"]
        answer = next(a for _, t, a in QUESTIONS if t == first)
        if answer:
            r = client.post(f"/api/v1/conversations/{conv['id']}/replies",
                            json={"text": answer}, headers=workspace.agent)
            assert r.status_code == 201, r.text
    items = client.get("/api/v1/kb/suggestions?days=30",
                       headers=workspace.agent).json()["items"]
    top, second = items[:2]
    assert top["count"] == 4 and top["intent"] == "returns"
    assert top["answer"] == "You can return it within 30 days: shop.example/r"
    assert top["answers_seen"] == 4 and len(top["examples"]) == 4
    assert second["count"] == 3 and "Canada" in second["examples"][0]
    assert second["answer"] == "Yes, we ship to Canada in 7-10 days."
    assert all(i["count"] >= 2 for i in items) and top["covered_by"] is None


def test_the_api_channel_gets_the_controls_and_a_text_choice_solves(cli, db):
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
    from crowdcare.store import models as m
    from messenger.helpers import rows
    from support.fixtures import make_workspace

    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        ws = make_workspace(cli, callback_url=f"{base}/callback")
        from fastapi.testclient import TestClient

        from crowdcare.app import create_app
        with TestClient(create_app()) as client:
            add_entries(client, ws, RETURNS)
            for n, text in enumerate(["What is your return policy?", "1"]):
                client.post(ws.webhook, json={"id": f"a{n}", "customer": {"id": "web-1"},
                                              "text": text}, headers=ws.inbound)
                drain()
    first = json.loads(receiver.received[0]["body"])
    assert "return any unworn item" in first["text"]
    assert [q["payload"] for q in first["quick_replies"]] == ["BOT_SOLVED", "BOT_PERSON"]
    assert "glad that helped" in json.loads(receiver.received[1]["body"])["text"]
    [ticket] = rows(m.Ticket)
    assert ticket.status == "solved" and ticket.tags == ["solved-by-bot"]
