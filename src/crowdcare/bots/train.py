"""`crowdcare bot train`: fit the confidence scorer (data/scorer.json) and tune its threshold
and margin, from the corpora shipped in pipeline/triage/data (BANKING77 train, CLINC150
train/val/oos_train/oos_val; their test splits are never read).

For each corpus the knowledge base is one entry per intent (its first five questions, as
corpus.py builds it) and the remaining questions are cut in two (fixed seed):
- training: knowledge bases with a fifth of the intents left out, so their questions are
  near-topic questions the knowledge base does not answer, plus CLINC150 oos_train; every
  candidate of every question is one example (is it the right entry?);
  and small knowledge bases (SMALL_SIZE intents; the others' questions out of scope);
- tuning: the full knowledge base, the other half plus CLINC150 oos_val, and small ones
  built the same way from that half: the threshold and margin are the pair with the most
  coverage whose answers are right at least TARGET_ACCURACY of the time and that answer at
  most TARGET_OOS of the out-of-scope questions, on both corpora; on the small ones (where
  half the questions are a neighbouring intent's) at least TARGET_SMALL_PRECISION of all
  answers, in scope or not, must be right. So they hold on an intent set neither corpus is, of any
  size.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable

import numpy as np

from crowdcare.bots import corpus, embed
from crowdcare.bots.confidence import SCORER, Scorer
from crowdcare.bots.evaluate import NONE, Outcome, outcomes, summarize
from crowdcare.bots.retrieval import FEATURES, Index, Version

HELD_OUT_INTENTS = 0.2
EPISODES = (1, 2)                 # seeds: which intents each training knowledge base leaves out
# small knowledge bases (a shop's "top ten questions"): SMALL_SIZE intents each, the other
# intents' questions out of scope. Without them a large gap to the next of few entries
# passes for confidence even when the best entry is far from the question.
SMALL_SIZE, SMALL_EPISODES, SMALL_QUESTIONS = 10, 6, 600
PER_CORPUS = 3000                 # questions per half and corpus
TARGET_ACCURACY, TARGET_OOS = 0.92, 0.03
# small knowledge bases: share of all answers that are right; a neighbouring intent of a
# fine-grained set ("card_delivery_estimate" beside "card_arrival") often asks the same thing
TARGET_SMALL_PRECISION = 0.85
THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(66)]
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2)


class Vectors:
    """Each distinct text embedded once, in batches."""

    def __init__(self, texts: list[str]):
        unique = list(dict.fromkeys(texts))
        self.row = {t: i for i, t in enumerate(unique)}
        self.matrix = embed.encode(unique)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.matrix[[self.row[t] for t in texts]]


def kb_index(kb: dict[str, list[str]], vectors: Vectors) -> Index:
    return Index([Version(label, None, qs, vectors(qs)) for label, qs in kb.items()])


def examples(kb: dict[str, list[str]], questions: list[tuple[str, str]], vectors: Vectors
             ) -> tuple[list[list[float]], list[int]]:
    index = kb_index(kb, vectors)
    x, y = [], []
    qv = vectors([t for t, _ in questions])
    for (text, label), v in zip(questions, qv, strict=True):
        for c in index.candidates(text, vector=v):
            x.append([c.features[f] for f in FEATURES])
            y.append(int(c.entry == label))
    return x, y


def small_episode(kb: dict[str, list[str]], questions: list[tuple[str, str]], seed: int
                  ) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """SMALL_SIZE of the intents, and questions of which about half are theirs."""
    rng = random.Random(seed)
    chosen = set(rng.sample(sorted(kb), SMALL_SIZE))
    inside = [(t, label) for t, label in questions if label in chosen]
    outside = [(t, NONE) for t, label in questions if label not in chosen]
    rng.shuffle(inside)
    rng.shuffle(outside)
    half = SMALL_QUESTIONS // 2
    return {k: v for k, v in kb.items() if k in chosen}, inside[:half] + outside[:half]


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(x), y)
    return {"features": list(FEATURES), "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(), "coef": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0])}


def tune(results: dict[str, list[Outcome]]) -> tuple[float, float, dict]:
    best = None
    for margin in MARGINS:
        for threshold in THRESHOLDS:
            reports = {name: summarize(r, threshold, margin) for name, r in results.items()}
            if all(rep["precision"] >= TARGET_SMALL_PRECISION if name.endswith("-small") else
                   rep["answered_accuracy"] >= TARGET_ACCURACY
                   and rep["out_of_scope_wrong_rate"] <= TARGET_OOS
                   for name, rep in reports.items()):
                coverage = min(rep["coverage"] for rep in reports.values())
                if best is None or coverage > best[0]:
                    best = (coverage, threshold, margin, reports)
    if best is None:
        raise RuntimeError("no threshold reaches the targets on the tuning splits")
    return best[1], best[2], best[3]


def train(log: Callable[[str], None] = print) -> dict:
    started = time.perf_counter()
    oos_train = [(t, NONE) for t, _ in corpus.shipped_clinc150("oos_train")]
    oos_val = [(t, NONE) for t, _ in corpus.shipped_clinc150("oos_val")]
    sets = {}
    for name, rows in (("banking77", corpus.shipped_banking77()),
                       ("clinc150", corpus.shipped_clinc150("train", "val"))):
        kb, rest = corpus.first_variants(rows)
        training, tuning = corpus.halves(rest)
        sets[name] = (kb, training[:PER_CORPUS], tuning[:PER_CORPUS])
    texts = [q for kb, a, b in sets.values() for q in
             [*(q for qs in kb.values() for q in qs), *(t for t, _ in a), *(t for t, _ in b)]]
    log(f"embedding {len(set(texts)) + len(oos_train) + len(oos_val)} questions...")
    vectors = Vectors(texts + [t for t, _ in oos_train + oos_val])
    x, y = [], []
    for name, (kb, training, _) in sets.items():
        for seed in EPISODES:
            labels = sorted(kb)
            random.Random(seed).shuffle(labels)
            left_out = set(labels[:int(len(labels) * HELD_OUT_INTENTS)])
            episode_kb = {k: v for k, v in kb.items() if k not in left_out}
            questions = [(t, NONE if label in left_out else label) for t, label in training]
            ex, ey = examples(episode_kb, questions + oos_train, vectors)
            x += ex
            y += ey
        for seed in range(SMALL_EPISODES):
            small_kb, questions = small_episode(kb, training, seed)
            ex, ey = examples(small_kb, questions + oos_train, vectors)
            x += ex
            y += ey
        log(f"{name}: {len(x)} training examples so far")
    weights = fit(np.array(x), np.array(y))
    scorer = Scorer({**weights, "threshold": 0.5, "margin": 0.0})
    results = {}
    for name, (kb, _, tuning) in sets.items():
        rows = [{"text": t, "expected": label} for t, label in tuning + oos_val]
        results[name] = outcomes(kb_index(kb, vectors), rows, scorer,
                                 vectors([r["text"] for r in rows]))
        small = []
        for seed in range(100, 100 + SMALL_EPISODES):
            small_kb, questions = small_episode(kb, tuning, seed)
            rows = [{"text": t, "expected": label} for t, label in questions + oos_val]
            small += outcomes(kb_index(small_kb, vectors), rows, scorer,
                              vectors([r["text"] for r in rows]))
        results[f"{name}-small"] = small
    threshold, margin, reports = tune(results)
    data = {**weights, "threshold": threshold, "margin": margin,
            "model": embed.MODEL, "targets": {"answered_accuracy": TARGET_ACCURACY,
                                              "out_of_scope_wrong_rate": TARGET_OOS,
                                              "small_precision": TARGET_SMALL_PRECISION},
            "tuning": reports,
            "trained_on": ["BANKING77 train (CC-BY-4.0)",
                           "CLINC150 train, val, oos_train, oos_val (CC-BY-3.0)"]}
    SCORER.write_text(json.dumps(data, indent=1) + "\n")
    log(f"threshold {threshold} margin {margin}: " + "; ".join(
        f"{n} accuracy {r['answered_accuracy']:.3f} coverage {r['coverage']:.3f} "
        f"out-of-scope {r['out_of_scope_wrong_rate']:.3f}" for n, r in reports.items())
        + f" ({time.perf_counter() - started:.0f} s)")
    return data
