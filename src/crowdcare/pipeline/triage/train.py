"""`crowdcare triage train`: rebuild model.json.gz from the trainable sources (sources.py,
data/SOURCES.md), the agents' corrections and a workspace's `--extra` files.

Deterministic by construction: inputs are sorted, sampling is by a hash of the text (no RNG),
the lbfgs solver is deterministic, and the file is written without timestamps. Same data and
seed give the same bytes (a test checks it).

Held-out scores: every row whose text hashes into the held-out tenth is left out of training
and scored with the exported model (quantised weights included), so the printed numbers are
what the shipped file does on text it has not seen.
"""
from __future__ import annotations

import json
import math
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from crowdcare.pipeline.triage import corpora, sources
from crowdcare.pipeline.triage.corpora import INTENTS, SENTIMENTS
from crowdcare.pipeline.triage.model import (
    DATA_DIR,
    DENSE,
    FORMAT,
    b64,
    read,
    save,
    sparse_features,
)
from crowdcare.pipeline.triage.sentiment import vader_dense
from crowdcare.pipeline.triage.text import char_grams, normalize, tokens, word_grams

LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "hi")   # the language head: Latin script
HEADS = {"sentiment": list(SENTIMENTS), "service_related": [False, True], "intent": list(INTENTS),
         "anger": [False, True], "language": list(LANGUAGES)}
