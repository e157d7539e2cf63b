"""Stage 2: the channel adapter turns a stored delivery into ChannelEvents. The webhook runs
the same `read` before it acknowledges, so what the worker cannot parse is refused at the
door (422) instead of failing five times after a 200."""
from __future__ import annotations

import logging
from typing import Any

import orjson

from crowdcare.channels import registry
from crowdcare.channels.base import Rejected
from crowdcare.channels.checked import checked
from crowdcare.domain import AccountRef, ChannelEvent, Malformed
from crowdcare.pipeline.ingest import BOM

log = logging.getLogger(__name__)
NUL = "\x00"


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def decode(body: bytes) -> Any:
    """The body's JSON, without NUL characters: PostgreSQL's text and jsonb cannot hold them
    (a body with one used to be acknowledged, then fail every attempt). JSON can only carry
    NUL escaped, so bodies without that escape are not walked."""
    payload = orjson.loads(body.removeprefix(BOM))
    return _without_nul(payload) if b"\\u0000" in body else payload


def read(account: AccountRef, payload: Any) -> list[ChannelEvent]:
    """The adapter's shape check and parser, with every event checked (channels/checked.py):
    raises Rejected (the door answers its status), never anything else."""
    adapter = registry.get(account.kind)
    adapter.validate(account, payload)
    try:
        events = adapter.parse(account, payload)
    except Rejected:
        raise
    except Exception as exc:  # a parser bug must not become a 200 that is never stored
        log.warning("account %s: %s body refused: %r", account.id, account.kind, exc)
        raise Rejected(422, f"the body cannot be read as {account.kind} events: "
                            f"{type(exc).__name__}") from None
    return checked(events)


def admit(account: AccountRef, payload: Any) -> list[ChannelEvent]:
    """The door's judgement: a body is stored if the worker can read it; one whose every event
    is Malformed holds nothing to keep, so it is refused (422) rather than acknowledged.
    Returns its events (the door reads whose thread it is from them)."""
    events = read(account, payload)
    if events and all(isinstance(e, Malformed) for e in events):
        first = events[0]
        raise Rejected(422, f"{first.where}: {first.reason}"
                            + (f" (and {len(events) - 1} more)" if len(events) > 1 else ""))
    return events


def normalize(account: AccountRef, body: bytes) -> list[ChannelEvent]:
    return read(account, decode(body))
