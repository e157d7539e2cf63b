"""The demo store's FAQ bot: a knowledge base for Northwind Threads (English, some Spanish),
the seeded customers linked to the web-shop chat so "where is my order?" finds their own
order, and Messenger customers who tap the bot's quick replies ("That solved it" / "Talk to a
person") now and then, so the metrics on the knowledge-base page move."""
from __future__ import annotations

import asyncio
import random

import httpx

from crowdcare.bots import kb, phrases
from crowdcare.store import db
from crowdcare.store import models as m

ENTRIES = [
    {"key": "returns", "intent": "returns",
     "links": [{"title": "Start a return", "url": "https://northwind.example/returns"}],
     "versions": [
         {"language": "en", "questions": [
             "Can I return something I bought?", "How do I return an item?",
             "What is your return policy?", "It doesn't fit, can I send it back?",
             "Can I return a jacket I bought last week?"],
          "answer": "Hi {first_name}! You can return any unworn item within 30 days for a full "
                    "refund: start the return online and drop the parcel at any UPS point."},
         {"language": "es", "questions": [
             "¿Puedo devolver algo que compré?", "¿Cómo hago una devolución?",
             "¿Cuál es la política de devoluciones?"],
          "answer": "Puedes devolver cualquier artículo sin usar en 30 días y te reembolsamos "
                    "todo: inicia la devolución en la web."}]},
    {"key": "exchange-size", "intent": "returns", "versions": [
        {"language": "en", "questions": [
            "How do I exchange for a different size?", "Can I swap the sneakers for a size 42?",
            "I need a bigger size, can I exchange it?", "How do I exchange the sneakers?"],
         "answer": "Exchanges are free: start a return, choose 'exchange' and the new size, and "
                   "we ship it as soon as the parcel is scanned."}]},
    {"key": "shipping-abroad", "intent": "shipping", "versions": [
        {"language": "en", "questions": [
            "Do you ship to Canada?", "Do you ship internationally?",
            "How long does shipping to Canada take?", "Which countries do you deliver to?"],
         "answer": "We ship to the US, Canada, the UK and the EU. Canada takes 5-8 working "
                   "days; shipping is free over $75."},
        {"language": "es", "questions": ["¿Hacen envíos internacionales?",
                                         "¿Envían a México?", "¿Cuánto tarda el envío?"],
         "answer": "Enviamos a EE. UU., Canadá, Reino Unido y la UE, en 5 a 8 días laborables."}]},
    {"key": "refund-timing", "intent": "returns", "versions": [
        {"language": "en", "questions": [
            "When will my refund show up?", "How long do refunds take?",
            "I sent my return, when do I get my money back?"],
         "answer": "Refunds go back to your card within 5 working days of the return being "
                   "scanned at our warehouse; your bank may take 2-3 more days."}]},
    {"key": "coat-care", "versions": [
        {"language": "en", "questions": [
            "Is the wool coat machine washable?", "How do I wash the wool coat?",
            "Can the coat go in the washing machine?"],
         "answer": "The wool coat is dry clean only; brush it and air it between wears."}]},
    {"key": "size-guide", "intent": "product_question",
     "links": [{"title": "Size guide", "url": "https://northwind.example/sizes"}],
     "versions": [
         {"language": "en", "questions": [
             "What size should I get?", "Do your sizes run small?",
             "Which size is right for me in the linen shirt?"],
          "answer": "Our shirts run true to size; if you are between sizes take the larger."}]},
    {"key": "order-status", "intent": "order_status", "versions": [
        {"language": "en", "questions": ["Where is my order?", "Has my order shipped?",
                                         "Track my order"],
         "answer": "(answered with the customer's own order)"}]},
]


def seed(session, workspace: m.Workspace) -> None:
    """The knowledge base, once."""
    if not kb.entries(session, workspace.id):
        for data in ENTRIES:
            kb.do_save_entry(session, workspace.id, kb.check_entry(session, workspace.id,
                                                                   dict(data)))
    session.flush()


def seed_workspace(workspace_id: int) -> None:
    with db.session_scope() as session:
        seed(session, session.get(m.Workspace, workspace_id))


async def tap_controls(fake, stop: asyncio.Event, seed_value: int | None = None) -> int:
    """Messenger customers answer the bot's quick replies: mostly "That solved it"."""
    rng = random.Random(seed_value)
    seen, tapped = 0, 0
    async with httpx.AsyncClient(timeout=10) as http:
        while not stop.is_set():
            requests = list(fake.requests)
            for r in requests[seen:]:
                message = (r.get("body") or {}).get("message") or {}
                payloads = {q.get("payload") for q in message.get("quick_replies") or []}
                if phrases.SOLVED in payloads and r.get("status") == 200 and rng.random() < 0.8:
                    solved = rng.random() < 0.75
                    choice = phrases.SOLVED if solved else phrases.PERSON
                    title = phrases.TEXT["en"]["solved" if solved else "person"]
                    await asyncio.sleep(rng.uniform(1, 4))
                    try:
                        await http.post(f"{fake.base}/_fake/customer/message", json={
                            "psid": r["body"]["recipient"]["id"], "text": title,
                            "quick_reply": choice})
                        tapped += 1
                    except httpx.HTTPError:
                        pass
            seen = len(requests)
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                pass
    return tapped
