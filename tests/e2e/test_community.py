"""Community care in a real browser: a mention arrives through the fake X API, appears live in
a new advocate's queue; claim, draft, submit; a reviewer approves in the console; the fake X
API records the reply under the mention with the signature. After the threshold of approvals
the advocate's next answer publishes without review."""
from __future__ import annotations

import os
import re
import time
from contextlib import ExitStack
from datetime import timedelta

import httpx
import pytest

from crowdcare import clock
from crowdcare.channels.testing import serve_in_thread
from crowdcare.channels.x.fake_api import FakeX
from support.fixtures import make_workspace, point_platforms

from .conftest import PASSWORD

pytestmark = pytest.mark.e2e
SIGNATURE = "— Sam, Acme Apparel community"
QUESTIONS = ["@acme do you ship to Canada, and how long does it take?",
             "@acme how long does shipping to Germany take?",
             "@acme how do I exchange a jacket for a bigger size?"]


@pytest.fixture
def site(cli, database_url, tmp_path):
    from crowdcare.actions import advocates
    from crowdcare.app import create_app
    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store import models as m

    clock.reset()
    with ExitStack() as stack:
        fake = FakeX(access_token="e2e-x-token-123", consumer_secret="e2e-x-secret-123",
                     user_id="4200000001", handle="acme")
        fake.base = stack.enter_context(serve_in_thread(fake.app))
        ws = make_workspace(cli)
        point_platforms(x=fake.base)
        account = cli.json("channel", "add", "x", "-w", str(ws.id), "--consumer-secret",
                           fake.consumer_secret, "--access-token", fake.access_token,
                           "--user-id", fake.user_id, "--handle", "acme")
        cli("agent", "password", "ana@acme-apparel.test", "--password", PASSWORD)
        cli("agent", "add", "sam@fans.test", "--role", "advocate", "--name", "Sam Rivera",
            "--password", PASSWORD, "-w", str(ws.id))
        with db.session_scope() as session:   # two approvals make an advocate trusted
            row = session.get(m.Workspace, ws.id)
            advocates.do_settings(session, row, advocates.check_settings(
                row, {"trust": {"trusted_after": 2, "window": 5}}))
        os.environ["CROWDCARE_RUN_WORKERS"] = "true"
        os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0.05"
        get_settings.cache_clear()
        try:
            base = stack.enter_context(serve_in_thread(create_app()))
            fake.webhook_url = f"{base}/webhooks/x/{account['id']}"
            yield base, fake, tmp_path
        finally:
            os.environ["CROWDCARE_RUN_WORKERS"] = "false"
            os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0"
            get_settings.cache_clear()
            clock.reset()


def tweet(fake: FakeX, text: str, handle: str, user_id: str) -> str:
    r = httpx.post(f"{fake.base}/_fake/mention", json={"text": text, "handle": handle,
                                                       "user_id": user_id}, timeout=10)
    assert r.status_code == 200 and r.json()["webhook_status"] == 200, r.text
    return r.json()["tweet_id"]


def reply_to(fake: FakeX, tweet_id: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in list(fake.requests):
            body = r.get("json") or {}
            if r["path"] == "/2/tweets" and (body.get("reply") or {}).get(
                    "in_reply_to_tweet_id") == tweet_id:
                return body
        time.sleep(0.05)
    raise AssertionError(f"no reply to {tweet_id}: {fake.requests}")


def sign_in(browser, base: str, email: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def answer(page, text: str, shots, name: str) -> None:
    from playwright.sync_api import expect

    page.locator(".mention-card a.button").first.click()
    page.wait_for_url(re.compile(r"/community/m/\d+$"))
    page.click("#claim")
    expect(page.locator("#draft")).to_be_visible()
    page.fill("#draft", text)
    expect(page.locator("#checks")).to_contain_text("Ready to submit")
    page.screenshot(path=str(shots / f"{name}-composer.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/community/answers$"))


def test_an_advocate_answers_a_mention_on_x_reviewed_then_trusted(playwright_browser, site):
    from playwright.sync_api import expect

    base, fake, shots = site
    sam = sign_in(playwright_browser, base, "sam@fans.test")
    sam.wait_for_url(re.compile(r"/community$"))
    expect(sam.locator("body[data-live='1']")).to_have_count(1)
    expect(sam.locator(".mention-card")).to_have_count(0)
    staff = sign_in(playwright_browser, base, "ana@acme-apparel.test")
    staff.wait_for_url(re.compile(r"/inbox"))

    for n in range(2):
        # a customer tweets: it appears live in the advocate's queue
        tweet_id = tweet(fake, QUESTIONS[n], f"maya{n}", f"900{n}")
        card = sam.locator(".mention-card", has_text=QUESTIONS[n])
        expect(card).to_be_visible()
        if n == 0:
            sam.screenshot(path=str(shots / "queue.png"), full_page=True)
        answer(sam, f"Hi! Tracked delivery takes 3 to 5 working days ({n + 1}).", shots,
               f"answer{n}")
        expect(sam.locator(".answer").first).to_contain_text("pending")
        assert not [r for r in fake.requests if r["path"] == "/2/tweets"][n:]   # not yet out
        # a reviewer approves it in the console
        staff.goto(f"{base}/review")
        review = staff.locator(".review-card", has_text=f"({n + 1})")
        expect(review).to_be_visible()
        if n == 0:
            staff.screenshot(path=str(shots / "review.png"), full_page=True)
        review.locator("button.approve").click()
        expect(staff.locator("#flash")).to_contain_text("approved and published")
        body = reply_to(fake, tweet_id)
        assert body["text"] == (f"Hi! Tracked delivery takes 3 to 5 working days ({n + 1})."
                                f"\n{SIGNATURE}")
        clock.travel(timedelta(seconds=31))   # the pace between two answers
        sam.goto(f"{base}/community")

    # two approvals: trusted; the next answer publishes without review
    sam.goto(f"{base}/community/profile")
    expect(sam.locator(".level-line .trust-badge")).to_have_text("trusted")
    sam.goto(f"{base}/community")
    tweet_id = tweet(fake, QUESTIONS[2], "maya9", "9009")
    expect(sam.locator(".mention-card", has_text=QUESTIONS[2])).to_be_visible()
    answer(sam, "Start an exchange from your account page and pick the new size.", shots,
           "trusted")
    body = reply_to(fake, tweet_id)
    assert body["text"].endswith(SIGNATURE)
    expect(sam.locator(".answer").first).to_contain_text("published")
    staff.goto(f"{base}/review")
    expect(staff.locator("#no-pending")).to_be_visible()   # nothing went through review
    staff.goto(f"{base}/review/published")
    expect(staff.locator("table.published tbody tr")).to_have_count(3)
    staff.screenshot(path=str(shots / "published.png"), full_page=True)
    # at phone width the advocate's pages still work
    phone = sign_in(playwright_browser, base, "sam@fans.test", width=390)
    phone.wait_for_url(re.compile(r"/community$"))
    phone.goto(f"{base}/community/answers")
    expect(phone.locator(".answer")).to_have_count(3)
    phone.screenshot(path=str(shots / "answers-phone.png"), full_page=True)
