"""Deliveries processed together share one transaction: what a batch reads is read once for
all its messages, and what one message creates (a first-contact customer, a ticket) is what
the next message of the same customer finds."""
import logging

from sqlalchemy import event, func, select

from crowdcare.pipeline import worker
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain


def post(client, workspace, message_id: str, customer: str, text: str = "where is my order?"):
    r = client.post(workspace.webhook, headers=workspace.inbound, json={
        "id": message_id, "customer": {"id": customer, "name": f"Customer {customer}"},
        "text": text})
    assert r.status_code == 200, r.text


def count(model) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_batch_joins_first_contacts_repeats_and_duplicates_without_falling_back(
        client, workspace, caplog):
    post(client, workspace, "old-1", "known")
    drain()
    post(client, workspace, "a-1", "new-a")                 # first contact...
    post(client, workspace, "a-2", "new-a", "and again")    # ...and its second message
    post(client, workspace, "k-2", "known")                 # an open ticket to join
    post(client, workspace, "a-1", "new-a", "same id, other body")   # a second delivery of a-1
    with caplog.at_level(logging.INFO, logger="crowdcare.pipeline.worker"):
        assert drain()[0] == 4
    assert "rolled back" not in caplog.text   # one transaction, not the one-by-one fallback
    assert (count(m.Customer), count(m.Identity), count(m.Conversation)) == (2, 2, 2)
    assert (count(m.Message), count(m.Ticket)) == (4, 2)
    with db.session_scope() as s:
        by_conversation = {}
        for row in s.scalars(select(m.Message).order_by(m.Message.id)):
            by_conversation.setdefault(row.conversation_id, []).append(row)
        assert sorted(len(rows) for rows in by_conversation.values()) == [2, 2]
        for rows in by_conversation.values():   # every message of a thread on its one ticket
            assert rows[0].ticket_id is not None and {r.ticket_id for r in rows} == {
                rows[0].ticket_id}
        events = s.scalars(select(m.Event).where(m.Event.name == "message.created")).all()
        # payloads made at commit carry the ids the flush gave the new rows
        assert sorted(e.payload["id"] for e in events) == sorted(
            r.id for rows in by_conversation.values() for r in rows)
        assert all(e.payload["conversation_id"] and e.payload["ticket_id"] for e in events)


def test_a_batch_reads_the_same_few_times_however_many_messages_it_holds(client, workspace):
    for i in range(20):
        post(client, workspace, f"warm-{i}", f"c{i}")
    drain()
    selects = []

    @event.listens_for(db.engine(), "before_cursor_execute")
    def _count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    try:
        def reads_for(n: int, tag: str) -> int:
            for i in range(n):
                post(client, workspace, f"{tag}-{i}", f"c{i}")
            selects.clear()
            ids = worker.claim(50)
            assert len(ids) == n
            worker.process_batch(ids)
            return len(selects)

        few, many = reads_for(2, "few"), reads_for(20, "many")
    finally:
        event.remove(db.engine(), "before_cursor_execute", _count)
    assert many == few, "a per-message read crept back into the batch"
    assert count(m.Message) == 42
