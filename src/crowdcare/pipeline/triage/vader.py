"""VADER (vaderSentiment 3.3.2) with its three quadratic steps made linear, scores unchanged.

Stock VADER lower-cases the whole message once per sentiment word and per window position
(`_negation_check`, `_special_idioms_check`) and finds each score again with `list.index` in
its "but" rule: 1,000 emoji (each a description holding a lexicon word) took 0.4 s, 5,000 took
15 s, and one 20,000-character message held a worker for minutes. Both checks only ever read
the words from i-3 to i+2, so they are given that window; the "but" rule is replayed with the
same first-equal-score semantics from a heap per score. tests/triage/test_cost.py checks the
scores against stock VADER and the time against the input's length.
"""
from __future__ import annotations

import heapq

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_stock = SentimentIntensityAnalyzer


def _window(words: list[str], i: int) -> tuple[list[str], int]:
    """The words the checks read around position i, and i's position inside them (callers
    only call with i > the look-back, so no index wraps around)."""
    lo = max(0, i - 3)
    return words[lo:i + 3], i - lo


class LinearVader(SentimentIntensityAnalyzer):
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
        """Stock: for each score s in order, the FIRST position holding a score equal to s
        (so far) is scaled by 0.5 before the first "but", by 1.5 after it. Only positions up
        to the current one can hold it, so a heap of positions per score replays it."""
        lower = [str(w).lower() for w in words_and_emoticons]
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
