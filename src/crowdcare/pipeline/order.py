"""A thread's deliveries are applied in the order they were stored, whichever worker runs them.

Each delivery names the thread it concerns (`thread_key`, read from the adapter's parse at the
door): the one person its events are from or to, `ANY` for several people (it orders against
every thread of its account), or None for nobody (nothing to order). A claim takes a delivery
only when every older undone delivery of its thread is taken by the same claim, and processes
them in id order; so a thread is with one worker at a time and its messages get ids (the
timeline's order, and the preview's) in the order they arrived. Ingest makes the ids of one
thread follow commit order (`lock_threads`), so no older delivery of a thread can appear after
a claim has looked.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, literal_column, or_, select, text
from sqlalchemy.orm import aliased

from crowdcare.domain import (
    ChannelEvent,
    InboundMessage,
    OptIn,
    OutboundEcho,
    Referral,
    StatusUpdate,
    ThreadControl,
)
from crowdcare.domain.enums import DeliveryStatus
from crowdcare.store import models as m

ANY = "*"


def thread_key(events: Iterable[ChannelEvent]) -> str | None:
    """The person a delivery's events concern: one, ANY for several, None for none."""
    people = set()
    for event in events:
        match event:
            case InboundMessage() | Referral() | OptIn() | ThreadControl():
                people.add(event.sender.external_id)
            case OutboundEcho() | StatusUpdate():
                people.add(event.recipient.external_id)
    if len(people) > 1:
        return ANY
    return next(iter(people), None)


def lock_threads(conn, threads: list[tuple[int, str | None]]) -> None:
    """PostgreSQL, in the storing transaction: hold the (account, key) threads (ANY: the whole
    account) until commit, so a thread's deliveries take their ids in commit order. Without
    it, a delivery could take an id, commit after a newer one of its thread and be claimed
    after it. Accounts first, then threads, each in one sorted order: two batches that share
    threads wait for each other, never deadlock."""
    if conn.dialect.name != "postgresql":
        return   # SQLite: one writer at a time already
    accounts: dict[int, bool] = {}   # account -> whole (an ANY delivery among them)
    keys = set()
    for account_id, key in threads:
        if key is None:
            continue
        accounts[account_id] = accounts.get(account_id, False) or key == ANY
        if key != ANY:
            keys.add((account_id, key))
    if not accounts:
        return
    ids = sorted(accounts)
    conn.execute(text(
        "SELECT CASE WHEN t.whole THEN pg_advisory_xact_lock(t.a)::text "
        "ELSE pg_advisory_xact_lock_shared(t.a)::text END FROM (SELECT a, whole "
        "FROM unnest(CAST(:a AS bigint[]), CAST(:w AS boolean[])) AS u(a, whole) "
        "ORDER BY 1) AS t"),
        {"a": ids, "w": [accounts[a] for a in ids]})
    if keys:
        conn.execute(text(
            "SELECT pg_advisory_xact_lock(t.a32, t.h) FROM (SELECT a32, hashtext(k) AS h "
            "FROM unnest(CAST(:a AS int[]), CAST(:k AS text[])) AS u(a32, k) "
            "ORDER BY 1, 2) AS t"),
            {"a": [a % 2**31 for a, _ in sorted(keys)], "k": [k for _, k in sorted(keys)]})


def undone(delivery=m.Delivery):
    """SQL: the delivery is pending or processing, with the constants written into the
    statement, not bound: PostgreSQL plans a statement psycopg has prepared (after five runs)
    without its parameters' values, and with `status IN ($1, $2)` it could not use the partial
    index of undone deliveries: each candidate of a claim scanned its whole account, 2-3 s a
    claim at a backlog of a thousand."""
    return delivery.status.in_([literal_column(f"'{DeliveryStatus.pending.value}'"),
                                literal_column(f"'{DeliveryStatus.processing.value}'")])


def unblocked(now: datetime):
    """SQL: the delivery's thread is not held: no older undone delivery of it waits out a lease
    or a backoff, and no older undone ANY of its account is ahead (an ANY delivery: nothing
    older of its account is undone). What is left may still wait behind an older due delivery
    of its thread; `takeable` decides with the pick in hand."""
    d, older = m.Delivery, aliased(m.Delivery)
    any_ = literal_column(f"'{ANY}'")
    ahead = and_(older.channel_account_id == d.channel_account_id, older.id < d.id,
                 undone(older))
    return or_(
        d.thread_key.is_(None),
        and_(d.thread_key == any_, ~exists().where(ahead, older.thread_key.is_not(None))),
        and_(d.thread_key != any_,
             ~exists().where(ahead, older.thread_key == d.thread_key,
                             older.next_attempt_at > now),
             ~exists().where(ahead, older.thread_key == any_)),
    )


def takeable(picked: list[tuple[int, int, str | None]], held: set[int]) -> list[int]:
    """Of the picked (id, account, key) rows, oldest first, those this claim may take: each one
    whose older picked deliveries of its thread are all held by it too (`held`: what it locked
    or won). The rest wait for the next round."""
    taken: list[int] = []
    blocked: set[tuple[int, str]] = set()
    for delivery_id, account_id, key in sorted(picked):
        if key is None:
            if delivery_id in held:
                taken.append(delivery_id)
            continue
        thread = (account_id, key)
        if delivery_id in held and thread not in blocked:
            taken.append(delivery_id)
        else:
            blocked.add(thread)   # its thread's newer deliveries wait behind it
    return taken


def select_threads(ids: list[int]):
    return select(m.Delivery.id, m.Delivery.channel_account_id, m.Delivery.thread_key).where(
        m.Delivery.id.in_(ids))
