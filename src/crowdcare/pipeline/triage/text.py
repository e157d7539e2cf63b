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


_LEX_TOKEN = re.compile(r"[\w*]+(?:'[\w*]+)*")
_last: tuple = ("", "", ())   # (text, lowered, tokens): every lexicon of one message shares it


def _scan(text: str) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    global _last
    last = _last
    if last[0] is text or last[0] == text:
        return last[1], last[2]
    low = text.lower().replace("\u2019", "'")
    toks = tuple((m.group(0), m.start(), m.end()) for m in _LEX_TOKEN.finditer(low))
    _last = (text, low, toks)   # one tuple assignment: safe to share between threads
    return low, toks


class Hit:
    """What a lexicon found: `group(0)` is the matched text, lower-cased (like re.Match)."""

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
        self.phrases: dict[str, list[tuple[str, ...]]] = {}
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
                self.phrases.setdefault(parts[0], []).append(parts)
        for v in self.phrases.values():
            v.sort(key=len, reverse=True)  # longest phrase first, like the old alternation
        self.other.sort(key=len, reverse=True)
        self.plens = sorted({len(w) for w in self.single}, reverse=True)
        self.shared = shared
        if shared:
            _REGISTRY.add(self)

    def word(self, tok: str) -> bool:
        if self.prefix:
            return any(tok[:n] in self.single for n in self.plens if n <= len(tok))
        return tok in self.single

    def match_at(self, toks, i: int) -> int:
        """Tokens matched from position i (0: none); the longest phrase wins."""
        cands = self.phrases.get(toks[i][0]) if self.phrases else None
        if cands:
            n = len(toks)
            for ph in cands:
                k = len(ph)
                if i + k <= n and all(toks[i + j][0] == ph[j] for j in range(1, k - 1)):
                    last = toks[i + k - 1][0]
                    if last.startswith(ph[-1]) if self.prefix else last == ph[-1]:
                        return k
        return 1 if self.word(toks[i][0]) else 0

    def _other(self, text: str, low: str) -> list[Hit]:
        out: list[Hit] = []
        if self.other and not text.isascii():
            taken: list[tuple[int, int]] = []
            for w in self.other:
                at = low.find(w)
                while at >= 0:
                    end = at + len(w)
                    if not any(a < end and at < b for a, b in taken):
                        taken.append((at, end))
                        out.append(Hit(w, at, end))
                    at = low.find(w, end)
        return out

    def finditer(self, text: str) -> list[Hit]:
        if self.shared:
            return _REGISTRY.hits(text).get(self, ())
        low, toks = _scan(text)
        out: list[Hit] = []
        i, n = 0, len(toks)
        while i < n:
            span = self.match_at(toks, i)
            if span:
                a, b = toks[i][1], toks[i + span - 1][2]
                out.append(Hit(low[a:b], a, b))
                i += span
            else:
                i += 1
        other = self._other(text, low)
        if other:
            out = sorted(out + other, key=lambda h: h.start)
        return out

    def search(self, text: str) -> Hit | None:
        hits = self.finditer(text)
        return hits[0] if hits else None


class _Registry:
    """Every shared lexicon, matched in one pass per message."""

    MEMO = 200_000

    def __init__(self):
        self.lexicons: list[Lexicon] = []
        self._memo: dict[str, tuple[Lexicon, ...]] = {}   # token → lexicons that may start there
        self._last: tuple = (None, {})
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
        self._last = (None, {})

    def clear_memo(self) -> None:
        self._memo = {}
        self._last = (None, {})

    def _starts(self, tok: str) -> tuple[Lexicon, ...]:
        found = set(self._exact.get(tok, ()))
        for n in self._plens:
            if n > len(tok):
                break
            found.update(self._prefix.get(tok[:n], ()))
        r = tuple(x for x in self.lexicons if x in found)   # registry order: deterministic
        if len(self._memo) >= self.MEMO:
            self._memo = {}
        self._memo[tok] = r
        return r

    def hits(self, text: str) -> dict[Lexicon, list[Hit]]:
        last = self._last
        if last[0] is text or last[0] == text:
            return last[1]
        low, toks = _scan(text)
        out: dict[Lexicon, list[Hit]] = {}
        free: dict[Lexicon, int] = {}
        memo = self._memo
        for i, (tok, a, _) in enumerate(toks):
            starts = memo.get(tok)
            if starts is None:
                starts = self._starts(tok)
            for lex in starts:
                if free.get(lex, 0) > i:
                    continue
                span = lex.match_at(toks, i)
                if span:
                    b = toks[i + span - 1][2]
                    out.setdefault(lex, []).append(Hit(low[a:b], a, b))
                    free[lex] = i + span
        if not text.isascii():
            for lex in self.lexicons:
                other = lex._other(text, low)
                if other:
                    out[lex] = sorted(out.get(lex, []) + other, key=lambda h: h.start)
        self._last = (text, out)
        return out


_REGISTRY = _Registry()


def lexicon(words: list[str] | tuple[str, ...], prefix: bool = False,
            shared: bool = True) -> Lexicon:
    return Lexicon(words, prefix, shared)


_NON_LATIN = re.compile(r"[\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
