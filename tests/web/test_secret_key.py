"""Finding 1: an installation signs with its own key, never the published development one."""
from __future__ import annotations

import json
import stat
from base64 import b64encode
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner

from conftest import BACKEND
from crowdcare.settings import DEV_SECRET, get_settings
from web.test_console_http import PW, login, token


@pytest.fixture
def fresh_install(db, monkeypatch, tmp_path):
    """Set up as the README says: no CROWDCARE_ENV, no CROWDCARE_SECRET_KEY."""
    monkeypatch.delenv("CROWDCARE_ENV")
    monkeypatch.delenv("CROWDCARE_SECRET_KEY")
    if BACKEND == "sqlite":
        secret = Path(db.removeprefix("sqlite:///")).with_name("crowdcare.secret")
    else:   # no database file: the operator names where the key lives
        secret = tmp_path / "crowdcare.secret"
        monkeypatch.setenv("CROWDCARE_SECRET_FILE", str(secret))
    secret.unlink(missing_ok=True)
    get_settings.cache_clear()
    yield secret
    secret.unlink(missing_ok=True)
    get_settings.cache_clear()


def forged(agent_id: int, csrf: str = "forged") -> str:
    """A session cookie as Starlette makes it, signed with the published key."""
    data = b64encode(json.dumps({"agent_id": agent_id, "csrf": csrf}).encode())
    return TimestampSigner(DEV_SECRET).sign(data).decode()


def app_client():
    from fastapi.testclient import TestClient

    from crowdcare.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


def test_a_fresh_install_makes_its_own_owner_only_key_and_refuses_forged_cookies(
        cli, fresh_install):
    from support.fixtures import make_workspace

    ws = make_workspace(cli)
    cli("agent", "password", "ana@acme-apparel.test", "--password", PW)
    with app_client() as client:
        assert fresh_install.exists()
        assert stat.S_IMODE(fresh_install.stat().st_mode) == 0o600
        assert DEV_SECRET not in fresh_install.read_text()
        client.cookies.set("crowdcare_session", forged(ws.agent_id))
        assert client.get("/inbox", follow_redirects=False).status_code == 303   # to /login
        assert client.get("/api/v1/conversations").status_code == 401
        r = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
        assert r.status_code == 403   # the CSRF token lives in the signed session only
        assert login(client, "ana@acme-apparel.test").status_code == 303
        cookie = client.cookies.get("crowdcare_session")
    with app_client() as client:   # a restart reads the same key: sessions survive it
        client.cookies.set("crowdcare_session", cookie)
        assert client.get("/inbox").status_code == 200


def test_a_key_file_others_can_read_is_refused(cli, fresh_install):
    fresh_install.parent.mkdir(parents=True, exist_ok=True)
    fresh_install.write_text("k" * 40)
    fresh_install.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        app_client()


@pytest.mark.parametrize("env", ["development", "production"])
def test_the_published_development_key_is_refused_outside_the_test_suite(
        cli, fresh_install, monkeypatch, env):
    monkeypatch.setenv("CROWDCARE_ENV", env)
    monkeypatch.setenv("CROWDCARE_SECRET_KEY", DEV_SECRET)
    get_settings.cache_clear()
    result = cli("migrate", ok=False)
    assert result.exit_code == 2
    assert "published development key" in result.output
    assert "Traceback" not in result.output


def test_a_forged_cookie_works_nowhere_when_a_key_is_set(cli, fresh_install, monkeypatch):
    from support.fixtures import make_workspace

    monkeypatch.setenv("CROWDCARE_SECRET_KEY", "an-operator-chosen-key-of-enough-length")
    get_settings.cache_clear()
    ws = make_workspace(cli)
    with app_client() as client:
        page = client.get("/login")
        client.cookies.set("crowdcare_session", forged(ws.agent_id, token(page.text)))
        assert client.get("/inbox", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/conversations").status_code == 401
    assert not fresh_install.exists()   # the environment's key wins: no file is made
