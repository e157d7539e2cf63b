"""Needs a technical expert: the workspace's technical vocabulary, a default one, and the
intent head's belief that the message is a technical problem."""
from __future__ import annotations

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.text import keyword_pattern, lexicon

DEFAULT = lexicon([
    "api", "sdk", "webhook", "endpoint", "integration", "oauth", "token", "ssl", "dns",
    "error code", "stack trace", "exception", "crash", "crashes", "crashing", "firmware",
    "driver", "bluetooth", "wifi", "wi-fi", "pairing", "won't pair", "sync", "reboot",
    "factory reset", "install", "installation", "update failed", "not loading", "timeout",
    "server error", "500", "502", "503", "404", "401", "403", "bug", "glitch", "plugin",
    "configuration", "config", "router", "port", "ios", "android", "browser", "cache",
    "Fehler", "erreur", "error", "오류", "에러", "버그", "त्रुटि", "错误", "报错", "崩溃", "固件",
])


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
        score = min(1.0, score + 0.35 * len(words))
        reasons.append("technical words: " + ", ".join(words[:4]))
    value = score >= 0.5
    return Signal(value, round(score if value else 1 - score, 3), reasons or ["no technical cues"])
