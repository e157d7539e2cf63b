"""Text normalisation and the features every trained head shares.

`tokens`, `word_grams` and `char_grams` define the features once: the vocabulary, the training
rows and inference (model.py) all build on them, so what the model saw and what it scores
cannot drift apart.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

from crowdcare.pipeline.triage.devanagari import DEVANAGARI as _DEVANAGARI
from crowdcare.pipeline.triage.devanagari import romanise_text

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_USER = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
# words (any script), the punctuation that carries tone, and emoji/symbols
TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|0|[!?]|[\u2600-\u27bf\U0001f300-\U0001faff]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def normalize(text: str) -> str:
    """Lower-case; collapse what varies without meaning (links, handles, numbers, HTML
    entities that some exports keep)."""
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    if "http" in text or "www." in text:   # most posts have no link nor handle: skip those
        text = _URL.sub(" httpurl ", text)
    if "@" in text:
        text = _USER.sub(" atuser ", text)
    if _DEVANAGARI.search(text):   # as romanised Hindi: the Hindi rows we train on
        text = romanise_text(text)
    return _DIGITS.sub("0", text)


def tokens(text: str) -> list[str]:
    """Tokens of an already-normalised text."""
    return TOKEN.findall(text)


def bigrams(toks: list[str]) -> list[str]:
    """Each token's bigram with the token before it ("<s>" before the first)."""
    return list(map(" ".join, zip(["<s>", *toks], toks, strict=False)))


def word_grams(toks: list[str]) -> list[tuple[str, str]]:
    """Each token's word features: (the unigram, the bigram with the token before it)."""
    return list(zip(toks, bigrams(toks), strict=True))


_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
MAX_TOKEN = 60   # characters of one token that make character n-grams (a run of Han text
                 # is one token: its n-grams stay linear in the text, bounded per token)


def char_grams(token: str) -> list[str]:
    """A token's character n-grams, its edges marked by spaces: 3-5-grams in alphabetic
    scripts; 1-3-grams in Han/Kana text (no spaces between words: a character or two is a
    word) and 2-4-grams in Hangul (syllables are dense). They carry misspellings, inflections
    and unsegmented scripts, which a tweet-sized word model misses."""
    if len(token) < 2 and not _CJK.match(token):
        return []
    token = token[:MAX_TOKEN]
    w = " " + token + " "
    size = len(w)
    if token.isascii() or not (_HAN.match(token) or _HANGUL.match(token)):
        return [w[i:i + n] for n in range(3, min(5, size) + 1) for i in range(size - n + 1)]
    if _HANGUL.match(token):
        return [w[i:i + n] for n in range(2, min(4, size) + 1) for i in range(size - n + 1)]
    # Han/Kana: 1-grams too, but not the edges' spaces alone
    return [g for n in range(1, min(3, size) + 1) for i in range(size - n + 1)
            if (g := w[i:i + n]) != " "]


_LEX_TOKEN = re.compile(r"[\w*]+(?:'[\w*]+)*")


# What a prefix term's word may end with: inflections ("refund" → "refunds", "refunded",
# "shipped"), not other words that start alike ("app" → "apparently", "account" →
# "accountant", "charge" → "charger"). A word in another script may take any ending of up to
# four letters (Cyrillic "заказ" → "заказа", "заказами").
ENDINGS = frozenset("s es ed d ing ings er ers ies ied y ly e en n a o os as i ment ments "
                    "able ation ations".split())


def ending(stem: str, rest: str) -> bool:
    if not rest or rest in ENDINGS:
        return True
    if not rest.isascii():
        return len(rest) <= 4
    # a doubled last consonant: "ship" → "shipped", "scam" → "scammer"
    return rest[0] == stem[-1] and rest[1:] in ENDINGS


class _Scan:
    """One message as every lexicon sees it: lower-cased, split into words; the words'
    character spans only when a hit needs them (phrases, non-Latin merges)."""

    __slots__ = ("text", "low", "words", "_spans")

    def __init__(self, text: str):
        self.text = text
        self.low = text.lower().replace("\u2019", "'")
        self.words: list[str] = _LEX_TOKEN.findall(self.low)
        self._spans: list[tuple[int, int]] | None = None

    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [m.span() for m in _LEX_TOKEN.finditer(self.low)]
        return self._spans

    def hit(self, i: int, n: int) -> Hit:
        """The hit of words i..i+n-1 (its start and end are word positions)."""
        if n == 1:
            return Hit(self.words[i], i, i + 1)
        sp = self.spans()
        return Hit(self.low[sp[i][0]:sp[i + n - 1][1]], i, i + n)

    def merged(self, hits: list[Hit], other: list[Hit]) -> list[Hit]:
        """Word hits and non-Latin substring hits (character positions), in text order."""
        sp = self.spans()
        at = [Hit(h.text, sp[h.start][0], sp[h.end - 1][1]) for h in hits]
        return sorted(at + other, key=lambda h: h.start)


