"""Ingest's group commit: webhooks stored at once from many threads share transactions, and
still each is stored exactly once, in its thread's order, its duplicates told apart; a batch
with a bad request fails that request alone."""
import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from crowdcare.pipeline import ingest
from crowdcare.store import accounts
from crowdcare.store import db as store
from crowdcare.store import models as m

THREADS, PER_THREAD = 24, 15


def ref(workspace):
    return accounts.cached_ref(store.new_session, workspace.api_account["id"])


def test_concurrent_stores_are_each_stored_once_in_their_threads_order(db, workspace):
    account = ref(workspace)
    start = threading.Barrier(THREADS)

    def customer(n: int) -> list[tuple[int, bool]]:
        start.wait()   # every thread at once: batches of several
        out = []
        for i in range(PER_THREAD):
            body = f'{{"id": "c{n}-{i}", "customer": {{"id": "c{n}"}}, "text": "hi"}}'.encode()
            out.append(ingest.store(account, body, f"c{n}"))
            if i % 5 == 0:   # a platform's retry of what it just sent
                out.append(ingest.store(account, body, f"c{n}"))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(customer, range(THREADS)))
    with store.session_scope() as s:
        rows = s.execute(select(m.Delivery.id, m.Delivery.thread_key)
                         .order_by(m.Delivery.id)).all()
        # PostgreSQL says which transaction wrote a row (SQLite has no such column)
        transactions = s.scalar(text("SELECT count(DISTINCT xmin::text) FROM deliveries")) \
            if s.bind.dialect.name == "postgresql" else None
    assert len(rows) == THREADS * PER_THREAD   # nothing lost, nothing doubled
    for n, got in enumerate(results):
        new = [i for i, duplicate in got if not duplicate]
        assert new == sorted(new)               # a thread's ids follow its order
        assert [i for i, duplicate in got if duplicate] == new[::5]   # each retry: the first's
        mine = [r.id for r in rows if r.thread_key == f"c{n}"]
        assert mine == new
    assert transactions is None or transactions < len(rows) / 2   # batches of several


def test_a_failing_request_fails_alone_and_the_others_of_its_batch_are_stored(db, workspace):
    account = ref(workspace)
    gone = dataclasses.replace(account, id=10**9)   # an account deleted meanwhile
    start = threading.Barrier(8)

    def post(n: int):
        start.wait()
        target = gone if n == 3 else account
        return ingest.store(target, f'{{"id": "f{n}", "text": "x"}}'.encode(), f"f{n}")

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(post, n) for n in range(8)]
    with pytest.raises(Exception, match="(?i)foreign key|constraint"):
        futures[3].result()
    assert all(f.result()[1] is False for n, f in enumerate(futures) if n != 3)
    with store.session_scope() as s:
        assert s.scalar(select(func.count()).select_from(m.Delivery)) == 7
