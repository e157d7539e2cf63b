"""Priority 0..100: a base plus each factor's share, every share named in the reasons
("anger: +25"), largest first, so an agent sees why a message sits where it does."""
from __future__ import annotations

from crowdcare.domain import Signal
from crowdcare.pipeline.triage import anger as anger_mod

BASE = 30
WEIGHTS = {  # maximum points per factor
    "anger": 25, "negative sentiment": 10, "influence": 15, "VIP": 10, "legal/safety": 20,
    "waiting": 15, "service request": 10, "technical": 5, "not service-related": -25,
}
WAIT_FULL_MINUTES = 120  # waiting this long earns the full waiting share


def compute(sentiment: Signal, service: Signal, anger: Signal, technical: Signal,
            influence: Signal, vip: bool, waiting_minutes: float) -> Signal:
    shares: dict[str, float] = {}
    level = anger_mod.level(anger)
    if anger.value or level >= 0.3:
        shares["anger"] = WEIGHTS["anger"] * min(1.0, level)
    if sentiment.value == "negative":
        shares["negative sentiment"] = WEIGHTS["negative sentiment"] * sentiment.confidence
    if influence.value:
        shares["influence"] = WEIGHTS["influence"] * influence.value
    if vip:
        shares["VIP"] = WEIGHTS["VIP"]
    if anger_mod.flags(anger):
        shares["legal/safety"] = WEIGHTS["legal/safety"]
    if waiting_minutes > 0:
        shares["waiting"] = WEIGHTS["waiting"] * min(1.0, waiting_minutes / WAIT_FULL_MINUTES)
    if service.value:
        shares["service request"] = WEIGHTS["service request"] * service.confidence
    else:
        shares["not service-related"] = WEIGHTS["not service-related"] * service.confidence
    if technical.value:
        shares["technical"] = WEIGHTS["technical"]
    points = []
    for k, v in shares.items():
        p = round(v)
        if p:
            points.append((-abs(p), k, p))
    points.sort()   # largest share first
    total, reasons = BASE, [f"base: {BASE}"]
    for _, k, p in points:
        total += p
        reasons.append(f"{k}: {p:+d}")
    value = max(0, min(100, total))
    if value in (0, 100):
        reasons.append(f"clamped to {value}")
    return Signal(value, 1.0, reasons)
