"""Every router of the app, in one list."""
from __future__ import annotations

import importlib

MODULES = ["health", "webhooks", "conversations", "tickets", "customers", "orders", "people",
           "channels", "deliveries", "stream", "campaigns", "handover", "triage", "mentions",
           "community", "bots", "automation", "surveys", "away", "rules", "metrics"]


def routers():
    for name in MODULES:
        yield importlib.import_module(f"crowdcare.api.{name}").router
