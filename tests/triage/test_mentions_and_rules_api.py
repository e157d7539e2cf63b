"""Listening import (CLI and API) with bad rows and idempotency; routing rules and settings."""
import json

from crowdcare.store import models as m
from support.fixtures import drain

GOOD = [
    {"platform": "x", "id": "111", "author": "@maya_k", "followers": 1520, "verified": False,
     "text": "@brand where is my order? 10 days now", "url": "https://x.com/maya_k/status/111",
     "time": "2026-11-27T10:00:00Z"},
    {"platform": "instagram", "id": "ig-9", "author": "lena", "followers": "250000",
     "verified": "true", "text": "@brand your app keeps crashing with error 500",
     "in_reply_to": "ig-1"},
    {"platform": "reddit", "id": "t3_x", "author": "someone", "text": "great match last night"},
]
BAD = [
    {"platform": "x", "id": "112", "author": "bob"},                            # no text
    {"platform": "x", "id": "113", "author": "bob", "text": "hi", "followers": "many"},
    {"id": "114", "author": "bob", "text": "no platform"},
]


def rows(model, *where):
    from crowdcare.store import db
    with db.session_scope() as s:
        return s.query(model).filter(*where).all()


def test_import_jsonl_keeps_good_rows_and_reports_bad_ones(cli, workspace, tmp_path):
    f = tmp_path / "export.jsonl"
    lines = [json.dumps(r) for r in GOOD[:1] + BAD[:1] + GOOD[1:2] + BAD[1:]] + \
        ["{not json", json.dumps(GOOD[2])]
    f.write_text("\n".join(lines) + "\n")
    r = cli("mentions", "import", f, "-w", str(workspace.id))
    assert "3 imported" in r.output and "4 rejected" in r.output
    assert "row 2: text: missing" in r.output
    assert "row 4: followers:" in r.output and "row 5: platform: missing" in r.output
    assert "row 6: not JSON" in r.output
    msgs = {x.external_id: x for x in rows(m.Message)}
    assert set(msgs) == {"x:111", "instagram:ig-9", "reddit:t3_x"}
    maya, lena, chatter = msgs["x:111"], msgs["instagram:ig-9"], msgs["reddit:t3_x"]
    assert maya.public and maya.kind == "mention" and maya.url.endswith("/111")
    assert lena.kind == "reply" and lena.reply_to == "instagram:ig-1"
    assert lena.triage["influence"]["value"] >= 0.9 and lena.route == "tier2"
    assert maya.triage["service_related"]["value"] is True
    assert chatter.route == "ignore" and maya.route_reasons
    # the same export again: nothing new, nothing doubled
    data = cli.json("mentions", "import", f, "-w", str(workspace.id))
    assert data["accepted"] == 0 and data["already_imported"] == 3 and data["rejected"] == 4
    drain()
    assert len(rows(m.Message)) == 3


def test_import_csv_with_a_listening_tools_column_names(cli, workspace, tmp_path):
    f = tmp_path / "export.csv"
    f.write_text("Network,Post ID,Username,Followers Count,Is Verified,Content,Permalink,"
                 "Created At,Reply To\n"
                 "x,201,@ana,10,no,@brand my parcel is missing,https://x.com/ana/status/201,"
                 "2026-11-27 09:00:00,\n"
                 "x,202,@ana,10,no,,https://x.com/ana/status/202,,\n"
                 "tiktok,203,cam,5000,yes,love the new drop,,,\n")
    data = cli.json("mentions", "import", f, "-w", str(workspace.id))
    assert data["accepted"] == 2 and data["rejected"] == 1
    assert data["errors"] == [{"row": 3, "error": "text: missing"}] or \
        data["errors"][0]["row"] == 3
    assert {x.external_id for x in rows(m.Message)} == {"x:201", "tiktok:203"}


def test_import_with_nothing_good_exits_non_zero(cli, workspace, tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(BAD[0]) + "\n")
    r = cli("mentions", "import", f, "-w", str(workspace.id), ok=False)
    assert r.exit_code == 1 and "text: missing" in r.output


def test_post_mentions_api(client, workspace):
    r = client.post("/api/v1/mentions", json=GOOD + BAD, headers=workspace.agent)
    assert r.status_code == 202, r.text
    data = r.json()
    assert data["accepted"] == 3 and data["rejected"] == 3
    assert [e["row"] for e in data["errors"]] == [4, 5, 6]
    drain()
    assert len(rows(m.Message)) == 3
    again = client.post("/api/v1/mentions", json={"mentions": GOOD}, headers=workspace.agent)
    assert again.json()["already_imported"] == 3 and again.json()["accepted"] == 0
    assert client.post("/api/v1/mentions", json={"x": 1},
                       headers=workspace.agent).status_code == 422
    assert client.post("/api/v1/mentions", json=GOOD).status_code == 401
    [acc] = rows(m.ChannelAccount, m.ChannelAccount.kind == "listening")
    wrong = client.post(f"/api/v1/mentions?account_id={workspace.api_account['id']}",
                        json=GOOD, headers=workspace.agent)
    assert wrong.status_code == 422 and "not listening" in wrong.json()["detail"]
    assert acc.workspace_id == workspace.id


