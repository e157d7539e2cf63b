"""Language: script first, then the trained language head (character n-grams of real tweets
in en es fr de it pt and romanised Hindi), a common-word vote for short posts, then lingua
(low-accuracy mode, restricted to LANGUAGES) — and `unknown` when unsure.

Lingua's low-accuracy mode is fast but guesses wildly on a few words ("thanks!" → Turkish),
knows Hindi only in Devanagari, and social posts are short and code-mixed: so Hangul/
Devanagari/Kana/Han/Arabic are decided by script; the head, which read "kya hua yaar" and
"app crashes when I log in" as the tweets they are, decides when it is sure (it costs nothing:
its outputs come with the other heads'); a short text made of a language's most common words
is decided by those words; lingua decides the rest, its answer below MIN_CONFIDENCE reported
as `unknown` with the guess in the reasons. Romanised Hindi is reported as `hi`.
"""
from __future__ import annotations

import re
import threading

from crowdcare.domain import Signal

# Lingua only chooses among Latin-script languages; other scripts are decided by script.
# Fewer candidates: faster, and fewer wild guesses on short posts.
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "sv", "tr")
SCRIPT_LANGUAGES = ("ru", "ar", "hi", "ko", "zh", "ja")
MIN_CONFIDENCE = 0.5
# Lingua below this, and the language head leaning to another language: the head's lean wins.
ENGLISH_OVERRIDE = 0.9
# the language head decides from this probability; English, by far the most common language
# on the channels and lingua's costliest case, from less (the head's classes are balanced, so
# its English probability does not carry that prior)
HEAD_SURE, HEAD_SURE_EN = 0.9, 0.75

