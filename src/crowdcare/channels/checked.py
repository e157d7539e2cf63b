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
        return read()
    except Exception as exc:  # noqa: BLE001 - whatever the input did, it is this event's alone
        return malformed(where, exc)


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
            named = getattr(event, "external_id", None)
            event = malformed(f"event {n}" + (f" ({named})" if isinstance(named, str) else ""),
                              exc)
        out.append(event)
    return out


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def check(event: Any) -> None:
    """Raise TypeError/ValueError naming the first field that does not hold its declared type
    (a dataclass of domain/channel.py, recursively). The test is compiled once per type: it
    runs for every event, at the door and in the worker."""
    try:
        fits = _fits(type(event))(event)
    except (ArithmeticError, ValueError):   # comparing a time at the ends of the calendar
        fits = False
    if not fits:
        _explain(event, type(event), "")
        raise ValueError("event: a value out of range")   # _explain found none: be safe


@cache
def _fits(hint: Any) -> Callable[[Any], bool]:
    if dataclasses.is_dataclass(hint):
        fields = [(name, _fits(h)) for name, h in _hints(hint).items() if h is not Any]

        def fits(v: Any) -> bool:   # a loop, not all(): this runs for every event
            if not isinstance(v, hint):
                return False
            for name, ok in fields:
                if not ok(getattr(v, name)):
                    return False
            return True
        return fits
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_fits(option) for option in args if option is not type(None)]
        if len(options) == 1 and len(args) == 2:   # X | None, the usual optional field
            only = options[0]
            return lambda v: v is None or only(v)
        nullable = type(None) in args
        return lambda v: (nullable and v is None) or any(ok(v) for ok in options)
    if hint is Any:
        return lambda v: True
    if hint is type(None):
        return lambda v: v is None
    if origin is list:
        item = _fits(args[0]) if args else _fits(Any)
        return lambda v: isinstance(v, list) and all(item(x) for x in v)
    if origin is dict:
        return lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v)
    if hint is int:   # type(), not isinstance(): True is not a count
        return lambda v: type(v) is int and -INT64 <= v < INT64
    if hint is datetime:
        return lambda v: (isinstance(v, datetime) and v.tzinfo is not None
                          and EARLIEST <= v <= LATEST)
    return lambda v: isinstance(v, hint)


def _explain(value: Any, hint: Any, where: str) -> None:
    """Raise naming where `value` does not fit `hint` (the slow path, only for a misfit)."""
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise TypeError(f"{where or 'event'}: expected {hint.__name__}")
        for name, field_hint in _hints(hint).items():
            _explain(getattr(value, name), field_hint, f"{where}.{name}" if where else name)
        return
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        fitting = [a for a in args if _fits(a)(value)] if value is not None else []
        if value is None and type(None) in args or fitting:
            return
        return _explain(value, next(a for a in args if a is not type(None)), where)
    if origin is list and isinstance(value, list):
        for n, item in enumerate(value):
            _explain(item, args[0] if args else Any, f"{where}[{n}]")
        return
    if _fits(hint)(value):
        return
    said = {str: "text", bool: "true or false", int: "a whole number within 64 bits",
            datetime: f"a time with its zone, {EARLIEST.year}-{LATEST.year}",
            list: "a list", dict: "an object"}
    raise TypeError(f"{where}: expected {said.get(origin or hint, getattr(hint, '__name__', hint))}")


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
