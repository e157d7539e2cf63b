"""Sender influence on 0..1: followers on a log scale (1M followers → 1.0), plus verified and
VIP (a workspace list, resolved by the caller)."""
from __future__ import annotations

import math

from crowdcare.domain import Signal


def analyze(followers: int | None, verified: bool, vip: bool) -> Signal:
    reasons = []
    score = 0.0
    if followers is not None:
        score = min(1.0, math.log10(1 + max(0, followers)) / 6)
        reasons.append(f"followers {followers:,} → {score:.2f}")
    else:
        reasons.append("followers unknown")
    if verified:
        score = min(1.0, score + 0.25)
        reasons.append("verified +0.25")
    if vip:
        score = max(score, 0.9)
        reasons.append("VIP customer (≥0.90)")
    conf = 1.0 if followers is not None or vip else 0.5
    return Signal(round(score, 3), conf, reasons)
