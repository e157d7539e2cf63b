"""What an event may carry, fixed when it is written to the outbox (not when a feed reads it):
every feed, the bus and every process then read the same safe record.

- JSON-safe: integers outside 64 bits (which orjson, the bus and the stream cannot write)
  become strings, as do values JSON has no form for; so one poisoned value can never make
  the stream drop every client connected or resuming from before it.
- Bounded: a payload over MAX_BYTES of JSON keeps only its small top-level fields (ids,
  names, states: what consoles use to fetch the rest) and says it was cut, so no event
  breaks a client with default frame limits (1 MiB in most websocket libraries).
"""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import orjson

MAX_BYTES = 64 * 1024       # one event's payload, as JSON
FIELD_BYTES = 1024          # a top-level field kept in a cut payload
INT64 = 2**63


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -INT64 <= value < INT64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def bounded(payload: dict[str, Any]) -> dict[str, Any]:
    try:   # the common case in C: orjson writes what JSON can hold (NaN as null), or refuses
        raw = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        safe = orjson.loads(raw)
    except (TypeError, orjson.JSONEncodeError):   # a set, a 2**64, an object: value by value
        safe = jsonable(payload)
        raw = orjson.dumps(safe)
    size = len(raw)
    if size <= MAX_BYTES:
        return safe
    kept = {k: v for k, v in safe.items() if len(orjson.dumps(v)) <= FIELD_BYTES}
    return {**kept, "truncated": {"bytes": size, "dropped": sorted(set(safe) - set(kept))}}
