"""`crowdcare bench inbox`: does the inbox slow down as it fills? One database holds two
workspaces, one with N open conversations (default 10,000) and one with 100 (the baseline),
both filled through the real pipeline (webhook bodies stored, then triaged, routed and acted
on). The server is started, an agent of each workspace signs in, and every inbox request is
timed for both workspaces in turn, so both share the machine's noise. Reported: the median
per request for each and their ratio.

Target: the first page of every view's list, and of a search (names, order numbers as typed,
message text: the database's full-text index), within 1.5x of the baseline. Reported beside
it, because they grow with the inbox by nature: the last page (OFFSET walks the rows before
it) and the view counts a full page adds (one pass over the open conversations)."""
from __future__ import annotations

import contextlib
import statistics
import tempfile
import time

import httpx
import orjson

from crowdcare.bench import servers
from crowdcare.bench.console import sign_in
from crowdcare.channels.testing import free_port

BASELINE = 100
TARGET = 1.5   # a view's list with N conversations vs 100: a page read from an index
PASSWORD = "bench-inbox-pw"
TEXTS = [   # routes, languages and priorities vary as they would in a real inbox
    "Hi, where is my order NW-{n}? It should have arrived by now.",
    "This is the third time I ask, you are useless, refund my order NW-{n} now!!!",
    "Can I return the shoes I bought last week? They are too small.",
    "The app crashes with error 500 when I try to pay, tried two browsers.",
    "Hola, ¿dónde está mi pedido #{n}? Todavía no ha llegado.",
    "Bonjour, je voudrais changer l'adresse de livraison de ma commande.",
    "Thanks, the replacement arrived today, all good!",
    "Do you ship to Canada, and how long does it take?",
]
VIEWS = {   # an agent's inbox views and sorts
    "all, by priority": "/inbox",
    "most recent": "/inbox?sort=recent",
    "unassigned": "/inbox?view=unassigned",
    "escalations": "/inbox?view=escalations",
    "Spanish": "/inbox?language=es",
    "last page": "/inbox?page={last}",
    "search text": "/inbox?q=canada",
    "search order number": "/inbox?q=nw1008",   # as typed: finds NW-1008
    "search name": "/inbox?q=customer+48",
}
LIST = {"HX-Request": "true", "HX-Target": "inbox-list"}   # what htmx asks for: the list only


def _fill(url: str, name: str, conversations: int) -> tuple[str, int]:
    """A workspace with `conversations` open conversations (one customer each), through the
    pipeline; returns the agent's email and the number of pages."""
    from crowdcare.pipeline import ingest, worker
    from crowdcare.store import accounts, db
    from crowdcare.store import models as m

    email = f"agent@{name.lower()}.test"
    account_id, _ = servers.prepare(url, agent=(email, PASSWORD), workspace=name)
    with db.session_scope() as session:
        ref = accounts.ref(session.get(m.ChannelAccount, account_id))
    for i in range(conversations):
        body = orjson.dumps({"id": f"{name}-{i}", "customer": {"id": f"c-{i}",
                                                                "name": f"Customer {i}"},
                             "text": TEXTS[i % len(TEXTS)].format(n=1000 + i)})
        ingest.store(ref, body)
        if i % 500 == 499:
            worker.run_pending()
    worker.run_pending()
    return email, -(-conversations // 50)


def _analyze(database_url: str) -> None:
    """Planner statistics for what was just loaded, as autovacuum would gather them after a
    bulk load: without them (a server with autovacuum off) PostgreSQL plans every list,
    searches and views alike, for empty tables."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _timed(http: httpx.Client, path: str, headers: dict | None) -> float:
    start = time.perf_counter()
    r = http.get(path, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {r.status_code}")
    return elapsed


def run(conversations: int = 10000, rounds: int = 30, database_url: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="crowdcare-bench-inbox-") as tmp:
        url = servers.database(tmp, database_url, "inbox")
        started = time.perf_counter()
        small_email, small_pages = _fill(url, "Small", BASELINE)
        big_email, big_pages = _fill(url, "Big", conversations)
        filled = time.perf_counter() - started
        if database_url:
            _analyze(database_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["-m", "crowdcare", "serve", "--port", str(port), "--no-migrate", "--no-workers",
                 "--log-level", "warning"]
        with contextlib.ExitStack() as stack:
            stack.enter_context(servers.process(serve, f"{base}/healthz",
                                                {"CROWDCARE_DATABASE_URL": url}))
            clients = {}
            for key, email in (("small", small_email), ("big", big_email)):
                cookie = sign_in(base, email, PASSWORD)
                clients[key] = stack.enter_context(httpx.Client(
                    base_url=base, timeout=30, headers={"Cookie": cookie}))
            requests = [(f"{label}: list", path, LIST) for label, path in VIEWS.items()]
            requests += [(f"{label}: page", path, None) for label, path in VIEWS.items()]
            requests.append(("counts", "/inbox/counts", None))
            pages = {}
            for label, path, headers in requests:
                samples: dict[str, list[float]] = {"small": [], "big": []}
                for i in range(rounds + 3):   # in turn, so both share the machine's moments
                    for key, last in (("small", small_pages), ("big", big_pages)):
                        ms = _timed(clients[key], path.format(last=last), headers)
                        if i >= 3:   # the first three warm up
                            samples[key].append(ms)
                small, big = (statistics.median(samples[k]) for k in ("small", "big"))
                pages[label] = {"baseline_ms": round(small, 2), "ms": round(big, 2),
                                "ratio": round(big / small, 2)}
    lists = [v["ratio"] for k, v in pages.items() if k.endswith(": list")
             and not k.startswith("last page")]   # search included: a full-text index
    return {"database": "postgresql" if database_url else "sqlite",
            "conversations": conversations, "baseline_conversations": BASELINE,
            "fill_seconds": round(filled, 1), "rounds": rounds, "pages": pages,
            "worst_list_ratio": max(lists), "target_list_ratio": TARGET}


def report(r: dict) -> list[str]:
    n = r["conversations"]
    lines = [f"bench inbox on {r['database']}: {n:,} open conversations vs "
             f"{r['baseline_conversations']} (filled through the pipeline in "
             f"{r['fill_seconds']} s), median of {r['rounds']} requests each",
             f"  {'request':<26} {r['baseline_conversations']:>8} {n:>9,}   ratio"]
    for label, p in r["pages"].items():
        lines.append(f"  {label:<26} {p['baseline_ms']:>5.1f} ms {p['ms']:>6.1f} ms   "
                     f"{p['ratio']:.2f}")
    lines += [f"  worst first-page list ratio, searches included {r['worst_list_ratio']:.2f} "
              f"(target <= {r['target_list_ratio']:g}). Growing by nature: the last page "
              "(OFFSET), the counts a full page adds (one pass)"]
    return lines
