"""Checks on a draft before an advocate submits it, each with the reason shown in the
composer: the platform's length (with the signature), private data (the triage detector
that routes such posts to staff), links outside the allow-list, banned words and promises
the brand forbids volunteers to make (refunds, compensation)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crowdcare.community.settings import CommunitySettings
from crowdcare.pipeline.triage import pii

LIMITS = {"x": 280, "messenger": 8000}   # a public reply's characters, per channel
DEFAULT_LIMIT = 2000
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|"
                 r"io|co|ly|me|shop|store|info|biz|app|link)(?:/[^\s<>\"']*)?", re.IGNORECASE)
PII_NAMES = {"email": "an email address", "phone": "a phone number", "card": "a card number",
             "order_number": "an order number", "street_address": "a street address"}


@dataclass(frozen=True)
class Problem:
    kind: str      # length | private_data | link | banned_word | promise | empty
    reason: str


def _host(url: str) -> str:
    return (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()


def allowed_host(host: str, allow: list[str]) -> bool:
    host = host.removeprefix("www.")
    for entry in allow:
        entry = entry.lower().strip().removeprefix("www.")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def _words(items: list[str], text: str) -> list[str]:
    low = text.lower()
    return [w for w in items if w.strip() and re.search(
        r"(?<!\w)" + re.escape(w.strip().lower()), low)]


def limit(channel: str) -> int:
    return LIMITS.get(channel, DEFAULT_LIMIT)


def check(text: str, settings: CommunitySettings, channel: str, signature: str) -> list[Problem]:
    problems: list[Problem] = []
    body = text.strip()
    if not body:
        return [Problem("empty", "Write an answer first.")]
    most = limit(channel)
    total = len(body) + (len(signature) + 1 if signature else 0)
    if total > most:
        problems.append(Problem("length", f"{total} characters with the signature: {channel} "
                                          f"allows {most}."))
    found = pii.analyze(body).value or []
    if found:
        kinds = ", ".join(PII_NAMES.get(k, k) for k in found)
        problems.append(Problem("private_data", f"The draft contains {kinds}: never post "
                                                "private data in public."))
    bad_links = sorted({h for u in URL.findall(body) if not allowed_host(h := _host(u),
                                                                          settings.link_allow_list)})
    if bad_links:
        problems.append(Problem("link", "Links only to " + (", ".join(settings.link_allow_list)
                                                           or "nowhere: links are off")
                                        + f" (not {', '.join(bad_links)})."))
    banned = _words(settings.banned_words, body)
    if banned:
        problems.append(Problem("banned_word", f"Words the brand does not use: "
                                               f"{', '.join(banned)}."))
    promised = _words(settings.forbidden_promises, body)
    if promised:
        problems.append(Problem("promise", "Only staff can promise "
                                           f"{', '.join(promised)}: hand it over instead."))
    return problems


def with_signature(text: str, signature: str) -> str:
    return f"{text.strip()}\n{signature}" if signature else text.strip()