_SCRIPTS = (  # (language, script name, pattern); kana before Han: Japanese mixes both
    ("ko", "Hangul", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("hi", "Devanagari", re.compile(r"[\u0900-\u097f]")),
    ("ja", "Kana", re.compile(r"[\u3040-\u30ff]")),
    ("zh", "Han", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ar", "Arabic", re.compile(r"[\u0600-\u06ff]")),
    ("ru", "Cyrillic", re.compile(r"[\u0400-\u04ff]")),
)
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# The most frequent words of each language (plus greetings/thanks, so one-word posts work).
# Words shared between languages ("a", "de", "no") are left out where they would mislead.
COMMON = {
    "en": "the and you your my i is it to of in for on with this that was are be have has "
          "not no can can't don't i'm it's what where when why how please thanks thank hi "
          "hello hey help order still just got get me we they do does did will would "
          "at from an but all so if or love good great bad ok okay yes any".split(),
    "es": "el la los las que y en un una por para con mi es está pero muy gracias hola "
          "pedido ayuda dónde cuándo qué cómo no sí mis yo tengo donde esta cuando como "
          "todavia todavía llegado".split(),
    "fr": "le la les des est et je vous mon ma mes pour avec pas une un sur merci bonjour "
          "commande où quand pourquoi comment c'est j'ai aide très".split(),
    "de": "der die das und ist nicht ich sie mein meine ein eine mit für auf danke hallo "
          "bestellung wo wann warum wie noch bitte sehr".split(),
    "it": "il lo gli che di è e non mio mia per con una sono grazie ciao ordine dove "
          "quando perché come ancora molto".split(),
    "pt": "o os que não é um uma meu minha para com obrigado obrigada olá pedido onde "
          "quando porque como ainda muito você".split(),
    "nl": "de het een en is niet ik mijn je voor met op dank bedankt hallo bestelling "
          "waar wanneer waarom hoe nog heel".split(),
    "hi": "hai hain nahi nahin kya kyun kyu mera meri mere tum aap hum yaar bhai kar karo "
          "raha rahi tha thi ho gaya gayi abhi kab kaise kaha kahan aur bhi ko se ka ki ke "
          "mein bahut accha acha bhejo paisa".split(),
}
_COMMON_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in COMMON.items():
    for _w in _words:
        if _lang not in _COMMON_OF.get(_w, ()):
            _COMMON_OF[_w] = _COMMON_OF.get(_w, ()) + (_lang,)

_lock = threading.Lock()
_detector = None
_CODES: dict = {}


def detector():
    """The lingua detector, built once (restricted languages, low-accuracy mode)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
                         for c in LANGUAGES]
                _CODES.update({lang: lang.iso_code_639_1.name.lower() for lang in langs})
                _detector = (LanguageDetectorBuilder.from_languages(*langs)
                             .with_low_accuracy_mode().with_preloaded_language_models().build())
    return _detector


def _by_script(text: str) -> Signal | None:
    if text.isascii():
        return None
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    for code, name, pat in _SCRIPTS:
        share = min(1.0, len(pat.findall(text)) / letters)  # marks count too: clamp
        if share >= 0.3:
            return Signal(code, round(min(0.99, 0.6 + share * 0.4), 3),
                          [f"script: {name} ({share:.0%} of letters)"])
    return None


def _by_common_words(words: list[str]) -> Signal | None:
    votes: dict[str, int] = {}
    get = _COMMON_OF.get
    for w in words:
        langs = get(w)
        if langs:
            for lang in langs:
                votes[lang] = votes.get(lang, 0) + 1
    if not votes:
        return None
    if len(votes) == 1:
        [(best, n)], second = votes.items(), 0
    else:
        ranked = sorted([(-c, lang) for lang, c in votes.items()])
        best, n, second = ranked[0][1], -ranked[0][0], -ranked[1][0]
    share = n / len(words)
    if n - second >= 1 and share >= 0.5 and (n >= 2 or len(words) <= 2):
        conf = min(0.95, 0.5 + 0.45 * share) if n >= 2 else 0.6
        return Signal(best, round(conf, 3), [f"common {best} words: {n}/{len(words)}"])
    return None


_NOT_LANGUAGE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+", re.IGNORECASE)


def _by_head(probs: dict | None) -> Signal | None:
    if not probs:
        return None
    best = max(probs, key=probs.get)
    if probs[best] >= (HEAD_SURE_EN if best == "en" else HEAD_SURE):
        return Signal(best, round(probs[best], 3), [f"language model {best} {probs[best]:.2f}"])
    return None


def detect(text: str, head: dict | None = None) -> Signal:
    """`head`: the language head's probabilities for this text (model.probs), if at hand."""
    if "http" in text or "www." in text or "@" in text or "#" in text:
        text = _NOT_LANGUAGE.sub(" ", text)   # links, handles and hashtags are no language
    s = _by_script(text)
    if s:
        return s
    words = _WORD.findall(text.lower())
    if not words:
        return Signal("unknown", 0.0, ["no letters"])
    if len(words) >= 3:
        s = _by_head(head)
        if s:
            return s
    if len(words) <= 12:  # long texts: lingua is reliable and more precise than word votes
        s = _by_common_words(words)
        if s:
            return s
    if len(words) < 3:   # (three words or more: the head was asked above)
        s = _by_head(head)
        if s:
            return s
    if sum(len(w) for w in words) < 4:
        return Signal("unknown", 0.1, ["too short to tell"])
    d = detector()
    values = d.compute_language_confidence_values(text)
    top = values[0]
    code = _CODES[top.language]
    if head and top.value < ENGLISH_OVERRIDE:
        # lingua unsure and the head leaning elsewhere (romanised Hindi, which lingua cannot
        # name; plain English that lingua calls German): the head's lean wins
        best = max(head, key=head.get)
        if best != code and head[best] >= 0.6:
            return Signal(best, round(head[best], 3),
                          [f"language model {best} {head[best]:.2f}",
                           f"lingua guessed {code} {top.value:.2f}: overruled"])
    if top.value < MIN_CONFIDENCE:
        return Signal("unknown", round(top.value, 3),
                      [f"lingua unsure: best guess {code} {top.value:.2f}"])
    return Signal(code, round(top.value, 3), [f"lingua {code} {top.value:.2f}"])
