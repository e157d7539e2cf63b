"""Triage results: every score carries the factors that made it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Signal:
    value: Any
    confidence: float = 1.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class TriageResult:
    language: Signal = field(default_factory=lambda: Signal("unknown", 0.0))
    sentiment: Signal | None = None
    service_related: Signal | None = None
    intent: Signal | None = None
    anger: Signal | None = None
    technical: Signal | None = None
    pii: Signal | None = None
    influence: Signal | None = None
    priority: Signal = field(default_factory=lambda: Signal(50, 1.0, ["default"]))

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as stored with the message (asdict's deep copy cost a tenth of the
        pipeline)."""
        return {name: {"value": list(s.value) if isinstance(s.value, list) else s.value,
                       "confidence": s.confidence, "reasons": list(s.reasons)}
                for name in self.__dataclass_fields__ if (s := getattr(self, name)) is not None}


@dataclass
class RouteDecision:
    route: str                         # a Route value
    reasons: list[str] = field(default_factory=list)
    team: str | None = None            # a team name, when a rule names one
    priority: int | None = None        # a rule's override
    fallback_from: str | None = None   # e.g. "community" while there are no advocates yet
    fired: list[int] = field(default_factory=list)   # ids of the workspace rules that matched

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
