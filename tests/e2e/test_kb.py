"""The knowledge-base page in a real browser: the suggested FAQs from the workspace's
history, one click turns one into an entry, the bot then answers it ("Try a question")."""
from __future__ import annotations

import time

import httpx
import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.e2e
HISTORY = [("How do I return my jacket?", "Returns are free within 30 days: shop.example/r"),
           ("how do I return these shoes", "Returns are free within 30 days: shop.example/r"),
           ("How do I return an item I bought?",
            "Returns are free within 30 days: shop.example/r")]


def seed(live) -> None:
    for n, (text, _) in enumerate(HISTORY):
        r = httpx.post(f"{live.base}{live.ws.webhook}", headers=live.ws.inbound, json={
            "id": f"kb-{n}", "customer": {"id": f"kb-c{n}", "name": f"Customer {n}"},
            "text": text})
        assert r.status_code == 200
    api = httpx.Client(base_url=live.base, headers=live.ws.agent)
    deadline = time.monotonic() + 15
    while len(items := api.get("/api/v1/conversations").json()["items"]) < len(HISTORY):
        assert time.monotonic() < deadline, items
        time.sleep(0.05)
    for conv in items:
        text = api.get(f"/api/v1/conversations/{conv['id']}").json()["messages"][0]["text"]
        answer = dict(HISTORY)[text]
        assert api.post(f"/api/v1/conversations/{conv['id']}/replies",
                        json={"text": answer}).status_code == 201


def test_create_an_entry_from_a_suggestion(playwright_browser, live, tmp_path):
    from playwright.sync_api import expect

    seed(live)
    for width, height in ((1280, 900), (390, 844)):
        context = playwright_browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live.base}/kb")
        page.fill("input[name=email]", live.admin_email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.base}/kb")
        suggestion = page.locator(".suggestion").first
        expect(suggestion.locator(".count")).to_have_text("3×")
        expect(suggestion).to_contain_text("Returns are free within 30 days")
        page.screenshot(path=str(tmp_path / f"kb-{width}.png"), full_page=True)
        if width == 1280:
            suggestion.get_by_role("button", name="Create entry").click()   # one click
            expect(page.locator(".flash.ok")).to_contain_text("saved: the bot answers with it")
            expect(page.locator("textarea[name=questions_0]")).to_have_value(
                "\n".join(text for text, _ in reversed(HISTORY)))   # newest first
            expect(page.locator("textarea[name=answer_0]")).to_have_value(HISTORY[0][1])
            page.screenshot(path=str(tmp_path / "kb-entry.png"), full_page=True)
            page.get_by_role("link", name="← Knowledge base").click()
            expect(page.locator(".kb-table tbody tr")).to_have_count(1)
            expect(page.locator(".suggestion .covered").first).to_contain_text("answered by")
            expect(page.get_by_role("button", name="Create entry")).to_have_count(0)
        page.fill("input[name=text]", "how can I return a coat I bought?")
        page.get_by_role("button", name="Ask the bot").click()
        expect(page.locator("#tried .tried.yes")).to_contain_text("Returns are free")
        page.screenshot(path=str(tmp_path / f"kb-try-{width}.png"), full_page=True)
        context.close()