_last: _Scan | None = None   # every lexicon of one message shares its scan


def _scan(text: str) -> _Scan:
    global _last
    last = _last
    if last is not None and (last.text is text or last.text == text):
        return last
    last = _last = _Scan(text)   # one assignment: safe to share between threads
    return last


class Hit:
    """What a lexicon found: `group(0)` is the matched text, lower-cased (like re.Match);
    start and end order the hits of one text."""

    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end = text, start, end

    def group(self, _i: int = 0) -> str:
        return self.text


class Lexicon:
    """Words and phrases in any script, matched case-insensitively.

    Latin-script (and Cyrillic...) terms match whole words (`prefix=True` lets the last word
    take endings: "refund" → "refunded"); CJK, Hangul and Devanagari terms match anywhere,
    since those scripts do not separate words the way word boundaries expect.

    Speed: triage runs some fifteen lexicons on every message. Shared lexicons (the built-in
    ones) are matched together in ONE walk over the message's tokens, with a per-token memo,
    and the result is kept for the message; a lexicon's `finditer` is then a dictionary look-up.
    Unshared ones (a workspace's keywords) walk the tokens on their own.
    """

    def __init__(self, words, prefix: bool = False, shared: bool = True):
        self.prefix = prefix
        self.single: set[str] = set()
        # first word → (the phrase's words, its middle words, its last word), longest first
        self.phrases: dict[str, list[tuple[tuple[str, ...], list[str], str]]] = {}
        self.other: list[str] = []
        for w in words:
            w = w.strip().lower().replace("\u2019", "'")
            if not w:
                continue
            if _NON_LATIN.search(w):
                self.other.append(w)
                continue
            parts = tuple(_LEX_TOKEN.findall(w))
            if len(parts) == 1:
                self.single.add(parts[0])
            elif parts:
                self.phrases.setdefault(parts[0], []).append((parts, list(parts[1:-1]),
                                                              parts[-1]))
        for v in self.phrases.values():
            # longest phrase first, like the old alternation
            v.sort(key=lambda e: len(e[0]), reverse=True)
        self.other.sort(key=len, reverse=True)
        self.plens = sorted({len(w) for w in self.single}, reverse=True)
        self.shared = shared
        if shared:
            _REGISTRY.add(self)

    def terms(self) -> set[str]:
        """Every word and phrase it holds, as written (what the admin pages show)."""
        return self.single | {" ".join(e[0]) for es in self.phrases.values() for e in es} \
            | set(self.other)

    def word(self, tok: str) -> bool:
        if self.prefix:
            return any(tok[:n] in self.single and ending(tok[:n], tok[n:])
                       for n in self.plens if n <= len(tok))
        return tok in self.single

    def phrase_at(self, words: list[str], i: int, cands=None) -> int:
        """Words of the longest phrase matched from position i (0: none); `cands`: the
        phrases starting with words[i], when the caller already has them."""
        if cands is None:
            cands = self.phrases.get(words[i]) if self.phrases else None
        if cands:
            n = len(words)
            for ph, mid, end in cands:
                k = len(ph)
                if i + k <= n and (not mid or words[i + 1:i + k - 1] == mid):
                    last = words[i + k - 1]
                    if (last.startswith(end) and ending(end, last[len(end):])
                            if self.prefix else last == end):
                        return k
        return 0

    def _other(self, text: str, low: str) -> list[Hit]:
        out: list[Hit] = []
        if self.other and not text.isascii():
            # the characters hits already hold (a list of spans made a flood of one word
            # quadratic: each hit compared with every earlier one)
            taken = bytearray(len(low))
            for w in self.other:
                at = low.find(w)
                while at >= 0:
                    end = at + len(w)
                    if taken.find(1, at, end) < 0:
                        taken[at:end] = b"\x01" * len(w)
                        out.append(Hit(w, at, end))
                    at = low.find(w, end)
        return out

    def finditer(self, text: str) -> list[Hit]:
        if self.shared:
            last = _REGISTRY.last
            if last[0] is text:   # the common case: another lexicon of the same message
                return last[1].get(self, ())
            return _REGISTRY.hits(text).get(self, ())
        sc = _scan(text)
        words = sc.words
        out: list[Hit] = []
        i, n = 0, len(words)
        while i < n:
            span = self.phrase_at(words, i) or (1 if self.word(words[i]) else 0)
            if span:
                out.append(sc.hit(i, span))
                i += span
            else:
                i += 1
        other = self._other(text, sc.low)
        return sc.merged(out, other) if other else out

    def search(self, text: str) -> Hit | None:
        hits = self.finditer(text)
        return hits[0] if hits else None


