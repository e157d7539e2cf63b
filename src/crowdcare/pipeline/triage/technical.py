"""Needs a technical expert: the workspace's technical vocabulary, a default one, and the
intent head's belief that the message is a technical problem."""
from __future__ import annotations

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.text import keyword_pattern, lexicon

# A problem only an expert can solve: one of these words is enough.
STRONG = [
    "error code", "stack trace", "exception", "crash", "crashes", "crashing", "crashed",
    "firmware", "won't pair", "factory reset", "update failed", "not loading", "timeout",
    "server error", "bug", "glitch", "Fehler", "erreur", "오류", "에러", "버그", "त्रुटि", "错误",
    "报错", "崩溃", "固件",
]
# Technical topics: two of them (or one with the intent head's belief) make it technical.
WEAK = [
    "api", "sdk", "webhook", "endpoint", "integration", "oauth", "token", "ssl", "dns",
    "driver", "bluetooth", "wifi", "wi-fi", "pairing", "sync", "reboot", "install",
    "installation", "500", "502", "503", "404", "401", "403", "plugin", "configuration",
    "config", "router", "port", "ios", "android", "browser", "cache", "error",
]
DEFAULT = lexicon(STRONG + WEAK)   # every technical word (service.py reads them as cues)
_STRONG = frozenset(w.lower() for w in STRONG)


def analyze(text: str, intent_probs: dict, keywords: dict[str, list[str]]) -> Signal:
    reasons = []
    score = intent_probs.get("technical", 0.0)
    if score >= 0.2:
        reasons.append(f"intent technical p={score:.2f}")
    ws = keyword_pattern(keywords, "technical")
    hits = sorted({m.group(0).lower() for m in ws.finditer(text)}) if ws else []
    if hits:
        score = max(score, 0.9)
        reasons.append("workspace technical words: " + ", ".join(hits[:4]))
    words = sorted({m.group(0).lower() for m in DEFAULT.finditer(text)})
    if words:
        score = min(1.0, score + sum(0.5 if w in _STRONG else 0.3 for w in words))
        reasons.append("technical words: " + ", ".join(words[:4]))
    value = score >= 0.5
    return Signal(value, round(score if value else 1 - score, 3), reasons or ["no technical cues"])
