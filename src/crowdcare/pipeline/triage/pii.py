"""Private data in the text: emails, phone numbers, card numbers (Luhn-checked), street
addresses, order numbers. The value is the sorted list of kinds found; reasons name the kind
and count, never the value itself (they are shown to agents and advocates)."""
from __future__ import annotations

import re

from crowdcare.domain import Signal

# the local part starts where a run of its characters starts (else every position inside a
# long run was tried again: quadratic) and takes the run whole (no backtracking into it)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# 13-19 digits, optionally grouped by spaces or dashes
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# a run of digits with phone separators; digit count is checked below (9-15, E.164)
PHONE = re.compile(r"(?<![\w#/.])\+?\(?\d[\d\s().-]{7,20}\d(?![\w/-])")
STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'-]*\.?\s+){1,4}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct|Court|Pl|Place|"
    r"Sq|Square|Ter|Terrace|Pkwy|Parkway|Hwy|Highway|Cres|Crescent|Close)\b\.?"
    r"|\b(?:[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|weg|gasse|platz|allee))\s+\d{1,4}[a-z]?\b"
    r"|\b(?:rue|avenue|boulevard|calle|avenida|via|rua|plaza)\s+(?:[\w'-]+\s+){0,3}\d{0,4}",
    re.UNICODE)
ORDER = re.compile(
    # "#A12345678", "#NW-1002", "#55123": a code with four digits or more after letters, five
    # alone; not a hashtag ("#seniors2016", "#Decision2016", "#1738": a song) nor a year alone
    # or after a tag's letters ("#2016", "#RTT2020", "#SXSW2016", "#E32016")
    r"#\s?(?!(?:[A-Za-z][A-Za-z0-9]{0,5})?(?:19|20)\d\d\b)"
    r"(?-i:(?:[A-Z]{1,4}-?\d{4,}|\d{5,})[A-Z0-9-]*)\b"
    r"|\b(?:order|ord|pedido|commande|bestellung|ordine|encomenda|bestelling|invoice|"
    r"tracking|ticket|case|rma)\s*(?:no\.?|number|num|nr\.?|n°|id|#|:)?\s*:?\s*"
    r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}\b"
    r"|주문\s*번호\s*:?\s*[A-Z0-9-]{4,}|订单号?\s*:?\s*[A-Z0-9-]{4,}",
    re.IGNORECASE)


_DIGIT = re.compile(r"\d")
# the words STREET's only alternative without a digit starts with
_STREET_WORDS = ("rue", "avenue", "boulevard", "calle", "avenida", "via", "rua", "plaza")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def analyze(text: str) -> Signal:
    found: dict[str, int] = {}
    covered = bytearray(len(text))   # characters a kind already holds: one check per match

    def note(kind: str, m: re.Match) -> None:
        found[kind] = found.get(kind, 0) + 1
        a, b = m.span()
        covered[a:b] = b"\x01" * (b - a)

    def taken(m: re.Match) -> bool:
        return covered.find(1, *m.span()) >= 0

    if "@" not in text and not _DIGIT.search(text):
        # nothing with digits or an @: only a digit-less street ("rue de la Paix") can match,
        # and only where one of its words is
        if any(w in text for w in _STREET_WORDS):
            for m in STREET.finditer(text):
                note("street_address", m)
        kinds = sorted(found)
        if not kinds:
            return Signal([], 0.9, ["no private data found"])
        return Signal(kinds, 0.95, [f"{k.replace('_', ' ')} ×{found[k]}" for k in kinds])
    for m in EMAIL.finditer(text):
        note("email", m)
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if luhn(digits):
            note("card_number", m)
    for m in ORDER.finditer(text):
        if not taken(m):
            note("order_number", m)
    for m in PHONE.finditer(text):
        if not taken(m) and 9 <= len(re.sub(r"\D", "", m.group(0))) <= 15:
            note("phone", m)
    for m in STREET.finditer(text):
        if not taken(m):
            note("street_address", m)
    kinds = sorted(found)
    if not kinds:
        return Signal([], 0.9, ["no private data found"])
    reasons = [f"{k.replace('_', ' ')} ×{found[k]}" + (" (Luhn-valid)" if k == "card_number" else "")
               for k in kinds]
    return Signal(kinds, 0.95, reasons)
