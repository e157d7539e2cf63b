"""Text normalisation and the features every trained head shares.

Training and inference both call `features()`, so what the model saw and what it scores can
never drift apart (no second tokenizer to keep in sync).
"""
from __future__ import annotations

import re

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_USER = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
# words (any script), the punctuation that carries tone, and emoji/symbols
TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|0|[!?]|[\u2600-\u27bf\U0001f300-\U0001faff]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def normalize(text: str) -> str:
    """Lower-case; collapse what varies without meaning (links, handles, numbers)."""
    text = _URL.sub(" httpurl ", text)
    text = _USER.sub(" atuser ", text)
    return _DIGITS.sub("0", text.lower())


def tokens(text: str) -> list[str]:
    """Tokens of an already-normalised text."""
    return TOKEN.findall(text)


def features(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """(word unigrams+bigrams, character 3-5-grams inside words) with their counts.

    Character n-grams carry misspellings, inflections and scripts without spaces (CJK), which
    a tweet-sized word model misses.
    """
    toks = tokens(normalize(text))
    words: dict[str, int] = {}
    chars: dict[str, int] = {}
    prev = "<s>"
    for t in toks:
        words[t] = words.get(t, 0) + 1
        bg = prev + " " + t
        words[bg] = words.get(bg, 0) + 1
        prev = t
        if len(t) < 2 and not _CJK.match(t):
            continue
        w = " " + t + " "
        n_max = min(5, len(w))
        for n in range(3, n_max + 1):
            for i in range(len(w) - n + 1):
                g = w[i:i + n]
                chars[g] = chars.get(g, 0) + 1
    return words, chars


def lexicon(words: list[str] | tuple[str, ...], prefix: bool = False) -> re.Pattern[str]:
    """A case-insensitive pattern for words/phrases in any script.

    Latin-script terms match on word boundaries (`prefix=True` lets them take endings:
    "refund" → "refunded"); CJK, Hangul and Devanagari terms match anywhere, since those
    scripts do not separate words (or inflect by suffix) the way \\b expects.
    """
    latin = sorted({w for w in words if w.isascii() or not _NON_LATIN.search(w)}, key=len,
                   reverse=True)
    other = sorted({w for w in words if w not in latin}, key=len, reverse=True)
    tail = r"\w*" if prefix else r"\b"
    parts = []
    if latin:
        parts.append(r"\b(?:" + "|".join(re.escape(w) for w in latin) + ")" + tail)
    if other:
        parts.append("(?:" + "|".join(re.escape(w) for w in other) + ")")
    return re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE)


_NON_LATIN = re.compile(r"[\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
