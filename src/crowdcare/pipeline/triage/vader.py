"""VADER (vaderSentiment 3.3.2) with its three quadratic steps made linear, scores unchanged.

Stock VADER lower-cases the whole message once per sentiment word and per window position
(`_negation_check`, `_special_idioms_check`) and finds each score again with `list.index` in
its "but" rule: 1,000 emoji (each a description holding a lexicon word) took 0.4 s, 5,000 took
15 s, and one 20,000-character message held a worker for minutes. Both checks only ever read
the words from i-3 to i+2: `polarity_scores` lower-cases the words once and the checks read
them there (stock's own methods, kept for any other caller, are given that window); the "but"
rule is replayed with the same first-equal-score semantics from a heap per score.

It is also one of the costliest steps of triage for a normal message, so `polarity_scores` is
stock's walk with less per word: the emoji pass only when the text holds an emoji, stock's
valence rules only for the lexicon's words (any other word scores 0 and nothing else; a text
without one is a set test and stock's all-neutral result). tests/triage/test_cost.py checks
the scores against stock VADER and the time against the input's length.
"""
from __future__ import annotations

import heapq
import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
    scalar_inc_dec,
)

_stock = SentimentIntensityAnalyzer
_PUNCT = string.punctuation
_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")


def _negated(word: str) -> bool:
    """Stock `negated([word])` of a lower-cased word."""
    return word in _NEGATE or "n't" in word


def _window(words: list[str], i: int) -> tuple[list[str], int]:
    """The words the checks read around position i, and i's position inside them (callers
    only call with i > the look-back, so no index wraps around)."""
    lo = max(0, i - 3)
    return words[lo:i + 3], i - lo


def _but_rule(lower: list[str], sentiments: list) -> list:
    """Stock: for each score s in order, the FIRST position holding a score equal to s (so
    far) is scaled by 0.5 before the first "but", by 1.5 after it. Only positions up to the
    current one can hold it, so a heap of positions per score replays it."""
    if "but" not in lower:
        return sentiments
    bi = lower.index("but")
    at: dict[float, list[int]] = {}
    for p, s in enumerate(list(sentiments)):
        heapq.heappush(at.setdefault(s, []), p)
        si = heapq.heappop(at[s])
        if si != bi:
            sentiments[si] = s * (0.5 if si < bi else 1.5)
        heapq.heappush(at.setdefault(sentiments[si], []), si)
    return sentiments


def _negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """Stock `_negation_check` over the lower-cased words."""
    if start_i == 0:
        if _negated(lower[i - 1]):
            valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and lower[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if lower[i - 3] == "never" and lower[i - 2] in _SO_THIS or lower[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _idioms(valence: float, lower: list[str], i: int) -> float:
    """Stock `_special_idioms_check` over the lower-cased words (i > 2)."""
    w3, w2, w1, w0 = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    twoone, threetwoone, threetwo = f"{w2} {w1}", f"{w3} {w2} {w1}", f"{w3} {w2}"
    for seq in (f"{w1} {w0}", f"{w2} {w1} {w0}", twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(lower)
    if n - 1 > i and (seq := f"{w0} {lower[i + 1]}") in SPECIAL_CASES:
        valence = SPECIAL_CASES[seq]
    if n - 1 > i + 1 and (seq := f"{w0} {lower[i + 1]} {lower[i + 2]}") in SPECIAL_CASES:
        valence = SPECIAL_CASES[seq]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


class LinearVader(SentimentIntensityAnalyzer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # stock replaces single characters only (it walks the text character by character)
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)

    def _emoji_to_words(self, text: str) -> str:
        """Stock's emoji pass (each emoji → its description, spaced), when there is one."""
        if text.isascii() or self._emoji_chars.isdisjoint(text):
            return text
        out, prev_space, emojis = [], True, self.emojis
        for ch in text:
            description = emojis.get(ch) if ch in self._emoji_chars else None
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def polarity_scores(self, text):
        if not isinstance(text, str):
            return super().polarity_scores(text)
        text = self._emoji_to_words(text).strip()
        # stock SentiText: punctuation stripped unless that leaves two characters or fewer
        words = [w if len(s := w.strip(_PUNCT)) <= 2 else s for w in text.split()]
        lower = list(map(str.lower, words))
        lexicon = self.lexicon
        last = len(words) - 1
        # stock appends 0 (an int) for a word outside the lexicon, a booster, the "kind" of
        # "kind of"; a lexicon word's score never depends on the scores before it
        if lexicon.keys().isdisjoint(lower):
            # every score 0: stock's arithmetic gives exactly these (no words: all 0.0)
            return {"neg": 0.0, "neu": 1.0 if words else 0.0, "pos": 0.0, "compound": 0.0}
        sentiments: list = [0] * len(words)
        cap_diff = allcap_differential(words)
        for i, low in enumerate(lower):
            if low in lexicon and low not in BOOSTER_DICT and not (
                    low == "kind" and i < last and lower[i + 1] == "of"):
                sentiments[i] = self._valence(words, lower, i, cap_diff)
        sentiments = _but_rule(lower, sentiments)
        return self.score_valence(sentiments, text)

    def _valence(self, words: list[str], lower: list[str], i: int, cap_diff: bool) -> float:
        """Stock `sentiment_valence` of the lexicon word at i, reading the words lower-cased
        once (stock lower-cases the whole message again for each check)."""
        lexicon = self.lexicon
        low = lower[i]
        valence = lexicon[low]
        if low == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0   # "no" negates the next lexicon word instead
        if (i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no") \
                or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"]):
            valence = lexicon[low] * N_SCALAR
        if words[i].isupper() and cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = scalar_inc_dec(words[i - (start_i + 1)], valence, cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _idioms(valence, lower, i)
        return self._least_check(valence, lower, i)

    @staticmethod
    def _sift_sentiment_scores(sentiments):
        """Stock's sums of the positive and negative scores and count of zeros; the zeros
        (most words) add nothing to either sum, so only the others are walked."""
        pos_sum = 0.0
        neg_sum = 0.0
        for sentiment_score in filter(None, sentiments):
            if sentiment_score > 0:
                pos_sum += (float(sentiment_score) + 1)
            if sentiment_score < 0:
                neg_sum += (float(sentiment_score) - 1)
        return pos_sum, neg_sum, sentiments.count(0)

    @staticmethod
    def _negation_check(valence, words_and_emoticons, start_i, i):
        words, at = _window(words_and_emoticons, i)
        return _stock._negation_check(valence, words, start_i, at)

    @staticmethod
    def _special_idioms_check(valence, words_and_emoticons, i):
        words, at = _window(words_and_emoticons, i)
        return _stock._special_idioms_check(valence, words, at)

    @staticmethod
    def _but_check(words_and_emoticons, sentiments):
        return _but_rule([str(w).lower() for w in words_and_emoticons], sentiments)
