"""Knowledge bases and evaluation sets built from public intent corpora, the same way every
time: one entry per intent whose variants are its first KB_VARIANTS questions in file order.

- `banking77`: the KB from BANKING77 train; BANKING77 test (expected: its intent) plus
  CLINC150's oos_test (expected: none). The figure the issue asks for; never tuned on.
- `banking77-dev` / `clinc150-dev`: the tuning splits train.py uses, for reproducing it:
  held-out train questions (not among the KB variants) plus CLINC150's oos_val.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

from crowdcare.bots import transfer
from crowdcare.pipeline.triage import corpora
from crowdcare.pipeline.triage.model import DATA_DIR

KB_VARIANTS = 5
NONE = "none"
SPLIT_SEED = 7


def first_variants(rows: Iterable[tuple[str, str]], k: int = KB_VARIANTS
                   ) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """({intent: its first k questions}, every other (question, intent)), in file order."""
    kb: dict[str, list[str]] = {}
    rest = []
    for text, label in rows:
        chosen = kb.setdefault(label, [])
        if len(chosen) < k:
            chosen.append(text)
        else:
            rest.append((text, label))
    return kb, rest


def halves(rest: list[tuple[str, str]]) -> tuple[list, list]:
    """The held-out questions shuffled (fixed seed) and cut in two: training | tuning."""
    rows = list(rest)
    random.Random(SPLIT_SEED).shuffle(rows)
    return rows[:len(rows) // 2], rows[len(rows) // 2:]


def kb_entries(kb: dict[str, list[str]], language: str = "en") -> list[dict]:
    return [{"key": label, "intent": None, "links": [], "versions": [
        {"language": language, "questions": questions,
         "answer": f"(the answer for {label.replace('_', ' ')})"}]}
        for label, questions in kb.items()]


def shipped_banking77() -> list[tuple[str, str]]:
    return list(corpora.banking77(DATA_DIR / "banking77_train.csv.gz"))


def shipped_clinc150(*splits: str) -> list[tuple[str, str]]:
    return list(corpora.clinc150(DATA_DIR / "clinc150_train_val.json.gz", splits))


def build(name: str, source: str | Path | None = None) -> tuple[list[dict], list[dict]]:
    """(KB entries, eval rows {text, expected}) of one named set."""
    oos_val = [{"text": t, "expected": NONE} for t, _ in shipped_clinc150("oos_val")]
    if name == "banking77":
        src = corpora.source_dir(source) / "intents"
        kb, _ = first_variants(corpora.banking77(src / "banking77_train.csv"))
        rows = [{"text": t, "expected": label}
                for t, label in corpora.banking77(src / "banking77_test.csv")]
        rows += [{"text": t, "expected": NONE}
                 for t, _ in corpora.clinc150(src / "clinc150_data_full.json", ("oos_test",))]
        return kb_entries(kb), rows
    if name in ("banking77-dev", "clinc150-dev"):
        data = shipped_banking77() if name == "banking77-dev" else \
            shipped_clinc150("train", "val")
        kb, rest = first_variants(data)
        _, tuning = halves(rest)
        return kb_entries(kb), [{"text": t, "expected": label} for t, label in tuning] + oos_val
    raise ValueError(f"unknown set {name!r}: banking77, banking77-dev or clinc150-dev")


def write(name: str, kb_path: Path, eval_path: Path, source: str | Path | None = None
          ) -> tuple[int, int]:
    entries, rows = build(name, source)
    kb_path.write_text(transfer.write_csv(entries), encoding="utf-8")
    with open(eval_path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(entries), len(rows)
