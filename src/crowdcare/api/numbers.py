"""Every integer a request carries (ids in paths, query strings, bodies, forms and websocket
parameters) fits the database's signed 64-bit columns, or the request is refused with 422
before any query runs. Past 2**63 SQLite's driver raises OverflowError and PostgreSQL an
out-of-range error, which used to surface as 500."""
from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from starlette.convertors import IntegerConvertor, register_url_convertor

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]


class IdConvertor(IntegerConvertor):
    """`{name:id}` in a plain Starlette route: at most 18 digits, so any match fits a 64-bit
    column; a longer number matches no route (404)."""

    regex = "[0-9]{1,18}"


register_url_convertor("id", IdConvertor())
