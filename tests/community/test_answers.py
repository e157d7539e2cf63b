"""An answer's life: claim (one advocate at a time), draft checks, pace, review, publishing
through the policy gate to X, trust earned from approvals, hand-over, retraction, points."""
from __future__ import annotations

import threading
from datetime import timedelta

import httpx

from crowdcare import clock
from crowdcare.channels.testing import serve_in_thread
from support.fixtures import drain

from .test_queue_and_access import CALM

SIGNATURE = "— Sam, Acme Outdoor community"
GOOD = "Yes! We ship to Canada in 3 to 5 working days, tracked all the way."


def _submit(community, email, text=GOOD, tweet_text=CALM, **mention):
    tweet = community.mention(tweet_text, **mention)
    conversation = community.conversation_of(tweet)
    assert community.claim(email, conversation).status_code == 200
    r = community.answer(email, conversation, text)
    assert r.status_code == 201, r.text
    return tweet, conversation, r.json()


def test_two_advocates_claiming_at_once_one_wins(community, database_url):
    from crowdcare.app import create_app

    community.advocate("sam@fans.test", "Sam Rivera")
    community.advocate("ana@fans.test", "Ana Lima")
    conversation = community.conversation_of(community.mention(CALM))
    barrier = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}
    with serve_in_thread(create_app()) as base:
        def claim(email):
            with httpx.Client(base_url=base, timeout=10) as http:
                barrier.wait()
                results[email] = http.post(f"/api/v1/community/mentions/{conversation}/claim",
                                           headers=community.headers(email))
        threads = [threading.Thread(target=claim, args=(e,))
                   for e in ("sam@fans.test", "ana@fans.test")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {e: (r.status_code, r.text) for e, r in results.items()}
    loser = next(e for e, r in results.items() if r.status_code == 409)
    winner = next(e for e, r in results.items() if r.status_code == 200)
    assert "another advocate" in results[loser].json()["detail"]
    assert community.answer(loser, conversation, GOOD).status_code == 409
    states = {e: community.queue(e)[0]["claim"]["state"] for e in results}
    assert states == {winner: "you are answering", loser: "being answered"}


def test_a_draft_with_a_phone_number_is_refused_with_the_reason(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    conversation = community.conversation_of(community.mention(CALM))
    community.claim("sam@fans.test", conversation)
    r = community.client.post(f"/api/v1/community/mentions/{conversation}/check",
                              json={"text": "Call our team on +1 415 555 0134 and they sort it"},
                              headers=community.headers("sam@fans.test"))
    assert r.json()["problems"][0]["kind"] == "private_data"
    r = community.answer("sam@fans.test", conversation,
                         "Call our team on +1 415 555 0134 and they sort it")
    assert r.status_code == 422
    assert r.json()["detail"] == ("The draft contains a phone number: never post private data "
                                  "in public.")
    for text, kind in (("We will refund you straight away", "Only staff can promise refund"),
                       ("See bit.ly/deal for more", "Links only to"),
                       ("x" * 280, "characters with the signature")):
        r = community.answer("sam@fans.test", conversation, text)
        assert r.status_code == 422 and kind in r.json()["detail"], (text, r.text)
    assert community.tweets() == []


def test_review_then_publish_on_x_with_the_signature_then_trusted(community):
    community.cli("agent", "add", "boss@acme.test", "--role", "admin", "-w",
                  str(community.ws.id))
    r = community.client.get("/api/v1/community/queue", headers=community.ws.agent)
    assert r.status_code == 403    # staff review; the queue is the advocates'
    from crowdcare.actions import advocates
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:   # two approvals make an advocate trusted here
        ws = session.get(m.Workspace, community.ws.id)
        advocates.do_settings(session, ws, advocates.check_settings(
            ws, {"trust": {"trusted_after": 2, "window": 5}}))
    community.advocate("sam@fans.test", "Sam Rivera")
    for n in range(2):
        tweet, conversation, answer = _submit(community, "sam@fans.test",
                                              handle=f"cust{n}", user_id=f"90{n}")
        assert answer["status"] == "pending" and answer["trust"] == "new"
        assert len(community.tweets()) == n   # nothing out before review
        review = community.client.get("/api/v1/community/review",
                                      headers=community.ws.agent).json()["items"]
        assert [i["id"] for i in review] == [answer["id"]] and review[0]["publishable"]
        assert community.approve(answer["id"])["status"] == "published"
        sent = community.tweets()[-1]["json"]
        assert sent["reply"] == {"in_reply_to_tweet_id": tweet}
        assert sent["text"] == f"{GOOD}\n{SIGNATURE}"
        clock.travel(timedelta(seconds=31))   # the pace between two answers
    me = community.client.get("/api/v1/community/me",
                              headers=community.headers("sam@fans.test")).json()
    assert me["trust"] == "trusted"
    assert me["trust_reasons"][0].startswith("promoted: 2 approved answers; 100 % approved "
                                             "unedited")
    assert me["points"] == 2 * (10 + 5) and {b["badge"] for b in me["badges"]} == {"first_answer"}
    # the next answer publishes at once, without review
    tweet, conversation, answer = _submit(community, "sam@fans.test", handle="cust9",
                                          user_id="999")
    assert answer["status"] == "published"
    drain()
    assert community.tweets()[-1]["json"]["reply"] == {"in_reply_to_tweet_id": tweet}
    detail = community.client.get(f"/api/v1/conversations/{conversation}",
                                  headers=community.ws.agent).json()
    reply = detail["messages"][-1]
    assert reply["author"] == "advocate" and reply["status"] == "sent" and reply["public"]
    assert detail["ticket"]["status"] == "pending" and detail["ticket"]["first_response_at"]


def test_pace_and_the_daily_cap(community):
    from crowdcare.actions import advocates
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        ws = session.get(m.Workspace, community.ws.id)
        advocates.do_settings(session, ws, advocates.check_settings(ws, {"daily_cap": 2}))
    community.advocate("sam@fans.test", "Sam Rivera")
    clock.freeze(clock.now().replace(hour=9, minute=0))
    _submit(community, "sam@fans.test", handle="a", user_id="1")
    conversation = community.conversation_of(community.mention(CALM, handle="b", user_id="2"))
    community.claim("sam@fans.test", conversation)
    r = community.answer("sam@fans.test", conversation, GOOD)
    assert r.status_code == 409 and "30 s between two answers" in r.json()["detail"]
    clock.travel(timedelta(seconds=31))
    assert community.answer("sam@fans.test", conversation, GOOD).status_code == 201
    clock.travel(timedelta(seconds=31))
    conversation = community.conversation_of(community.mention(CALM, handle="c", user_id="3"))
    community.claim("sam@fans.test", conversation)
    r = community.answer("sam@fans.test", conversation, GOOD)
    assert r.status_code == 409 and "today's 2 answers" in r.json()["detail"]
    clock.travel(timedelta(days=1))
    assert community.answer("sam@fans.test", conversation, GOOD).status_code == 201


def test_a_lease_expires_and_typing_renews_it(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    community.advocate("ana@fans.test", "Ana Lima")
    conversation = community.conversation_of(community.mention(CALM))
    clock.freeze()
    assert community.claim("sam@fans.test", conversation).status_code == 200
    clock.travel(timedelta(minutes=9))
    r = community.client.post(f"/api/v1/community/mentions/{conversation}/renew",
                              headers=community.headers("sam@fans.test"))
    assert r.status_code == 200
    clock.travel(timedelta(minutes=9))   # 18 minutes in, still held: renewed at 9
    assert community.claim("ana@fans.test", conversation).status_code == 409
    clock.travel(timedelta(minutes=2))   # the lease lapsed: someone else may take it
    assert community.claim("ana@fans.test", conversation).status_code == 200
    r = community.client.post(f"/api/v1/community/mentions/{conversation}/renew",
                              headers=community.headers("sam@fans.test"))
    assert r.status_code == 409 and "expired" in r.json()["detail"]
    r = community.client.post(f"/api/v1/community/mentions/{conversation}/release",
                              headers=community.headers("ana@fans.test"))
    assert r.json() == {"released": True}
    assert community.queue("sam@fans.test")[0]["claim"] is None


def test_eligibility_is_decided_again_at_publish(community):
    """Submitted while calm; staff then mark the post angry: approving withdraws it."""
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet, conversation, answer = _submit(community, "sam@fans.test")
    message_id = community.client.get(f"/api/v1/conversations/{conversation}",
                                      headers=community.ws.agent).json()["messages"][0]["id"]
    community.client.post(f"/api/v1/messages/{message_id}/triage",
                          json={"field": "anger", "value": "true"}, headers=community.ws.agent)
    item = community.client.get("/api/v1/community/review",
                                headers=community.ws.agent).json()["items"][0]
    assert item["publishable"] is False and "angry" in item["why_not"]
    out = community.approve(answer["id"])
    assert out["status"] == "withdrawn" and out["reason"] == "not published: angry"
    assert community.tweets() == []
    mine = community.client.get("/api/v1/community/answers",
                                headers=community.headers("sam@fans.test")).json()["items"]
    assert mine[0]["status"] == "withdrawn"


def test_no_double_replies_against_staff_in_the_console(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet, conversation, answer = _submit(community, "sam@fans.test")
    # staff answer the same mention in public while the advocate's answer waits for review
    r = community.client.post(f"/api/v1/conversations/{conversation}/replies",
                              json={"text": "Hi! Yes, 3-5 days to Canada.", "public": True},
                              headers=community.ws.agent)
    assert r.status_code == 201
    drain()
    assert community.approve(answer["id"])["status"] == "withdrawn"
    assert len(community.tweets()) == 1   # only the staff answer went out
    # and the other way round: a community answer published, staff cannot answer twice
    community.advocate("ana@fans.test", "Ana Lima", trust="trusted")
    tweet, conversation, answer = _submit(community, "ana@fans.test", handle="b", user_id="2",
                                          text="We ship to Canada in 3-5 days!")
    assert answer["status"] == "published"
    r = community.client.post(f"/api/v1/conversations/{conversation}/replies",
                              json={"text": "Hi! Yes, 3-5 days to Canada.", "public": True},
                              headers=community.ws.agent)
    assert r.status_code == 409 and "no double replies" in r.json()["detail"]
    window = community.client.get(f"/c/{conversation}")   # (not signed in: just no crash)
    assert window.status_code in (200, 303)


def test_hand_over_sends_it_to_tier1_with_the_reason(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    conversation = community.conversation_of(community.mention(CALM))
    r = community.client.post(f"/api/v1/community/mentions/{conversation}/handover",
                              json={"reason": "needs an order lookup"},
                              headers=community.headers("sam@fans.test"))
    assert r.status_code == 201 and r.json()["status"] == "handed_over"
    assert community.queue("sam@fans.test") == []
    detail = community.client.get(f"/api/v1/conversations/{conversation}",
                                  headers=community.ws.agent).json()
    assert detail["route"] == "tier1" and detail["ticket"]["route"] == "tier1"
    note = detail["messages"][-1]
    assert note["kind"] == "note" and note["text"] == ("Handed over by Sam Rivera (community): "
                                                       "needs an order lookup")
    # staff take it up: the hand-over was right, and pays
    community.client.post(f"/api/v1/conversations/{conversation}/replies",
                          json={"text": "We'll DM you"}, headers=community.ws.agent)
    community.cli("community", "tick")
    me = community.client.get("/api/v1/community/me",
                              headers=community.headers("sam@fans.test")).json()
    assert me["points"] == 3


def test_retraction_calls_the_platform_and_takes_the_points_back(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    sam = community.headers("sam@fans.test")
    tweet, conversation, answer = _submit(community, "sam@fans.test")
    community.approve(answer["id"])
    posted = community.tweets()[-1]
    reply_id = next(iter(community.fake.tweets))
    assert posted["json"]["reply"]["in_reply_to_tweet_id"] == tweet
    assert community.client.get("/api/v1/community/me", headers=sam).json()["points"] == 15
    r = community.client.post(f"/api/v1/community/answers/{answer['id']}/retract",
                              json={"reason": "wrong delivery times"}, headers=community.ws.agent)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": answer["id"], "status": "retracted", "retract_result": "deleted on x"}
    deletes = [q for q in community.fake.requests if q["method"] == "DELETE"]
    assert [q["path"] for q in deletes] == [f"/2/tweets/{reply_id}"]
    assert community.fake.tweets == {}
    me = community.client.get("/api/v1/community/me", headers=sam).json()
    assert me["points"] == -10      # the 15 earned taken back, and the penalty
    mine = community.client.get("/api/v1/community/answers", headers=sam).json()["items"][0]
    assert mine["status"] == "retracted" and mine["reason"] == "wrong delivery times"
    again = community.client.post(f"/api/v1/community/answers/{answer['id']}/retract",
                                  json={"reason": "twice"}, headers=community.ws.agent)
    assert again.status_code == 409
    timeline = community.client.get(f"/api/v1/conversations/{conversation}",
                                    headers=community.ws.agent).json()["messages"]
    assert timeline[-1]["metadata"]["retracted"]["result"] == "deleted on x"
    assert timeline[-1]["status"] == "retracted"
    # the post goes to staff, who may now answer it in public (the retracted reply is gone)
    detail = community.client.get(f"/api/v1/conversations/{conversation}",
                                  headers=community.ws.agent).json()
    assert detail["route"] == "tier1"
    r = community.client.post(f"/api/v1/conversations/{conversation}/replies",
                              json={"text": "Sorry: 7-10 days this month.", "public": True},
                              headers=community.ws.agent)
    assert r.status_code == 201, r.text


def test_a_platform_that_refuses_the_delete_is_recorded(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    tweet, conversation, answer = _submit(community, "sam@fans.test")
    community.approve(answer["id"])
    community.fake.failures.append("server_error")
    r = community.client.post(f"/api/v1/community/answers/{answer['id']}/retract",
                              json={"reason": "wrong"}, headers=community.ws.agent)
    assert r.json()["status"] == "retracted"
    assert r.json()["retract_result"].startswith("x did not delete it: X API 503")


def test_demotion_below_the_low_water_mark_after_the_grace_period(community):
    from crowdcare.actions import advocates
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        ws = session.get(m.Workspace, community.ws.id)
        advocates.do_settings(session, ws, advocates.check_settings(ws, {"trust": {
            "trusted_after": 2, "window": 4, "unedited_share": 0.75, "sample_one_in": 1,
            "grace_days": 7}}))
    community.advocate("sam@fans.test", "Sam Rivera")
    sam = community.headers("sam@fans.test")
    clock.freeze()
    for n in range(2):   # two approved as written: trusted
        _, _, answer = _submit(community, "sam@fans.test", handle=f"a{n}", user_id=f"1{n}")
        community.approve(answer["id"])
        clock.travel(timedelta(seconds=31))
    assert community.client.get("/api/v1/community/me", headers=sam).json()["trust"] == "trusted"

    def weak_sample(n):
        _, _, answer = _submit(community, "sam@fans.test", handle=f"b{n}", user_id=f"2{n}")
        assert answer["status"] == "published"
        r = community.client.post(f"/api/v1/community/answers/{answer['id']}/sample",
                                  json={"fine": False, "reason": "too curt"},
                                  headers=community.ws.agent)
        assert r.status_code == 200, r.text
        clock.travel(timedelta(seconds=31))

    weak_sample(0)   # 2 of 3 unedited: 67 %, below the 67.5 % low-water mark (90 % of 75 %)
    me = community.client.get("/api/v1/community/me", headers=sam).json()
    assert me["trust"] == "trusted" and "grace period" in me["trust_reasons"][0]
    clock.travel(timedelta(days=8))   # the grace period is over: the periodic round demotes
    assert community.cli.json("community", "tick")["trust_changes"] == 1
    me = community.client.get("/api/v1/community/me", headers=sam).json()
    assert me["trust"] == "new"
    assert me["trust_reasons"] == ["demoted: 67 % approved unedited over the last 3 reviewed, "
                                   "below 68 % (90 % of 75 %)"]


def test_a_locked_level_stays_and_a_lead_reviews_new_answers(community):
    community.advocate("sam@fans.test", "Sam Rivera")
    community.advocate("lee@fans.test", "Lee Park", trust="lead")
    lee = community.headers("lee@fans.test")
    _, _, answer = _submit(community, "sam@fans.test")
    items = community.client.get("/api/v1/community/review", headers=lee).json()["items"]
    assert [i["id"] for i in items] == [answer["id"]] and "conversation_id" not in items[0]
    r = community.client.post(f"/api/v1/community/answers/{answer['id']}/reject",
                              json={"reason": "say which courier"}, headers=lee)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    mine = community.client.get("/api/v1/community/answers",
                                headers=community.headers("sam@fans.test")).json()["items"]
    assert mine[0]["reason"] == "say which courier"
    assert len(community.queue("sam@fans.test")) == 1   # back in the queue
    # a lead never reviews their own answers; a new advocate reviews nothing
    assert community.client.get("/api/v1/community/review",
                                headers=community.headers("sam@fans.test")).status_code == 403
    r = community.client.patch(f"/api/v1/community/advocates/{community.ids['sam@fans.test']}"
                               "/trust", json={"level": "trusted", "locked": True,
                                               "reason": "known from the forum"},
                               headers=community.ws.agent)
    assert r.json()["trust"] == "trusted" and r.json()["locked"]
    assert community.cli.json("community", "tick")["trust_changes"] == 0
    me = community.client.get("/api/v1/community/me",
                              headers=community.headers("sam@fans.test")).json()
    assert me["trust"] == "trusted" and me["trust_locked"]


def test_a_warm_reply_from_the_customer_pays_the_outcome(community):
    community.advocate("sam@fans.test", "Sam Rivera", trust="trusted")
    tweet, conversation, answer = _submit(community, "sam@fans.test")
    drain()
    community.mention("@acme thank you so much, that's perfect, love it!", reply_to=tweet)
    assert community.cli.json("community", "tick")["outcomes"] == 1
    me = community.client.get("/api/v1/community/me",
                              headers=community.headers("sam@fans.test")).json()
    assert me["points"] == 10 + 15
    board = community.client.get("/api/v1/community/leaderboard?period=week",
                                  headers=community.headers("sam@fans.test")).json()
    assert board["items"][0]["name"] == "Sam Rivera" and board["items"][0]["points"] == 25
    community.client.patch("/api/v1/community/me", json={"on_leaderboard": False},
                           headers=community.headers("sam@fans.test"))
    assert community.client.get("/api/v1/community/leaderboard?period=all",
                                headers=community.ws.agent).json()["items"] == []
