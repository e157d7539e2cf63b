"""Finds channel folders at import time; the core never imports a channel by name."""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import crowdcare.channels as package
from crowdcare.channels.base import ChannelAdapter


@cache
def adapters() -> dict[str, ChannelAdapter]:
    found: dict[str, ChannelAdapter] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        adapter = getattr(module, "adapter", None)
        if isinstance(adapter, ChannelAdapter):
            found[adapter.kind] = adapter
    return found


def get(kind: str) -> ChannelAdapter | None:
    return adapters().get(kind)