class _Registry:
    """Every shared lexicon, matched in one pass per message."""

    MEMO = 200_000

    def __init__(self):
        self.lexicons: list[Lexicon] = []
        # token → (lexicon, 1 if the token is one of its words, the lexicon's phrases that
        # start with it) for each lexicon that may start there
        self._memo: dict[str, tuple[tuple[Lexicon, int, list | None], ...]] = {}
        self.last: tuple = (None, {})   # (text, its hits): the message being triaged
        self._exact: dict[str, list[Lexicon]] = {}    # whole word or first word of a phrase
        self._prefix: dict[str, list[Lexicon]] = {}   # words of prefix=True lexicons
        self._plens: list[int] = []

    def add(self, lex: Lexicon) -> None:
        self.lexicons.append(lex)
        for w in list(lex.phrases) + ([] if lex.prefix else list(lex.single)):
            self._exact.setdefault(w, []).append(lex)
        if lex.prefix:
            for w in lex.single:
                self._prefix.setdefault(w, []).append(lex)
        self._plens = sorted({len(w) for w in self._prefix})
        self._memo = {}
        self.last = (None, {})

    def clear_memo(self) -> None:
        self._memo = {}
        self.last = (None, {})

    def _starts(self, tok: str) -> tuple[tuple[Lexicon, int, list | None], ...]:
        found = set(self._exact.get(tok, ()))
        for n in self._plens:
            if n > len(tok):
                break
            found.update(self._prefix.get(tok[:n], ()))
        r = tuple((x, 1 if x.word(tok) else 0, x.phrases.get(tok))
                  for x in self.lexicons if x in found) if found else ()   # registry order
        if len(self._memo) >= self.MEMO:
            self._memo = {}
        self._memo[tok] = r
        return r

    def hits(self, text: str) -> dict[Lexicon, list[Hit]]:
        last = self.last
        if last[0] is text or last[0] == text:
            return last[1]
        sc = _scan(text)
        words = sc.words
        out: dict[Lexicon, list[Hit]] = {}
        free: dict[Lexicon, int] = {}
        memo = self._memo
        for i, tok in enumerate(words):
            starts = memo.get(tok)
            if starts is None:
                starts = self._starts(tok)
            for lex, one, phrases in starts:   # one: the token is one of its words
                if free.get(lex, 0) > i:
                    continue
                span = (phrases and lex.phrase_at(words, i, phrases)) or one
                if span:
                    out.setdefault(lex, []).append(sc.hit(i, span))
                    free[lex] = i + span
        if not text.isascii():
            for lex in self.lexicons:
                other = lex._other(text, sc.low)
                if other:
                    out[lex] = sc.merged(out.get(lex, []), other)
        self.last = (text, out)
        return out


_REGISTRY = _Registry()


def shared_hits(text: str) -> dict[Lexicon, list[Hit]]:
    """What every shared lexicon found in `text` (one pass; the last text's result is kept)."""
    return _REGISTRY.hits(text)


@lru_cache(maxsize=512)
def _workspace_lexicon(words: tuple[str, ...]) -> Lexicon:
    return Lexicon(words, shared=False)


def keyword_pattern(keywords: dict[str, list[str]], kind: str) -> Lexicon | None:
    """A workspace's keywords of one kind ("service", "noise", "technical", "legal"), compiled
    once per distinct list."""
    words = keywords.get(kind) or []
    return _workspace_lexicon(tuple(words)) if words else None


def lexicon(words: list[str] | tuple[str, ...], prefix: bool = False,
            shared: bool = True) -> Lexicon:
    return Lexicon(words, prefix, shared)


_NON_LATIN = re.compile(r"[\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
