"""Whether the bot answers, and with which entry: the one decision people ask about ("why did
the bot answer that?", "why did it hand this to us?"), with the reasons it gives.

The best entry answers only when its confidence reaches the threshold AND it leads the next
entry by the margin (Rasa's fallback: a threshold, and an ambiguity margin). Below either the
bot does not guess: a wrong answer costs more than a hand-off.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from crowdcare.bots.confidence import Scorer, shipped
from crowdcare.bots.retrieval import Candidate, Index


@dataclass
class Choice:
    best: Candidate | None
    runner_up: Candidate | None
    answered: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return self.best.confidence if self.best else 0.0

    def to_dict(self) -> dict:
        def cand(c: Candidate | None) -> dict | None:
            return None if c is None else {
                "entry": c.entry, "language": c.version.language, "question": c.question,
                "confidence": round(c.confidence, 4),
                "features": {k: round(v, 4) for k, v in c.features.items()}}
        return {"answered": self.answered, "best": cand(self.best),
                "runner_up": cand(self.runner_up), "reasons": self.reasons}


def choose(index: Index, text: str, language: str | None = None,
           threshold: float | None = None, margin: float | None = None,
           scorer: Scorer | None = None, vector=None) -> Choice:
    scorer = scorer or shipped()
    threshold = scorer.threshold if threshold is None else threshold
    margin = scorer.margin if margin is None else margin
    ranked = scorer.score(index.candidates(text, language, vector))
    if not ranked:
        return Choice(None, None, False, ["the knowledge base has no questions to compare"])
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    lead = best.confidence - (second.confidence if second else 0.0)
    reasons = [f"best entry {best.entry}: confidence {best.confidence:.2f}", *best.reasons]
    if best.confidence < threshold:
        reasons.append(f"below the threshold {threshold:.2f}: a person answers")
        return Choice(best, second, False, reasons)
    if lead < margin:
        reasons.append(f"only {lead:.2f} ahead of entry {second.entry} "
                       f"({second.confidence:.2f}; margin {margin:.2f}): too close to choose")
        return Choice(best, second, False, reasons)
    reasons.append(f"above the threshold {threshold:.2f} and {lead:.2f} ahead of the next entry")
    return Choice(best, second, True, reasons)
