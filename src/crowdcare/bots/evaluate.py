"""`crowdcare bot eval`: how often the bot answers, how often it is right when it does, and
how often it answers a question the knowledge base does not cover.

Rows are JSONL or CSV with `text` and `expected` (an entry id, or `none`). Figures:
answered_accuracy (top-1 on the questions it answered), coverage (share of in-scope questions
it answered), out_of_scope_wrong_rate (share of `none` questions it answered at all) and
messages_per_second (one message at a time, as the pipeline asks).
"""
from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crowdcare.bots import transfer
from crowdcare.bots.confidence import Scorer, shipped
from crowdcare.bots.decide import choose
from crowdcare.bots.retrieval import Index, Version

NONE = "none"


def read_rows(path: Path, on_error: Callable[[str], None] = lambda _m: None) -> list[dict]:
    """{text, expected} rows; a row without both is reported and skipped."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    if path.suffix.lower() == ".csv":
        raw = list(csv.DictReader(text.splitlines()))
    else:
        raw = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw.append(json.loads(line))
            except json.JSONDecodeError as exc:
                on_error(f"{path}:{number}: not JSON ({exc.msg})")
    rows = []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict) or not str(row.get("text") or "").strip() \
                or not str(row.get("expected") or "").strip():
            on_error(f"{path}: row {number} needs text and expected")
            continue
        rows.append({"text": str(row["text"]), "expected": str(row["expected"]).strip(),
                     "language": row.get("language")})
    return rows


def index_of(entries: list[dict]) -> Index:
    """An index of knowledge-base entries as transfer.read gives them (entry = its key)."""
    return Index([Version(e["key"], v["language"], list(v["questions"]), payload=v["answer"])
                  for e in entries for v in e["versions"]])


@dataclass
class Outcome:
    expected: str
    best: str | None
    confidence: float
    lead: float          # over the next entry


def outcomes(index: Index, rows: list[dict], scorer: Scorer,
             vectors: np.ndarray | None = None) -> list[Outcome]:
    out = []
    for i, row in enumerate(rows):
        choice = choose(index, row["text"], row.get("language"), threshold=0.0, margin=0.0,
                        scorer=scorer, vector=None if vectors is None else vectors[i])
        second = choice.runner_up.confidence if choice.runner_up else 0.0
        out.append(Outcome(row["expected"], None if choice.best is None else str(choice.best.entry),
                           choice.confidence, choice.confidence - second))
    return out


def summarize(results: list[Outcome], threshold: float, margin: float) -> dict:
    inside = [r for r in results if r.expected != NONE]
    outside = [r for r in results if r.expected == NONE]

    def answers(r: Outcome) -> bool:
        return r.best is not None and r.confidence >= threshold and r.lead >= margin

    answered = [r for r in inside if answers(r)]
    correct = sum(r.best == r.expected for r in answered)
    wrong_oos = sum(answers(r) for r in outside)
    return {
        "answered_accuracy": correct / len(answered) if answered else 0.0,
        "coverage": len(answered) / len(inside) if inside else 0.0,
        "out_of_scope_wrong_rate": wrong_oos / len(outside) if outside else 0.0,
        "precision": correct / (len(answered) + wrong_oos) if answered or wrong_oos else 0.0,
        "in_scope": len(inside), "out_of_scope": len(outside), "answered": len(answered),
        "correct": correct, "out_of_scope_answered": wrong_oos,
        "threshold": threshold, "margin": margin,
    }


def evaluate(index: Index, rows: list[dict], scorer: Scorer | None = None,
             threshold: float | None = None, margin: float | None = None) -> dict:
    scorer = scorer or shipped()
    choose(index, "warm up", None, scorer=scorer)          # loads the model outside the clock
    started = time.perf_counter()
    results = outcomes(index, rows, scorer)
    seconds = time.perf_counter() - started
    report = summarize(results, scorer.threshold if threshold is None else threshold,
                       scorer.margin if margin is None else margin)
    report["messages_per_second"] = len(rows) / seconds if seconds else 0.0
    report["entries"] = len(index)
    unknown = {r["expected"] for r in rows} - {NONE} - {str(e) for e in index.entries}
    report["expected_not_in_kb"] = sorted(unknown)[:20]
    return report


def entries_of_file(path: Path) -> list[dict]:
    fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "csv"
    return transfer.read(path.read_text(encoding="utf-8"), fmt)
