"""Findings 3 and 11: guesses in parallel are limited like guesses in a row, per email and per
client address, and the answers do not tell a known email from an unknown one."""
from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from crowdcare import clock
from crowdcare.settings import get_settings
from web.test_console_http import PW, login, token

ANA = "ana@acme-apparel.test"


@pytest.fixture
def server(cli, db):
    """The real app on a real port: requests in parallel are really parallel."""
    from crowdcare.app import create_app
    from crowdcare.channels.testing import serve_in_thread
    from support.fixtures import make_workspace

    make_workspace(cli)
    cli("agent", "password", ANA, "--password", PW)
    with serve_in_thread(create_app()) as base:
        yield base


def attempt(base: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as http:
        page = http.get("/login")
        return http.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token(page.text)})


def guesses(base: str, email: str, n: int, threads: int = 12) -> list[int]:
    with ThreadPoolExecutor(threads) as pool:
        return [r.status_code for r in pool.map(
            lambda i: attempt(base, email, f"wrong-guess-{i}"), range(n))]


def test_parallel_guesses_are_counted_and_the_account_locks(server):
    statuses = guesses(server, ANA, 40)
    limit = get_settings().login_attempts_per_account
    assert statuses.count(401) == limit   # only this many passwords were ever checked
    assert statuses.count(429) == 40 - limit
    assert attempt(server, ANA, PW).status_code == 429   # the right one too, while locked


def test_an_address_is_limited_across_emails(server, monkeypatch):
    monkeypatch.setenv("CROWDCARE_LOGIN_ATTEMPTS_PER_ADDRESS", "8")
    get_settings.cache_clear()
    statuses = [attempt(server, f"guess{i}@acme-apparel.test", "wrong-password").status_code
                for i in range(10)]
    assert statuses == [401] * 8 + [429] * 2
    assert attempt(server, ANA, PW).status_code == 429   # from this address, for now
    clock.travel(timedelta(minutes=get_settings().login_window_minutes + 1))
    try:
        assert attempt(server, ANA, PW).status_code == 303
    finally:
        clock.reset()
    get_settings.cache_clear()


def test_the_lock_ends_with_its_window(client, shop_with_password):
    for _ in range(5):
        login(client, ANA, "wrong-password")
    assert login(client, ANA).status_code == 429
    clock.travel(timedelta(minutes=get_settings().login_window_minutes + 1))
    try:
        assert login(client, ANA).status_code == 303
    finally:
        clock.reset()


@pytest.fixture
def shop_with_password(cli):
    from support.fixtures import make_workspace

    ws = make_workspace(cli)
    cli("agent", "password", ANA, "--password", PW)
    return ws


def _answer(r) -> tuple[int, str]:
    error = re.search(r'class="flash error"[^>]*>(.*?)<', r.text, re.S)
    return r.status_code, error.group(1).strip() if error else r.text


def test_known_and_unknown_emails_get_the_same_answers_and_lock_alike(client,
                                                                      shop_with_password):
    clock.freeze()   # the lock's "try again after HH:MM" must not cross a minute between them
    try:
        known = [_answer(login(client, ANA, "wrong-password")) for _ in range(6)]
        unknown = [_answer(login(client, "nobody@acme-apparel.test", "wrong-password"))
                   for _ in range(6)]
    finally:
        clock.reset()
    assert known == unknown
    assert [s for s, _ in known] == [401] * 5 + [429]


def test_known_and_unknown_emails_take_as_long_once_locked(client, shop_with_password,
                                                           monkeypatch):
    """A locked email is refused before any hash is checked, known or not: the two answers
    differ in time by much less than one password check (40x apart before), at the real cost."""
    from crowdcare.actions.people import hasher

    for name in ("CROWDCARE_PASSWORD_HASH_TIME_COST", "CROWDCARE_PASSWORD_HASH_MEMORY_KIB"):
        monkeypatch.delenv(name)
    get_settings.cache_clear()

    def median_refusal(email: str) -> float:
        for _ in range(5):
            login(client, email, "wrong-password")
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            assert login(client, email, "wrong-password").status_code == 429
            runs.append(time.perf_counter() - start)
        return sorted(runs)[2]

    digest = hasher().hash("some password")
    start = time.perf_counter()
    for _ in range(3):
        hasher().verify(digest, "some password")
    one_check = (time.perf_counter() - start) / 3
    known, unknown = median_refusal(ANA), median_refusal("nobody@acme-apparel.test")
    assert abs(known - unknown) < one_check / 2, (known, unknown, one_check)


def test_adding_an_agent_says_nothing_about_other_workspaces(client, cli, shop_with_password):
    """An email is unique in a workspace only: adding one taken elsewhere answers exactly as
    adding a fresh one, and each account signs in with its own password."""
    from support.fixtures import make_workspace

    rival = make_workspace(cli, "Globex Gear")
    fresh = client.post("/api/v1/agents", headers=rival.admin,
                        json={"email": "fresh@acme-apparel.test", "password": "rival-pass-1"})
    elsewhere = client.post("/api/v1/agents", headers=rival.admin,
                            json={"email": ANA, "password": "rival-pass-2"})
    assert fresh.status_code == elsewhere.status_code == 201, elsewhere.text
    assert set(fresh.json()) == set(elsewhere.json())
    here = client.post("/api/v1/agents", headers=rival.admin, json={"email": ANA})
    assert here.status_code == 409 and here.json()["field"] == "email"
    assert "this workspace" in here.json()["detail"]
    for password, workspace in ((PW, "Acme Apparel"), ("rival-pass-2", "Globex Gear")):
        assert login(client, ANA, password).status_code == 303
        assert workspace in client.get("/inbox").text
    # the CLI asks which one when an email is in two workspaces
    result = cli("agent", "password", ANA, "--password", "yet-another-1", ok=False)
    assert result.exit_code == 2 and "--workspace" in result.output
    cli("agent", "password", ANA, "--password", "yet-another-1", "-w", "globex-gear")
    assert login(client, ANA, "yet-another-1").status_code == 303
    assert "Globex Gear" in client.get("/inbox").text


def test_a_password_hashed_at_another_cost_is_remade_at_the_configured_one(
        client, shop_with_password, monkeypatch):
    """PASSWORD_HASH_*: new hashes take the configured argon2 cost, and a hash made at another
    (an operator raised it) is remade at the next sign-in, the password still good."""
    from sqlalchemy import select

    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    def stored() -> str:
        with store_db.session_scope() as s:
            return s.scalar(select(m.Agent.password_hash).where(m.Agent.email == ANA))

    assert "m=64,t=1," in stored()                  # the suite's least cost (tests/conftest.py)
    monkeypatch.setenv("CROWDCARE_PASSWORD_HASH_MEMORY_KIB", "128")
    monkeypatch.setenv("CROWDCARE_PASSWORD_HASH_TIME_COST", "2")
    get_settings.cache_clear()
    assert login(client, ANA).status_code == 303    # the old hash still signs in...
    assert "m=128,t=2," in stored()                 # ...and is remade at the new cost
    client.cookies.clear()
    assert login(client, ANA).status_code == 303
    assert login(client, ANA, "wrong-password").status_code == 401
