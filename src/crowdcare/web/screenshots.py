"""Screenshots of the console for the README, from the demo workspace with live traffic:

    python -m crowdcare.web.screenshots [--out docs/screenshots]

Starts the app on a temporary SQLite database, posts customer messages through the real
webhook, answers one conversation, then photographs the inbox and a conversation with
Debian's chromium (Playwright)."""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SCRIPT = [  # (customer index, text): a morning in the Northwind inbox
    (0, "Hi, where is my order NW-1001? It was supposed to arrive yesterday."),
    (1, "This is RIDICULOUS. Third time asking where order NW-1002 is. Worst service ever!!!"),
    (2, "주문한 NW-1003 배송이 언제 도착하나요?"),
    (3, "Can I return a jacket I bought last week? It doesn't fit."),
    (4, "I was charged twice for order NW-1005, can you refund one of them?"),
    (5, "मेरा ऑर्डर NW-1006 अभी तक नहीं आया, कृपया स्थिति बताएं।"),
    (6, "The app crashes every time I open my order history on Android."),
    (7, "I'm done with you. Cancel my account, I'm taking this to my lawyer."),
    (7, "Any news? Still waiting for an answer."),
    (3, "Also, do you have the midi dress in petite sizes?"),
    (0, "It says delivered but I never got it. Can you check with the courier?"),
    (2, "Just saw your new autumn collection, love it!"),
]


def _wait(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for the demo traffic to be processed")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--admin", action="store_true", help="also the admin pages")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="crowdcare-shots-")
    url = f"sqlite:///{tmp}/demo.db"
    os.environ.update(CROWDCARE_DATABASE_URL=url, CROWDCARE_RUN_WORKERS="true")

    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from crowdcare.actions import tickets
    from crowdcare.app import create_app
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
    from crowdcare.demo.seed import ADMIN_EMAIL, PASSWORD, seed
    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store import models as m
    from crowdcare.store.migrate import upgrade

    get_settings.cache_clear()
    upgrade(url)
    demo = seed()
    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as rbase:
        from crowdcare.demo.messenger import connect_callback

        connect_callback(demo.api_account_id, f"{rbase}/callback")   # the shop's chat
        with serve_in_thread(create_app()) as base:
            hook = f"{base}/webhooks/api/{demo.api_account_id}"
            inbound = {"Authorization": f"Bearer {demo.inbound_token}"}
            api = {"Authorization": f"Bearer {demo.agent_token}"}
            for i, (who, text) in enumerate(SCRIPT):
                name, external = demo.customers[who]
                r = httpx.post(hook, headers=inbound, json={
                    "id": f"shot-{i}", "customer": {"id": external, "name": name}, "text": text})
                r.raise_for_status()

            def processed() -> bool:
                with db.session_scope() as session:
                    return session.scalar(select(m.Delivery.id).where(
                        m.Delivery.status != "done").limit(1)) is None
            _wait(processed)
            with db.session_scope() as session:   # a few assignments, as a real morning has
                ana = session.scalar(select(m.Agent).where(m.Agent.email == "ana@northwind.example"))
                admin = session.scalar(select(m.Agent).where(m.Agent.email == ADMIN_EMAIL))
                convs = session.scalars(select(m.Conversation).order_by(m.Conversation.id)).all()
                for conv, agent in zip(convs, [admin, None, ana, admin, None, ana], strict=False):
                    ticket = tickets.current(session, conv.id)
                    if ticket is not None and agent is not None:
                        tickets.do_update(session, ticket, {"assignee_id": agent.id})
                maya = convs[0].id   # the shop's chat knows its customers: orders are there
                escalated = next(c.id for c in convs if c.route == "escalation")
            httpx.post(f"{base}/api/v1/conversations/{maya}/replies", headers=api, json={
                "text": "Hi Maya, sorry about the wait! Order NW-1001 left our warehouse on "
                        "Monday; I've asked UPS to check the delivery scan."}).raise_for_status()
            httpx.post(f"{base}/api/v1/conversations/{maya}/replies", headers=api, json={
                "text": "Courier claim opened with UPS, ref 88231.", "note": True})
            _wait(lambda: len(receiver.received) >= 1)

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 760})
                page.goto(f"{base}/login")
                page.fill("input[name=email]", ADMIN_EMAIL)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/inbox")
                page.wait_for_selector("body[data-live='1']")
                page.keyboard.press("j")
                page.keyboard.press("j")
                page.screenshot(path=str(out / "inbox.png"))
                page.set_viewport_size({"width": 1280, "height": 900})
                page.goto(f"{base}/c/{escalated}")   # held until an agent clears it
                page.wait_for_selector("body[data-live='1']")
                page.screenshot(path=str(out / "conversation.png"))
                if args.admin:
                    for section in ("channels", "agents", "canned", "campaigns", "triage"):
                        page.goto(f"{base}/admin/{section}")
                        page.screenshot(path=str(out / f"admin-{section}.png"))
                phone = browser.new_page(viewport={"width": 390, "height": 844},
                                         device_scale_factor=1)
                phone.context.add_cookies(page.context.cookies())
                phone.goto(f"{base}/inbox")
                phone.screenshot(path=str(out / "inbox-phone.png"))
                phone.goto(f"{base}/c/{maya}")
                phone.wait_for_selector("body[data-live='1']")
                phone.screenshot(path=str(out / "conversation-phone.png"))
                browser.close()
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main()
