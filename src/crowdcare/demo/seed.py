"""The demo workspace: a small online clothing store. Idempotent: seeding twice changes nothing."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from crowdcare.actions import orders, people, workspaces
from crowdcare.demo import faq
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

SLUG = "northwind-threads"
ADMIN_EMAIL, PASSWORD = "admin@northwind.example", "demo-password"
PRODUCTS = [
    ("NW-LIN-SHIRT", "Linen shirt", 49.0), ("NW-DEN-JKT", "Denim jacket", 89.0),
    ("NW-WOOL-COAT", "Wool coat", 189.0), ("NW-MIDI-DRS", "Midi dress", 69.0),
    ("NW-SNK-WHT", "White sneakers", 79.0), ("NW-CHINO", "Slim chinos", 55.0),
    ("NW-TEE-3PK", "Organic tee, 3-pack", 39.0), ("NW-KNIT-BNE", "Knit beanie", 19.0),
]
CUSTOMERS = [
    ("Maya Chen", "cust-maya"), ("Arjun Sharma", "cust-arjun"), ("Ji-woo Park", "cust-jiwoo"),
    ("Lucas Martin", "cust-lucas"), ("Sofia Rossi", "cust-sofia"), ("Priya Nair", "cust-priya"),
    ("Tom Becker", "cust-tom"), ("Wei Zhang", "cust-wei"),
]
CANNED = [
    ("thanks", "Thanks", "Thanks for reaching out, {customer_name}! Happy to help."),
    ("where", "Where is my order", "Hi {customer_name}, order {order_number} is on its way: "
     "you'll get a tracking update as soon as the carrier scans it."),
    ("returns", "Returns policy", "You can return any unworn item within 30 days for a full "
     "refund; start here: https://northwind.example/returns"),
]


@dataclass
class Demo:
    workspace_id: int
    api_account_id: int
    inbound_token: str
    agent_token: str
    customers: list[tuple[str, str]]
    order_numbers: list[str]


def seed() -> Demo:
    with db.session_scope() as session:
        ws = session.scalar(select(m.Workspace).where(m.Workspace.slug == SLUG))
        if ws is None:
            ws = workspaces.do_create(session, "Northwind Threads", SLUG)
            ws.settings = {"vip_handles": ["@fashionista_sam"],
                           "keywords": {"technical": ["app", "crash", "login", "checkout"]}}
            admin = people.do_add_agent(session, ws, ADMIN_EMAIL, "admin", "Alex Admin", PASSWORD)
            ana = people.do_add_agent(session, ws, "ana@northwind.example", "agent", "Ana Silva",
                                      PASSWORD)
            raj = people.do_add_agent(session, ws, "raj@northwind.example", "agent", "Raj Patel",
                                      PASSWORD)
            people.do_create_team(session, ws.id, "Tier 1", [ana, admin])
            people.do_create_team(session, ws.id, "Tier 2", [raj])
            people.do_add_agent(session, ws, "sam@community.example", "advocate", "Sam (community)",
                                PASSWORD)
            people.do_create_token(session, admin, "demo")
            for sku, title, price in PRODUCTS:
                session.add(m.Product(workspace_id=ws.id, sku=sku, title=title, price=price))
            for shortcut, title, body in CANNED:
                session.add(m.CannedResponse(workspace_id=ws.id, shortcut=shortcut, title=title,
                                             body=body))
            _, config = workspaces.check_channel("api", {})
            workspaces.do_add_channel(session, ws, "api", config, "Web shop chat (API)")
            _customers_and_orders(session, ws)
        faq.seed(session, ws, CUSTOMERS)   # the FAQ bot's knowledge base (bots/)
        account = session.scalar(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws.id, m.ChannelAccount.kind == "api"))
        admin = session.scalar(select(m.Agent).where(m.Agent.email == ADMIN_EMAIL))
        token = people.do_create_token(session, admin, "demo-session")
        numbers = list(session.scalars(select(m.Order.number).where(m.Order.workspace_id == ws.id)))
        return Demo(ws.id, account.id, account.config["inbound_token"], token, CUSTOMERS, numbers)


def _customers_and_orders(session, ws: m.Workspace) -> None:
    rng = random.Random(7)
    for n, (name, _ext) in enumerate(CUSTOMERS):
        customer = m.Customer(workspace_id=ws.id, name=name,
                              email=name.lower().replace(" ", ".") + "@mail.example")
        session.add(customer)
        session.flush()
        items = [{"sku": sku, "title": title, "quantity": rng.randint(1, 2), "unit_price": price}
                 for sku, title, price in rng.sample(PRODUCTS, 2)]
        order = orders.do_create(session, ws.id, {
            "customer_id": customer.id, "number": f"NW-{1001 + n}", "currency": "USD",
            "items": items, "shipping_cost": 4.95, "tax": 0.0, "payment_method": "Visa 4242",
            "address": {"street_1": f"{10 + n} Market St", "city": "Springfield",
                        "postal_code": "12345", "state": "CA", "country": "US"},
            "status": "placed"})
        order.created_at = utcnow() - timedelta(days=rng.randint(1, 10))
        if n % 2 == 0:
            orders.do_add_shipping_event(session, order, {
                "status": "in_transit", "carrier": "UPS", "tracking_number": f"1Z{n:08d}",
                "description": "Departed facility", "location": "Oakland, CA"})
