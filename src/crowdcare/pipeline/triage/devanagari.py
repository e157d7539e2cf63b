"""Devanagari words as romanised Hindi ("Hinglish") spells them, for the model's features.

The only Hindi sentiment we may train on is romanised (UMSAB's tweets): written in Devanagari
the same words shared no feature with it, so Devanagari sentiment rested on chance. Read as
"nahi", "bahut", "kharab", a Devanagari post meets the romanised rows' words and character
n-grams. The spelling follows how people type Hindi in Latin letters, not a scholarly scheme:
long vowels as short ones (ā → a, ī → i), the inherent vowel dropped at a word's end and
between a vowel and a consonant-vowel (करना → karna), a final nasal dropped (नहीं → nahi).
"""
from __future__ import annotations

import re

DEVANAGARI = re.compile(r"[\u0900-\u097f]")
# a word: a letter, then letters or Devanagari vowel signs, nasals, virama, nukta
WORD = re.compile(r"[^\W\d_][\w\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963]*")

_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j",
    "झ": "jh", "ञ": "n", "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t",
    "थ": "th", "द": "d", "ध": "dh", "न": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh",
    "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s",
    "ह": "h", "ळ": "l", "क़": "q", "ख़": "kh", "ग़": "g", "ज़": "z", "ड़": "r", "ढ़": "rh",
    "फ़": "f", "य़": "y",
}
_NUKTA = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f", "य": "y"}
_VOWELS = {"अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ऋ": "ri", "ए": "e",
           "ऐ": "ai", "ओ": "o", "औ": "au", "ऑ": "o", "ऍ": "e", "ॠ": "ri", "ऌ": "li"}
_SIGNS = {"ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "ri", "े": "e", "ै": "ai",
          "ो": "o", "ौ": "au", "ॉ": "o", "ॅ": "e", "ॄ": "ri", "ॢ": "li"}
_VIRAMA, _NUKTA_SIGN = "्", "़"
_NASALS = {"ं", "ँ"}


def romanise(word: str) -> str:
    """One Devanagari word in Latin letters (other characters are kept as they are)."""
    # units: [consonant, vowel or None (inherent a) or "" (virama)] or [None, text]
    units: list[list] = []
    for ch in word:
        if ch in _CONSONANTS:
            units.append([_CONSONANTS[ch], None])
        elif ch == _NUKTA_SIGN and units and units[-1][0] is not None:
            base = next((k for k, v in _CONSONANTS.items() if v == units[-1][0]
                         and len(k) == 1), None)
            if base in _NUKTA:
                units[-1][0] = _NUKTA[base]
        elif ch in _SIGNS and units and units[-1][0] is not None and units[-1][1] is None:
            units[-1][1] = _SIGNS[ch]
        elif ch == _VIRAMA and units and units[-1][0] is not None:
            units[-1][1] = ""
        elif ch in _NASALS:
            units.append([None, "n"])
        elif ch == "ः":
            units.append([None, "h"])
        elif ch in _VOWELS:
            units.append([None, _VOWELS[ch]])
        elif ch in ("\u093d", "\u0970"):   # avagraha, abbreviation sign
            continue
        else:
            units.append([None, ch])
    # schwa deletion: the inherent vowel is dropped at the end, and in V C_ C V
    cons = [u[0] is not None for u in units]
    for i in range(len(units) - 1, -1, -1):
        c, v = units[i]
        if c is None or v is not None:
            continue
        last = i == len(units) - 1 or all(u[0] is None and u[1] == "n" for u in units[i + 1:])
        if last and i > 0:
            units[i][1] = ""
        elif (0 < i < len(units) - 1 and cons[i + 1] and units[i + 1][1] not in ("", None)
              and units[i - 1][1] != "" and units[i - 1][1] != "n"):
            units[i][1] = ""
        else:
            units[i][1] = "a"
    out = []
    for i, (c, v) in enumerate(units):
        if c is None and v == "n" and i == len(units) - 1 and i > 0:
            continue   # a final nasal: नहीं → nahi, हैं → hai
        out.append((c or "") + (v or ""))
    return "".join(out)


def romanise_text(text: str) -> str:
    """Every Devanagari word of `text` romanised; the rest unchanged."""
    return WORD.sub(lambda m: romanise(m.group(0)) if DEVANAGARI.search(m.group(0))
                    else m.group(0), text)
