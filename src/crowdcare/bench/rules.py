"""`crowdcare bench rules`: what the rules engine and automatic assignment cost the pipeline.
One database holds two workspaces fed the same customer messages through the real pipeline
(webhook bodies stored, then triaged, routed and acted on): one without rules (the
baseline) and one with RULES routing rules that do not match, one that does (team, tags,
round-robin assignment in a team of five) and a ticket.created rule. The two are processed
in alternating chunks, so both share the machine's noise. Reported: the median time per
message for each and their ratio.

Target: within 1.5x of the baseline (evaluating rules is a dictionary walk; an assignment
is a locked read of the team and one count)."""
from __future__ import annotations

import statistics
import tempfile
import time

import orjson

from crowdcare.bench import servers

TARGET = 1.5
CHUNK = 50
TEXTS = [
    "Hi, where is my order NW-{n}? It should have arrived by now.",
    "This is the third time I ask, you are useless, refund my order NW-{n} now!!!",
    "Can I return the shoes I bought last week? They are too small.",
    "The app crashes with error 500 when I try to pay, tried two browsers.",
    "Hola, ¿dónde está mi pedido #{n}? Todavía no ha llegado.",
    "Do you ship to Canada, and how long does it take?",
]


def _workspace(url: str, name: str, rules: int) -> object:
    from crowdcare.actions import assignment, people
    from crowdcare.actions import rules as rule_actions
    from crowdcare.store import accounts, db
    from crowdcare.store import models as m

    account_id, _ = servers.prepare(url, workspace=name)
    with db.session_scope() as session:
        account = session.get(m.ChannelAccount, account_id)
        ws = session.get(m.Workspace, account.workspace_id)
        if rules:
            agents = [people.do_add_agent(session, ws, f"a{i}@{name.lower()}.test", "agent",
                                          f"Agent {i}") for i in range(5)]
            people.do_create_team(session, ws.id, "Tier 1", agents)
            for agent in agents:
                assignment.do_routing(session, agent, assignment.check_routing(capacity=1000))
            for i in range(rules):
                rule_actions.do_create_rule(session, ws.id, {
                    "name": f"never {i}", "when": {"text": {"contains": f"zz-{i}"},
                                                   "influence": {"gte": 0.9}},
                    "then": {"route": "tier2"}})
            rule_actions.do_create_rule(session, ws.id, {
                "name": "requests", "when": {"service_related": True},
                "then": {"team": "Tier 1", "tags": ["request"], "assign": "round_robin"}})
            rule_actions.do_create_rule(session, ws.id, {
                "name": "new", "event": "ticket.created", "when": {"channel": "api"},
                "then": {"tags": ["new"]}})
        return accounts.ref(account)


def _chunk(ref, name: str, start: int) -> float:
    from crowdcare.pipeline import ingest, worker

    for i in range(start, start + CHUNK):
        body = orjson.dumps({"id": f"{name}-{i}", "customer": {"id": f"c-{i}"},
                             "text": TEXTS[i % len(TEXTS)].format(n=1000 + i)})
        ingest.store(ref, body)
    began = time.perf_counter()
    worker.run_pending()
    return (time.perf_counter() - began) * 1000 / CHUNK


def run(messages: int = 1000, rules: int = 20, database_url: str | None = None) -> dict:
    from crowdcare.store import db
    from crowdcare.store import models as m

    with tempfile.TemporaryDirectory(prefix="crowdcare-bench-rules-") as tmp:
        url = servers.database(tmp, database_url, "rules")
        plain, ruled = _workspace(url, "Plain", 0), _workspace(url, "Ruled", rules)
        times: dict[str, list[float]] = {"baseline": [], "rules": []}
        for start in range(0, messages, CHUNK):
            times["baseline"].append(_chunk(plain, "Plain", start))
            times["rules"].append(_chunk(ruled, "Ruled", start))
        with db.session_scope() as session:
            assigned = session.query(m.Ticket).filter(m.Ticket.assignee_id.is_not(None)).count()
    base, ruled_ms = statistics.median(times["baseline"]), statistics.median(times["rules"])
    return {"messages": messages, "rules": rules + 2, "assigned": assigned,
            "baseline_ms_per_message": round(base, 3),
            "rules_ms_per_message": round(ruled_ms, 3),
            "ratio": round(ruled_ms / base, 3), "target": TARGET,
            "met": ruled_ms / base <= TARGET}


def report(result: dict) -> list[str]:
    return [f"{result['messages']} messages per workspace, {result['rules']} rules, "
            f"{result['assigned']} tickets assigned by round robin",
            f"baseline (no rules): {result['baseline_ms_per_message']} ms per message",
            f"with rules:          {result['rules_ms_per_message']} ms per message",
            f"ratio {result['ratio']} (target ≤ {result['target']}): "
            + ("met" if result["met"] else "NOT met")]
