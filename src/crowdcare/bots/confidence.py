"""Confidence: the probability that a candidate is the right entry, from its retrieval
features (retrieval.FEATURES), by a logistic regression trained on knowledge bases built from
public intent corpora (train.py; data/scorer.json, with its sources and measured figures).

A learned re-scoring, not a raw similarity: "how close is the nearest question" alone cannot
tell a paraphrase from a different question on the same topic, or a question the knowledge
base does not cover at all; the gaps to the next entry, the agreement of the two similarity
views and how much of the message's rarer wording the entry shares can.
"""
from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np

from crowdcare.bots.retrieval import FEATURES, Candidate

SCORER = Path(__file__).parent / "data" / "scorer.json"


class Scorer:
    def __init__(self, data: dict):
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"scorer features {data['features']} are not {FEATURES}")
        self.data = data
        self.mean = np.array(data["mean"])
        self.scale = np.array(data["scale"])
        self.coef = np.array(data["coef"])
        self.intercept = float(data["intercept"])

    @property
    def threshold(self) -> float:
        return float(self.data["threshold"])

    @property
    def margin(self) -> float:
        return float(self.data["margin"])

    def score(self, candidates: list[Candidate]) -> list[Candidate]:
        """Set each candidate's confidence and reasons; best first."""
        if not candidates:
            return []
        x = np.array([[c.features[f] for f in FEATURES] for c in candidates])
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        for c, value in zip(candidates, z, strict=True):
            c.confidence = 1.0 / (1.0 + math.exp(-float(value)))
            f = c.features
            c.reasons = [f"closest question: {c.question!r}",
                         f"meaning similarity {f['emb_max']:.2f} (next entry "
                         f"{f['emb_max'] - f['emb_gap']:.2f})",
                         f"wording similarity {f['char_max']:.2f}",
                         f"shares {f['word_share']:.0%} of the message's words"]
        return sorted(candidates, key=lambda c: -c.confidence)


@cache
def shipped() -> Scorer:
    return Scorer(json.loads(SCORER.read_text()))
