"""Each event of a batch is read on its own, and what a parser made is checked before anything
stores it. A platform batches events (Messenger up to 1,000 per body) and is told 200 once
for all of them: one malformed event must become a recorded rejection (`Malformed`), never an
exception that sinks the valid events beside it, nor a value the database refuses later
(text that is a number, an id past 64 bits, a time outside the calendar)."""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from crowdcare.domain import ChannelEvent, Malformed

INT64 = 2**63
# Times a message may carry: the window, SLA and digest arithmetic on a time near year 1 or
# 9999 overflows, so those are refused as the ends of the calendar, not stored.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
T = TypeVar("T")


def each(items: Any, read: Callable[[T], ChannelEvent], where: str) -> list[ChannelEvent]:
    """`read` every item of a list (a non-list holds none) on its own: an item it cannot read
    is Malformed, the others are read as usual."""
    if not isinstance(items, list):
        return []
    return [one(lambda item=item: read(item), f"{where} {n}") for n, item in enumerate(items)]


def one(read: Callable[[], ChannelEvent], where: str) -> ChannelEvent:
    try:
        event = read()
        check(event)   # here, where the event's place in the batch is known
    except Exception as exc:  # noqa: BLE001 - whatever the input did, it is this event's alone
        return malformed(where, exc)
    return event


def malformed(where: str, exc: BaseException) -> Malformed:
    return Malformed(where, f"{type(exc).__name__}: {exc}"[:300])


def checked(events: list[ChannelEvent]) -> list[ChannelEvent]:
    """Every event as its parser made it, or Malformed where a field has the wrong type."""
    out: list[ChannelEvent] = []
    for n, event in enumerate(events):
        try:
            if not isinstance(event, Malformed):
                check(event)
        except Exception as exc:  # noqa: BLE001 - TypeError, ValueError, OverflowError
            event = malformed(f"event {n}", exc)
        out.append(event)
    return out


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def check(value: Any, hint: Any = None, where: str = "") -> None:
    """Raise TypeError/ValueError naming the first field that does not hold its declared type
    (a dataclass of domain/channel.py, recursively)."""
    if hint is None:
        hint = type(value)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise TypeError(f"{where or 'event'}: expected {hint.__name__}")
        for name, field_hint in _hints(hint).items():
            check(getattr(value, name), field_hint, f"{where}.{name}" if where else name)
        return
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in args:
            try:
                return check(value, option, where)
            except (TypeError, ValueError) as exc:
                errors.append(exc)
        raise errors[-1]
    if hint is Any:
        return
    if hint is type(None):
        if value is not None:
            raise TypeError(f"{where}: expected nothing")
        return
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(f"{where}: expected a list")
        for n, item in enumerate(value):
            check(item, args[0] if args else Any, f"{where}[{n}]")
        return
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: expected an object")
        return
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{where}: expected true or false")
    elif hint is int:
        if not isinstance(value, int) or isinstance(value, bool) or not -INT64 <= value < INT64:
            raise TypeError(f"{where}: expected a whole number within 64 bits")
    elif hint is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError(f"{where}: expected a time with its zone")
        if not EARLIEST <= value <= LATEST:
            raise ValueError(f"{where}: {value.isoformat()} is outside {EARLIEST.year}"
                             f"-{LATEST.year}")
    elif hint is str:
        if not isinstance(value, str):
            raise TypeError(f"{where}: expected text")
    elif isinstance(hint, type) and not isinstance(value, hint):
        raise TypeError(f"{where}: expected {hint.__name__}")


def utc(value: datetime | None) -> datetime | None:
    """A platform's or a caller's time in UTC (one without a zone is taken as UTC); one outside
    EARLIEST..LATEST is a ValueError, so a pydantic model refuses it at the door instead of
    the pipeline failing on it after the 200."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        value = None
    if value is None or not EARLIEST <= value <= LATEST:
        raise ValueError(f"a time between {EARLIEST.year} and {LATEST.year}")
    return value
