"""The demo workspace: a small online clothing store. Idempotent: seeding twice changes nothing."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from crowdcare.actions import calendars, orders, people, sla, workspaces
from crowdcare.actions import rules as rule_actions
from crowdcare.demo import automation, faq
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

SLUG = "northwind-threads"
ADMIN_EMAIL, PASSWORD = "admin@northwind.example", "demo-password"
# every seeded account signs in with PASSWORD (the demo prints them all)
ACCOUNTS = [("admin", "Alex Admin", ADMIN_EMAIL), ("agent", "Ana Silva", "ana@northwind.example"),
            ("agent", "Raj Patel", "raj@northwind.example"),
            ("advocate", "Sam Rivera", "sam@community.example")]
PRODUCTS = [
    ("NW-LIN-SHIRT", "Linen shirt", 49.0), ("NW-DEN-JKT", "Denim jacket", 89.0),
    ("NW-WOOL-COAT", "Wool coat", 189.0), ("NW-MIDI-DRS", "Midi dress", 69.0),
    ("NW-SNK-WHT", "White sneakers", 79.0), ("NW-CHINO", "Slim chinos", 55.0),
    ("NW-TEE-3PK", "Organic tee, 3-pack", 39.0), ("NW-KNIT-BNE", "Knit beanie", 19.0),
]
CUSTOMERS = [   # the web shop's signed-in customers: its chat (the API channel) knows them
    ("Maya Chen", "cust-maya"), ("Arjun Sharma", "cust-arjun"), ("Ji-woo Park", "cust-jiwoo"),
    ("Lucas Martin", "cust-lucas"), ("Sofia Rossi", "cust-sofia"), ("Priya Nair", "cust-priya"),
    ("Tom Becker", "cust-tom"), ("Wei Zhang", "cust-wei"),
]
# store customers who also write on Messenger, where nothing says who they are until they
# give an order number: the console suggests the link and the agent confirms it
MESSENGER_SHOPPERS = ["Lena Vogel", "Kofi Mensah", "Ana Lima"]
RULES = [{"name": "Refunds to Tier 2", "when": {"text": {"contains": "refund"}},
          "then": {"team": "Tier 2"}}]
# business hours and SLAs (docs/automation.md): the inbox shows each row's time left
CALENDAR = {"name": "Northwind support", "timezone": "America/Los_Angeles",
            "hours": ["mon-fri 08:00-18:00", "sat 10:00-14:00"], "holidays": "US-CA"}
SLAS = [("Urgent", {"first_reply": 15, "next_reply": 30, "resolution": 240},
         ["priority=urgent"], False),
        ("Standard", {"first_reply": 120, "next_reply": 120, "periodic_update": 480,
                      "resolution": 2880}, [], True)]
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
    orders: dict[str, str]          # customer name → their order number


def seed() -> Demo:
    with db.session_scope() as session:
        ws = session.scalar(select(m.Workspace).where(m.Workspace.slug == SLUG))
        if ws is None:
            ws = workspaces.do_create(session, "Northwind Threads", SLUG)
            ws.settings = {"vip_handles": ["@fashionista_sam"],
                           "keywords": {"technical": ["app", "crash", "login", "checkout"]}}
            admin, ana, raj, _sam = (people.do_add_agent(session, ws, email, role, name, PASSWORD)
                                     for role, name, email in ACCOUNTS)
            people.do_create_team(session, ws.id, "Tier 1", [ana, admin])
            people.do_create_team(session, ws.id, "Tier 2", [raj])
            people.do_create_token(session, admin, "demo")
            for rule in RULES:
                rule_actions.check_rule(rule)
                rule_actions.do_create_rule(session, ws.id, rule)
            for sku, title, price in PRODUCTS:
                session.add(m.Product(workspace_id=ws.id, sku=sku, title=title, price=price))
            for shortcut, title, body in CANNED:
                session.add(m.CannedResponse(workspace_id=ws.id, shortcut=shortcut, title=title,
                                             body=body))
            _, config = workspaces.check_channel("api", {})
            api = workspaces.do_add_channel(session, ws, "api", config, "Web shop chat (API)")
            _customers_and_orders(session, ws, api)
            calendars.do_set(session, ws.id, calendars.check_set(
                session, ws.id, default=True, **CALENDAR))
            for name, targets, when, fallback in SLAS:
                sla.do_add(session, ws.id, sla.check_add(session, ws.id, name, when=when,
                                                         fallback=fallback, **targets))
        faq.seed(session, ws)   # the FAQ bot's knowledge base (bots/)
        account = session.scalar(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws.id, m.ChannelAccount.kind == "api"))
        automation.seed(session, ws, account)   # hours, away message, surveys and their history
        admin = session.scalar(select(m.Agent).where(m.Agent.email == ADMIN_EMAIL))
        token = people.do_create_token(session, admin, "demo-session")
        owned = dict(session.execute(select(m.Customer.name, m.Order.number)
                                     .join(m.Order, m.Order.customer_id == m.Customer.id)
                                     .where(m.Order.workspace_id == ws.id)).all())
        return Demo(ws.id, account.id, account.config["inbound_token"], token, CUSTOMERS,
                    sorted(owned.values()), owned)


def _customers_and_orders(session, ws: m.Workspace, api: m.ChannelAccount) -> None:
    rng = random.Random(7)
    people_ = [(name, ext) for name, ext in CUSTOMERS] + [(n, None) for n in MESSENGER_SHOPPERS]
    for n, (name, external) in enumerate(people_):
        customer = m.Customer(workspace_id=ws.id, name=name,
                              email=name.lower().replace(" ", ".") + "@mail.example",
                              phone=f"+1 415 555 {100 + n:04d}")
        session.add(customer)
        if external:   # the shop's chat knows who is signed in: this identity is theirs
            session.add(m.Identity(workspace_id=ws.id, customer=customer,
                                   channel_account_id=api.id, external_id=external,
                                   display_name=name))
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
