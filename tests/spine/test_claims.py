"""Claims keep a thread's order: a thread held by one claim is skipped by the next, a delivery
for several people waits its turn in its account, and a claim taken over by another worker is
never committed by the first. (Several processes: test_order.py.)"""
from sqlalchemy import func, select, update

from crowdcare.pipeline import order, worker
from crowdcare.store import db
from crowdcare.store import models as m


def post(client, ws, message_id: str, customer: str) -> int:
    r = client.post(ws.webhook, headers=ws.inbound, json={
        "id": message_id, "customer": {"id": customer}, "text": f"{message_id}: order?"})
    assert r.status_code == 200, r.text
    return r.json()["delivery_id"]


def keys() -> dict[int, str | None]:
    with db.session_scope() as s:
        return dict(s.execute(select(m.Delivery.id, m.Delivery.thread_key)).all())


def test_a_thread_held_by_one_claim_is_skipped_by_the_next(client, workspace):
    a1, b1, a2 = (post(client, workspace, "a1", "ann"), post(client, workspace, "b1", "bob"),
                  post(client, workspace, "a2", "ann"))
    assert keys() == {a1: "ann", b1: "bob", a2: "ann"}   # read from the parse at the door
    first = worker.claim(2)                   # the two oldest: ann's first, bob's
    assert first == [a1, b1]
    assert worker.claim(50) == []             # ann's second waits behind her first
    worker.process_batch(first)
    assert worker.claim(50) == [a2]
    worker.process_batch([a2])
    with db.session_scope() as s:
        ann = s.scalars(select(m.Message.external_id).join(
            m.Conversation, m.Conversation.id == m.Message.conversation_id).join(
            m.Identity, m.Identity.id == m.Conversation.identity_id)
            .where(m.Identity.external_id == "ann").order_by(m.Message.id)).all()
    assert ann == ["a1", "a2"]


def test_a_delivery_for_several_people_waits_its_turn_in_its_account(client, workspace):
    one = post(client, workspace, "c1", "cat")
    r = client.post(workspace.webhook, headers=workspace.inbound, json={"messages": [
        {"id": "d1", "customer": {"id": "dan"}, "text": "hi"},
        {"id": "c2", "customer": {"id": "cat"}, "text": "again"}]})
    several = r.json()["delivery_id"]
    after = post(client, workspace, "e1", "eve")
    assert keys() == {one: "cat", several: order.ANY, after: "eve"}
    assert worker.claim(50) == [one]          # the batch waits for cat's first; eve for it
    assert worker.claim(50) == []
    worker.process_batch([one])
    assert worker.claim(50) == [several]
    worker.process_batch([several])
    assert worker.claim(50) == [after]


def test_a_claim_taken_over_by_another_worker_is_not_committed_twice(client, workspace):
    delivery = post(client, workspace, "t1", "tom")
    assert worker.claim(50) == [delivery]
    with db.session_scope() as s:   # this worker stalled past its lease; another took it over
        s.execute(update(m.Delivery).where(m.Delivery.id == delivery)
                  .values(claimed_by="elsewhere:1/1"))
    assert worker.process_batch([delivery]) == []
    with db.session_scope() as s:
        row = s.get(m.Delivery, delivery)
        assert (row.status, row.claimed_by, row.attempts) == ("processing", "elsewhere:1/1", 1)
        assert s.scalar(select(func.count()).select_from(m.Message)) == 0   # rolled back


def test_a_worker_blocked_behind_anothers_claim_looks_again_soon(client, workspace):
    """What waits behind another worker's claim is taken as soon as that commits, which wakes
    nobody; a lease that ran out after the round looked is takeable at once: either way an
    idle worker looks again in BLOCKED_SECONDS, not after a poll or a lease."""
    soon = worker.BLOCKED_SECONDS
    a1, a2 = post(client, workspace, "w1", "wes"), post(client, workspace, "w2", "wes")
    assert worker.next_due() == soon          # takeable now
    assert worker.claim(1) == [a1]            # "another worker" holds wes's first
    assert worker.claim(50) == []             # his second waits behind it
    assert worker.next_due() == soon
    with db.session_scope() as s:             # that worker died and its lease ran out
        s.execute(update(m.Delivery).where(m.Delivery.id == a1)
                  .values(next_attempt_at=m.Delivery.received_at))
    worker._let_go([a1])
    assert worker.next_due() == soon          # not None: that was a 30 s poll's wait
    assert worker.claim(50) == [a1, a2]
    worker.process_batch([a1, a2])
    assert worker.next_due() is None          # nothing left to wait for
