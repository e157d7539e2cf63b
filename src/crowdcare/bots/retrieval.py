"""Retrieval: the knowledge base's question variants against one customer message.

Two views of similarity, each cheap at query time: sentence embeddings (meaning: "my card
never came" ~ "I am still waiting on my card") and character n-gram TF-IDF (wording, typos,
any language or script). Every entry near the top of either becomes a candidate with the same
few numbers (`FEATURES`); confidence.py turns those into the probability that it is the right
entry. Nothing here depends on the entries' labels, so it works for any knowledge base.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from crowdcare.bots import embed

FEATURES = ("emb_max", "emb_mean", "emb_gap", "emb_rank", "char_max", "char_mean", "char_gap",
            "char_rank", "word_overlap", "log_words", "word_share", "log_entries",
            "emb_gap_x_entries", "emb_max_x_entries")
EMB_CANDIDATES, CHAR_CANDIDATES = 5, 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> set[str]:
    """Lower-cased word stems (the first five letters: "refunds" ~ "refund")."""
    return {w[:5] for w in _WORD.findall(text.lower())}


@dataclass
class Version:
    """One entry in one language, as the index sees it."""

    entry: Any                          # the entry's id (database id or import key)
    language: str | None                # None: any language
    questions: list[str]
    vectors: np.ndarray | None = None   # stored embeddings, else computed when indexed
    payload: Any = None                 # whatever the caller needs back (the answer...)


@dataclass
class Candidate:
    version: Version
    question: str                       # the closest variant
    features: dict[str, float]
    confidence: float = 0.0             # set by the scorer
    reasons: list[str] = field(default_factory=list)

    @property
    def entry(self) -> Any:
        return self.version.entry


class Index:
    def __init__(self, versions: list[Version]):
        kept = [v for v in versions if v.questions]
        self.entries = list(dict.fromkeys(v.entry for v in kept))
        ordinal = {e: j for j, e in enumerate(self.entries)}
        # an entry's variants side by side: per-entry maxima and sums are one reduceat each
        self.versions = sorted(kept, key=lambda v: ordinal[v.entry])
        texts = [q for v in self.versions for q in v.questions]
        self.owner = np.array([i for i, v in enumerate(self.versions) for _ in v.questions],
                              dtype=np.int64)
        self.variant_entry = np.array([ordinal[self.versions[i].entry] for i in self.owner],
                                      dtype=np.int64)
        self.starts = np.searchsorted(self.variant_entry, np.arange(len(self.entries)))
        ends = np.append(self.starts[1:], len(texts))[:len(self.starts)]   # none: no entries
        self.entry_variants = [np.arange(a, b) for a, b in zip(self.starts, ends, strict=True)]
        self.texts = texts
        self._masks: dict[str | None, np.ndarray] = {}
        missing = [v for v in self.versions if v.vectors is None
                   or v.vectors.shape != (len(v.questions), embed.DIM)]
        if missing:
            computed = embed.encode([q for v in missing for q in v.questions])
            start = 0
            for v in missing:
                v.vectors = computed[start:start + len(v.questions)]
                start += len(v.questions)
        self.vectors = (np.vstack([v.vectors for v in self.versions]) if self.versions
                        else np.zeros((0, embed.DIM), dtype=np.float32))
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     dtype=np.float32)
        self.char_matrix = self.chars.fit_transform(texts).tocsc().T.tocsr() if texts else None
        if texts:   # the query's n-grams by hand: transform()'s checks cost more than the work
            self._analyze = self.chars.build_analyzer()
            self._gram = self.chars.vocabulary_
            self._idf = self.chars.idf_.astype(np.float32)
        # per entry: its words, and how rare each word is among entries (idf)
        self.entry_words: list[set[str]] = [set() for _ in self.entries]
        for v in self.versions:
            self.entry_words[ordinal[v.entry]].update(*(words(q) for q in v.questions))
        n = len(self.entries)
        df: dict[str, int] = {}
        for ws in self.entry_words:
            for w in ws:
                df[w] = df.get(w, 0) + 1
        self.idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
        self.unseen_idf = math.log(n + 1) if n else 1.0
        self.languages = {v.language for v in self.versions}

    def __len__(self) -> int:
        return len(self.entries)

    def _allowed(self, language: str | None) -> np.ndarray:
        """The variants searched: the customer's language and language-neutral versions; all
        of them when the language is unknown or the knowledge base has none in it."""
        if not language or language == "unknown" or language not in self.languages:
            language = None
        if language not in self._masks:
            keep = np.array([language is None or v.language in (language, None)
                             for v in self.versions])
            self._masks[language] = keep[self.owner]
        return self._masks[language]

    def _char_similarity(self, text: str) -> np.ndarray:
        """Cosine of the message's character n-gram TF-IDF vector with every variant's."""
        counts: dict[int, int] = {}
        for gram in self._analyze(text):
            j = self._gram.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(len(self.texts), dtype=np.float32)
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32,
                                      count=len(counts)))) * self._idf[idx]
        w /= np.linalg.norm(w)
        return self.char_matrix[idx].T @ w

    def candidates(self, text: str, language: str | None = None,
                   vector: np.ndarray | None = None) -> list[Candidate]:
        """The entries nearest to `text` (its embedding may be given: batch callers)."""
        if not self.texts:
            return []
        allowed = self._allowed(language)
        query = embed.encode([text])[0] if vector is None else vector
        # einsum, not BLAS: a two-thread matrix-vector product on a busy machine waited ~10 ms
        emb = np.einsum("ij,j->i", self.vectors, query)
        chars = self._char_similarity(text)
        n_entries = len(self.entries)
        # per entry (over its searched variants): the best and the mean similarity
        best_e = np.maximum.reduceat(np.where(allowed, emb, -np.inf), self.starts)
        best_c = np.maximum.reduceat(np.where(allowed, chars, -np.inf), self.starts)
        count = np.add.reduceat(allowed.astype(np.int64), self.starts)
        mean_e = np.add.reduceat(np.where(allowed, emb, 0.0), self.starts) / np.maximum(count, 1)
        mean_c = np.add.reduceat(np.where(allowed, chars, 0.0), self.starts) / np.maximum(count, 1)
        searched = int((count > 0).sum())
        by_e = np.argsort(-best_e, kind="stable")[:searched]
        by_c = np.argsort(-best_c, kind="stable")[:searched]
        rank_e = np.empty(n_entries, dtype=np.int64)
        rank_e[by_e] = np.arange(searched)
        rank_c = np.empty(n_entries, dtype=np.int64)
        rank_c[by_c] = np.arange(searched)
        chosen = list(dict.fromkeys([*by_e[:EMB_CANDIDATES].tolist(),
                                     *by_c[:CHAR_CANDIDATES].tolist()]))
        query_words = words(text)
        size = math.log1p(searched)
        weight = sum(self.idf.get(w, self.unseen_idf) for w in query_words) or 1.0

        def runner_up(order: np.ndarray, best: np.ndarray, j: int) -> float:
            if len(order) < 2:
                return 0.0
            return float(best[order[1]] if order[0] == j else best[order[0]])

        out = []
        for j in chosen:
            variants = self.entry_variants[j]
            variants = variants[allowed[variants]]
            i = int(variants[np.argmax(emb[variants])])
            shared = query_words & self.entry_words[j]
            features = {
                "emb_max": float(best_e[j]), "emb_mean": float(mean_e[j]),
                "emb_gap": float(best_e[j]) - runner_up(by_e, best_e, j),
                "emb_rank": float(min(rank_e[j], 10)),
                "char_max": float(best_c[j]), "char_mean": float(mean_c[j]),
                "char_gap": float(best_c[j]) - runner_up(by_c, best_c, j),
                "char_rank": float(min(rank_c[j], 10)),
                "word_overlap": sum(self.idf.get(w, 0.0) for w in shared) / weight,
                "log_words": math.log1p(len(query_words)),
                "word_share": len(shared) / (len(query_words) or 1),
                # how much a gap says depends on how many entries there are to be near
                "log_entries": size,
                "emb_gap_x_entries": (float(best_e[j]) - runner_up(by_e, best_e, j)) * size,
                "emb_max_x_entries": float(best_e[j]) * size,
            }
            out.append(Candidate(self.versions[self.owner[i]], self.texts[i], features))
        return out