C = {"sentiment": 1.0, "service_related": 2.0, "intent": 4.0, "anger": 1.0, "language": 2.0}
# Log-prior shifts added to the sentiment head's intercepts after balanced training (which
# makes every class equally likely a priori): none so far.
SENTIMENT_OFFSETS = {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
# The vocabulary is the most frequent features over every head's texts, so English (SemEval,
# chatter, the chatbot queries) fills most of it: at 50,000 words only 71 % of the UMSAB
# tweets' words were in it (a word needed 6 texts). Twice as many words and character n-grams
# gave the other languages' sentiment +0.011 macro-F1 on the held-out tenth, English's even.
MAX_WORDS, MAX_CHARS, MIN_DF = 100000, 150000, 2
# Which rows are balanced together (each class of a group weighs the same in total): the
# sentiment sources have their own class mixes (SemEval is 16 % negative, real complaints far
# more), anger is balanced per language, the other heads over all their rows.
ANGER_GROUP = {"kote": "ko"}


@dataclass
class Data:
    """Rows per head: (text, label, weight, balancing group)."""

    rows: dict[str, list[tuple[str, object, float, str]]] = field(
        default_factory=lambda: defaultdict(list))
    corrected: set[str] = field(default_factory=set)   # always trained on, never held out

    def add(self, head: str, text: str, label, weight: float = 1.0, source: str = "") -> None:
        if text:
            self.rows[head].append((text, label, weight, source))


def held_out(text: str, seed: int) -> bool:
    return zlib.crc32(f"{seed}:{text}".encode()) % 10 == 0


def _capped(rows, cap: int | None, seed: int):
    """At most `cap` rows per (source, head, label), chosen by hash (stable under file
    order): small trainings for tests."""
    if not cap:
        yield from rows
        return
    by: dict[tuple, list] = defaultdict(list)
    for r in rows:
        by[(r.source, r.head, str(r.label))].append(r)
    for key in sorted(by):
        chosen = sorted(by[key], key=lambda r: (zlib.crc32(f"{seed}|{r.text}".encode()),
                                                 r.text))
        yield from chosen[:cap]


def load_data(source: Path | None = None, seed: int = 0, cap: int | None = None,
              corrections: Path | None = None, correction_weight: float = 10.0,
              extra: list[Path] | None = None) -> Data:
    """Assemble the training rows: every trainable source (sources.py), the agents'
    corrections, and a workspace's `extra` labelled files (evaluation format)."""
    src = corpora.source_dir(source)
    gone = sources.missing(src)
    if gone:
        raise FileNotFoundError(f"training data missing under {src}: {', '.join(gone[:3])}"
                                f"{' ...' if len(gone) > 3 else ''} (use --source DIR)")
    d = Data()
    extras = [(path, read_extra(path)) for path in extra or []]   # a bad file fails first
    for r in _capped(sources.rows(src), cap, seed):
        d.add(r.head, r.text, r.label, r.weight, r.source)
    for path, rows in extras:
        for head, text, label in rows:
            d.add(head, text, label, 1.0, f"extra:{path.name}")
    if corrections:
        for head, text, label in read_corrections(corrections):
            d.add(head, text, label, correction_weight, "corrections")
            d.corrected.add(text)
    return d


def read_extra(path: Path) -> list[tuple[str, str, object]]:
    """A labelled file in the evaluation format (JSONL or CSV: text + labels): every label
    that names a trained head becomes a row. A bad line stops with its line number."""
    from crowdcare.pipeline.triage.evaluate import read_rows

    out = []
    for n, row in read_rows(path):
        if isinstance(row, str):
            raise ValueError(f"{path}:{n}: {row}")
        for head, value in row.gold.items():
            if head == "language" and value not in LANGUAGES:
                continue   # other languages are told by their script or by lingua
            if head in HEADS:
                out.append((head, row.text, value))
    return out


def read_corrections(path: Path) -> list[tuple[str, str, object]]:
    """Agents' corrections: {"text", "field", "value"} rows. Fields without a model are skipped
    (route, anger... are rules, not trained)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                head, text, value = row["field"], row["text"], row["value"]
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not a correction row ({e})") from None
            if head not in HEADS or (head == "language" and value not in LANGUAGES):
                continue
            if head in ("service_related", "anger") and isinstance(value, str):
                value = value.strip().lower() in ("true", "1", "yes")
            if value not in HEADS[head]:
                raise ValueError(f"{path}:{n}: {value!r} is not a {head} value {HEADS[head]}")
            out.append((head, str(text), value))
    return out


def _vocab(texts: list[str]) -> tuple[list[str], list[str], dict[str, int]]:
    wdf, cdf = Counter(), Counter()
    for t in texts:
        toks = tokens(normalize(t))
        wdf.update({g for pair in word_grams(toks) for g in pair})
        cdf.update({g for tok in toks for g in char_grams(tok)})
    def top(df, k):  # most frequent first, ties by name: deterministic
        kept = sorted((f for f, n in df.items() if n >= MIN_DF), key=lambda f: (-df[f], f))[:k]
        return sorted(kept)
    words, chars = top(wdf, MAX_WORDS), top(cdf, MAX_CHARS)
    return words, chars, {**wdf, **{"\0" + c: n for c, n in cdf.items()}}


def _matrix(texts, word_vocab, char_vocab, idf, dense) -> sparse.csr_matrix:
    n = len(word_vocab) + len(char_vocab)
    rows, cols, vals = [], [], []
    for r, (t, d) in enumerate(zip(texts, dense, strict=True)):
        ids, values = sparse_features(t, word_vocab, char_vocab, idf)
        rows.extend([r] * (len(ids) + len(d)))
        cols.extend(ids)
        cols.extend(range(n, n + len(d)))
        vals.extend(values)
        vals.extend(d)
    # repeated (row, col) pairs are summed: a feature occurring twice counts twice
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), n + len(DENSE)),
                             dtype=np.float64)


def _balanced(head: str, rows: list) -> list[float]:
    """Row weights after balancing: within each group, every class weighs the same in
    total (so the head's prior is flat and survives a shift in the class mix)."""
    def group(r) -> str:
        if head == "sentiment":
            return r[3]
        if head == "anger":
            return ANGER_GROUP.get(r[3], "en")
        return ""
    if head == "intent":
        return [r[2] for r in rows]
    total: dict[tuple, float] = defaultdict(float)
    classes: dict[str, set] = defaultdict(set)
    for r in rows:
        total[(group(r), str(r[1]))] += r[2]
        classes[group(r)].add(str(r[1]))
    size = {g: sum(total[(g, c)] for c in cs) for g, cs in classes.items()}
    return [r[2] * size[g] / (len(classes[g]) * total[(g, str(r[1]))])
            for r in rows for g in (group(r),)]


def train(out: Path = DATA_DIR / "model.json.gz", seed: int = 0, cap: int | None = None,
          corrections: Path | None = None, correction_weight: float = 10.0,
          source: Path | None = None, extra: list[Path] | None = None, log=print) -> dict:
    data = load_data(source, seed, cap, corrections, correction_weight, extra)
    train_rows, test_rows = {}, {}
    for head, rows in data.rows.items():
        rows = sorted(rows, key=lambda r: (r[0], str(r[1]), r[2], r[3]))
        test = [r[0] not in data.corrected and held_out(r[0], seed) for r in rows]
        train_rows[head] = [r for r, t in zip(rows, test, strict=True) if not t]
        test_rows[head] = [r for r, t in zip(rows, test, strict=True) if t]

    texts = sorted({r[0] for rows in train_rows.values() for r in rows})
    words, chars, df = _vocab(texts)
    word_vocab = {f: i for i, f in enumerate(words)}
    char_vocab = {f: len(words) + i for i, f in enumerate(chars)}
    n_docs = len(texts)
    idf = np.array([math.log((1 + n_docs) / (1 + df[f])) + 1 for f in words]
                   + [math.log((1 + n_docs) / (1 + df["\0" + f])) + 1 for f in chars],
                   dtype=np.float32)
    all_texts = sorted(set(texts) | {r[0] for rows in test_rows.values() for r in rows})
    dense_of = {t: vader_dense(t) for t in all_texts}
    X_all = _matrix(texts, word_vocab, char_vocab, idf, [dense_of[t] for t in texts])
    index = {t: i for i, t in enumerate(texts)}
    n = len(words) + len(chars)

    heads, w_cols, d_cols, biases = {}, [], [], []
    start = 0
    for head, classes in HEADS.items():
        rows = train_rows.get(head, [])
        X = X_all[[index[r[0]] for r in rows]]
        y = np.array([classes.index(r[1]) for r in rows])
        clf = LogisticRegression(C=C[head], max_iter=3000, tol=1e-4, random_state=seed)
        clf.fit(X, y, sample_weight=np.array(_balanced(head, rows)))
        if list(clf.classes_) != list(range(len(classes))):
            raise ValueError(f"{head}: some classes have no training rows: {clf.classes_}")
        coef = clf.coef_  # (1, n+dense) for binary heads, (k, n+dense) otherwise
        w_cols.append(coef[:, :n].T)
        d_cols.append(coef[:, n:].T)
        intercepts = clf.intercept_.tolist()
        if head == "sentiment":
            intercepts = [b + SENTIMENT_OFFSETS[c] for b, c in zip(intercepts, classes,
                                                                    strict=True)]
        biases.extend(intercepts)
        heads[head] = {"classes": classes, "start": start, "width": coef.shape[0]}
        start += coef.shape[0]
        log(f"trained {head}: {len(rows)} rows, {dict(sorted(Counter(str(r[1]) for r in rows).items()))}")

    weights = np.hstack(w_cols).astype(np.float16)
    doc = {
        "format": FORMAT, "words": words, "chars": chars, "heads": heads, "outputs": start,
        "idf": b64(idf), "weights": b64(weights),
        "dense": [round(float(x), 6) for x in np.hstack(d_cols).ravel()],
        "bias": [round(float(x), 6) for x in biases],
        "info": {"seed": seed, "cap": cap, "corrections": bool(corrections),
                 "extra": [p.name for p in extra or []],
                 "sentiment_band": sources.SENTIMENT_BAND,
                 "lexicon_weight": sources.LEXICON_WEIGHT,
                 "sentiment_offsets": SENTIMENT_OFFSETS, "C": C,
                 "train_rows": {h: len(r) for h, r in sorted(train_rows.items())},
                 "features": n},
    }
    model_scores = _held_out_scores(doc, test_rows, out)
    log(f"held-out ({', '.join(f'{h}: {len(r)} rows' for h, r in sorted(test_rows.items()))}):")
    for k, v in model_scores.items():
        log(f"  {k}: {v:.3f}")
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {n} features)")
    return model_scores


def _held_out_scores(doc: dict, test_rows: dict, out: Path) -> dict[str, float]:
    """Score the held-out rows with the file as written, then record the scores in it: each
    head's, and sentiment and anger per source (the languages differ in what they reach)."""
    save(doc, out)
    m = read(out)
    scores = {}
    for head, rows in sorted(test_rows.items()):
        if not rows:
            continue
        pred = []
        for text, *_ in rows:
            p = m.probs(m.logits(m.vectorize(text, vader_dense(text))), head)
            pred.append(str(max(p, key=p.get)))
        gold = [str(r[1]) for r in rows]
        binary = head in ("service_related", "anger")
        name = f"{head}_f1" if binary else f"{head}_macro_f1"
        scores[name] = _f1(gold, pred, binary)
        if head in ("sentiment", "anger"):
            by: dict[str, list[int]] = defaultdict(list)
            for i, r in enumerate(rows):
                by[r[3]].append(i)
            for src, idx in sorted(by.items()):
                g = [gold[i] for i in idx]
                if len(idx) >= 50 and len(set(g)) > 1:
                    scores[f"{name}:{src}"] = _f1(g, [pred[i] for i in idx], binary)
    doc["info"]["held_out"] = {k: round(v, 4) for k, v in scores.items()}
    save(doc, out)
    return scores


def _f1(gold: list[str], pred: list[str], binary: bool) -> float:
    if binary:
        return float(f1_score(gold, pred, pos_label="True", zero_division=0))
    return float(f1_score(gold, pred, average="macro", labels=sorted(set(gold)),
                          zero_division=0))