def test_imported_mentions_cannot_be_answered_through_the_import(client, workspace):
    client.post("/api/v1/mentions", json=GOOD[:1], headers=workspace.agent)
    drain()
    [msg] = rows(m.Message)
    r = client.post(f"/api/v1/conversations/{msg.conversation_id}/replies",
                    json={"text": "hi", "public": True}, headers=workspace.agent)
    assert r.status_code == 409 and "cannot answer in public" in r.json()["detail"]


def test_routing_rules_api(client, workspace):
    url = "/api/v1/routing-rules"
    rule = {"name": "VIP billing", "when": {"intent": "billing", "influence": {"gte": 0.5}},
            "then": {"route": "escalation", "team": "Tier 2", "priority": "+20"}}
    assert client.post(url, json=rule, headers=workspace.agent).status_code == 403
    r = client.post(url, json=rule, headers=workspace.admin)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["when"] == rule["when"] and made["then"] == rule["then"]
    bad = client.post(url, json={"name": "bad", "when": {"colour": "red"},
                                 "then": {"route": "tier1"}}, headers=workspace.admin)
    assert bad.status_code == 422 and "unknown field 'colour'" in bad.json()["detail"]
    bad = client.post(url, json={"name": "bad", "when": {}, "then": {"route": "moon"}},
                      headers=workspace.admin)
    assert bad.status_code == 422 and "unknown route 'moon'" in bad.json()["detail"]
    items = client.get(url, headers=workspace.admin).json()["items"]
    assert [i["name"] for i in items] == ["VIP billing"]
    assert client.delete(f"{url}/{made['id']}", headers=workspace.admin).status_code == 204
    assert client.delete(f"{url}/{made['id']}", headers=workspace.admin).status_code == 404
    assert client.get(url, headers=workspace.admin).json()["items"] == []


def test_rules_and_keywords_route_real_messages(client, workspace):
    client.post("/api/v1/routing-rules", headers=workspace.admin, json={
        "name": "promo to tier2", "when": {"text": {"contains": "promo"}},
        "then": {"route": "tier2", "priority": 90}})
    r = client.put("/api/v1/triage/settings", headers=workspace.admin,
                   json={"keywords": {"noise": ["sweepstakes"], "bogus": ["x"]}})
    assert r.status_code == 422 and "bogus" in r.json()["detail"]
    client.put("/api/v1/triage/settings", headers=workspace.admin,
               json={"keywords": {"noise": ["sweepstakes"]}})
    assert client.put("/api/v1/triage/settings", headers=workspace.agent,
                      json={"vip_handles": ["x"]}).status_code == 403
    for i, text in enumerate(("my promo code doesn't work", "join our sweepstakes now")):
        client.post(workspace.webhook, json={"id": f"r{i}", "customer": {"id": f"c{i}"},
                                             "text": text}, headers=workspace.inbound)
    drain()
    got = {x.text: x for x in rows(m.Message)}
    promo = got["my promo code doesn't work"]
    assert promo.route == "tier2" and promo.route_reasons[0] == "rule 'promo to tier2'"
    assert got["join our sweepstakes now"].route == "ignore"
    assert client.get("/api/v1/triage/settings", headers=workspace.agent).json()[
        "keywords"]["noise"] == ["sweepstakes"]


def test_a_mention_of_the_brands_own_handle_is_addressed_to_it(client, workspace):
    r = client.put("/api/v1/triage/settings", headers=workspace.admin,
                   json={"handles": ["@AcmeHelp"]})
    assert r.status_code == 200 and r.json()["handles"] == ["acmehelp"]
    mentions = [{"platform": "x", "id": "501", "author": "ren", "text": "@acmehelp any news?"},
                {"platform": "x", "id": "502", "author": "ren", "text": "@pal any news?"}]
    assert client.post("/api/v1/mentions", json=mentions,
                       headers=workspace.agent).status_code == 202
    drain()
    msgs = {x.external_id: x for x in rows(m.Message)}
    ours, theirs = msgs["x:501"].triage, msgs["x:502"].triage
    assert "addressed to the brand" in " ".join(ours["service_related"]["reasons"])
    assert "addressed to the brand" not in " ".join(theirs["service_related"]["reasons"])
