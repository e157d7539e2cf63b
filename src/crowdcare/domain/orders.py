"""Order numbers as customers type them: "NW-1001", "nw1001", "NW 1001" and "#NW1001" are the
same order. One key for the store, search, linking and the links in message text."""
from __future__ import annotations

import re

# a shop's order number in running text: a short letter prefix and digits (NW-1001, A1234),
# or a hash and digits (#1001); matched against the workspace's orders, so a false candidate
# only costs a lookup. Not inside a longer word or number.
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(#\s?\d{3,12}|[A-Za-z]{1,6}[- ]?\d{3,12})(?![0-9])")


def order_key(number: str) -> str:
    """Letters and digits only, upper case: the form every comparison uses."""
    return re.sub(r"[^0-9A-Za-z]", "", number or "").upper()


def candidates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of every order-number-like token in `text`."""
    return [(m.start(), m.end(), order_key(m.group(0))) for m in CANDIDATE.finditer(text or "")]
