"""The FAQ bot's tests: a Messenger page on the fake Graph API (messenger/conftest.py) with a
small knowledge base in English and Spanish."""
from __future__ import annotations

import pytest

from messenger.conftest import (  # noqa: F401 - the fake Graph API, its page, crowdcare served
    _fake_server,
    fake,
    live_page,
    page,
    server,
)

RETURNS = {"key": "returns", "intent": "returns", "links": [
    {"title": "Returns portal", "url": "https://shop.example/returns"}], "versions": [
    {"language": "en", "questions": ["How do I return an item?", "Can I send my order back?",
                                     "What is your return policy?", "I want to return a jacket"],
     "answer": "Hi {first_name}! You can return any unworn item within 30 days for a full "
               "refund."},
    {"language": "es", "questions": ["¿Cómo devuelvo un artículo?",
                                     "¿Puedo devolver mi pedido?",
                                     "¿Cuál es la política de devoluciones?"],
     "answer": "Puedes devolver cualquier artículo sin usar en 30 días."}]}
SHIPPING = {"key": "shipping-time", "intent": "shipping", "versions": [
    {"language": "en", "questions": ["How long does shipping take?",
                                     "When will my package be delivered?",
                                     "How many days is delivery?"],
     "answer": "Orders arrive in 3 to 5 working days."},
    {"language": "es", "questions": ["¿Cuánto tarda el envío?",
                                     "¿Cuántos días tarda la entrega?"],
     "answer": "Los pedidos llegan en 3 a 5 días laborables."}]}
GIFT = {"key": "gift-cards", "versions": [
    {"language": "en", "questions": ["Do you sell gift cards?", "Can I buy a gift card?"],
     "answer": "Yes: gift cards from $10 are on the website."}]}
ENTRIES = (RETURNS, SHIPPING, GIFT)


def add_entries(client, ws, *entries) -> list[dict]:
    made = []
    for entry in entries or ENTRIES:
        r = client.post("/api/v1/kb/entries", json=entry, headers=ws.admin)
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


@pytest.fixture
def bot_page(client, live_page):  # noqa: F811 - the imported fixture, requested
    """A Messenger page whose workspace has the knowledge base above."""
    live_page.entries = add_entries(client, live_page.ws)
    return live_page
