"""The one clock. Whatever reads the time (leases, pace limits, grace periods, digests, SLAs)
reads `now()`, through `store.types.utcnow`; tests and the demo move it instead of sleeping.

`travel(delta)` shifts the clock and keeps it running (servers in the same process, their
workers and their leases all follow); `freeze(at)` stops it at one instant; `reset()` goes
back to the wall clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC) + _offset


def travel(delta: timedelta) -> datetime:
    global _offset, _frozen
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta
    return now()


def freeze(at: datetime | None = None) -> datetime:
    global _frozen
    _frozen = (at or now()).astimezone(UTC)
    return _frozen


def reset() -> None:
    global _offset, _frozen
    _offset, _frozen = timedelta(0), None
