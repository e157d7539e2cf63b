"""Test set-up shared by the whole suite.

The suite runs once per database: CROWDCARE_TEST_BACKEND=sqlite (default) or postgresql (URL
from CROWDCARE_TEST_DATABASE_URL). In the PostgreSQL leg only tests that touch the database run.
In CI (CI=true) an unreachable PostgreSQL fails the run instead of skipping it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BACKEND = os.environ.get("CROWDCARE_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("CROWDCARE_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# the published development key is accepted only here (CROWDCARE_ENV=test), so tests' cookies
# and reset links are reproducible; a real installation makes its own (settings.signing_key)
os.environ["CROWDCARE_ENV"] = "test"
os.environ["CROWDCARE_SECRET_KEY"] = "dev-only-insecure-secret-key"
# argon2 at its least cost: hundreds of sign-ins and set passwords would take minutes at the
# real one (0.2 s each); the test of the login's timing sets the real cost again
os.environ["CROWDCARE_PASSWORD_HASH_TIME_COST"] = "1"
os.environ["CROWDCARE_PASSWORD_HASH_MEMORY_KIB"] = "64"
DB_FIXTURES = {"database_url", "db", "client", "server", "cli"}

# Fake platforms and receivers listen on loopback (support.fixtures sets it again per test).
os.environ["CROWDCARE_OUTBOUND_ALLOW_NETWORKS"] = "127.0.0.0/8,::1/128"
sys.path.insert(0, str(Path(__file__).parent))
pytest_plugins = ["support.fixtures"]


def pytest_collection_modifyitems(config, items):
    if BACKEND != "postgresql":
        return
    keep = [i for i in items if DB_FIXTURES & set(getattr(i, "fixturenames", ()))]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    path = SHARED / "corpora"
    if not path.exists():
        pytest.skip(f"shared corpora not found at {path}")
    return path
