"""Sentiment: the trained head (TF-IDF words + character n-grams + VADER's scores as four
features) for every language it was trained on (MODEL_LANGUAGES: real tweets, reviews and
comments in each); other languages → emoji and emoticons only, else an honest `unknown`.

VADER alone scores ~0.53 macro-F1 on TweetEval; the head adds what a lexicon cannot see
(sarcasm markers, domain words, negated phrases, other languages). Its classes were balanced
in training, so its prior does not follow the training mix (SemEval is 16 % negative; a brand's
mentions are far more). A language the head never saw never gets its guess.
"""
from __future__ import annotations

import re
import threading

from crowdcare.domain import Signal

_lock = threading.Lock()
_analyzer = None
# emoji (pictographs, dingbats, hearts) and the common ASCII emoticons
_EMO = re.compile(r"[\u2600-\u27bf\U0001f300-\U0001faff]|[:;=]-?[)(DPp/\\|]|<3|\)-?[:;]")


# the emoji VADER reads of a message (each is its description to VADER, several words)
MAX_EMOJI = 100


def vader():
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                from crowdcare.pipeline.triage.vader import LinearVader

                _analyzer = LinearVader()
    return _analyzer


def vader_dense(text: str) -> tuple[float, float, float, float]:
    """VADER's scores in the order of model.DENSE, of the text up to its MAX_EMOJI-th emoji
    (VADER reads each emoji as its description, several words: a flood would cost it
    several times what its length says)."""
    for i, emo in enumerate(_EMO.finditer(text)):
        if i == MAX_EMOJI:
            text = text[:emo.start()]
            break
    s = vader().polarity_scores(text)
    return s["compound"], s["pos"], s["neg"], s["neu"]


def _band(compound: float, width: float = 0.3) -> str:
    return "negative" if compound <= -width else "positive" if compound >= width else "neutral"


MODEL_LANGUAGES = frozenset({"en", "es", "fr", "de", "it", "pt", "hi", "ar", "ko", "zh"})
UNSURE = 0.4   # below this top probability (of three) the head does not know: `unknown`


def analyze(text: str, language: str, model, vec, probs: dict, dense) -> Signal:
    """`probs`: the sentiment head's probabilities for this text."""
    compound = dense[0]
    if language in MODEL_LANGUAGES or (language == "unknown" and text.isascii()):
        value = max(probs, key=probs.get)
        conf = probs[value]
        reasons = [f"model p={conf:.2f}", f"vader compound {compound:+.2f}"]
        # the words that made a negative or positive call (neutral is what no word pushed)
        words = model.top_words(vec, "sentiment", value) if value != "neutral" else []
        if words:
            reasons.append("words: " + ", ".join(words))
        if language == "unknown":
            conf *= 0.7
            reasons.append("language unsure: confidence lowered")
        if conf < UNSURE:
            return Signal("unknown", round(conf, 3), reasons + [f"unsure: best {value}"])
        return Signal(value, round(conf, 3), reasons)
    emo = _EMO.findall(text)[:MAX_EMOJI]
    if emo:
        c = vader().polarity_scores(" ".join(emo))["compound"]
        value = _band(c)
        return Signal(value, round(min(0.6, 0.3 + abs(c) / 2), 3),
                      [f"language {language}: no text model, emoji/emoticons only",
                       f"emoji {''.join(emo[:5])} → vader {c:+.2f}"])
    return Signal("unknown", 0.0, [f"language {language}: no sentiment model, no emoji"])
