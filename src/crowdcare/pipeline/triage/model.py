"""The shipped linear model: one vocabulary, several heads (sentiment, service_related, intent).

Scikit-learn trains it (train.py); inference is a few dictionary look-ups and one small matrix
product here, because calling a fitted sklearn pipeline per message costs more than the whole
rest of triage. The file is gzip'd JSON with base64 arrays: small, portable, no pickle.
"""
from __future__ import annotations

import base64
import gzip
import json
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crowdcare.pipeline.triage.text import bigrams, char_grams, normalize, tokens

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_PATH = DATA_DIR / "model.json.gz"
FORMAT = 3   # 2: per-occurrence idf over one norm per block (see sparse_features); 3: + anger,
             # language heads, CJK character grams
DENSE = ("vader_compound", "vader_pos", "vader_neg", "vader_neu")
TOKEN_CACHE = 100_000   # distinct tokens remembered (9 MB of float32 rows)


def occurrences(text: str, word_vocab: dict[str, int]
                ) -> tuple[list[int], list[str], list[int | None]]:
    """(word feature ids, one per occurrence: unigrams and bigrams; the text's tokens; each
    token's unigram id or None)."""
    toks = tokens(normalize(text))
    get = word_vocab.get
    unigrams = list(map(get, toks))
    # each token's unigram then its bigram (text.word_grams), as training lists them
    ids = [j for pair in zip(unigrams, map(get, bigrams(toks)), strict=True) for j in pair
           if j is not None]
    return ids, toks, unigrams


def char_ids(token: str, char_vocab: dict[str, int]) -> list[int]:
    """The vocabulary ids of a token's character n-grams (text.char_grams)."""
    get = char_vocab.get
    return [j for j in map(get, char_grams(token)) if j is not None]


def sparse_features(text: str, word_vocab: dict[str, int], char_vocab: dict[str, int],
                    idf: np.ndarray) -> tuple[list[int], list[float]]:
    """The text as the model's input row: (feature ids, values), a feature repeated once per
    occurrence (the training matrix sums them).

    Each occurrence weighs its idf; each block (words, character n-grams) is divided by the
    root of the sum of its occurrences' squared idf (the l2 norm when nothing repeats). That
    makes a message's row the sum of its tokens' rows over one norm, so inference can cache
    each token's projection and add them up (Model.logits) instead of rebuilding the row."""
    wids, toks, _ = occurrences(text, word_vocab)
    cids = [j for t in toks for j in char_ids(t, char_vocab)]
    out_ids: list[int] = []
    out_vals: list[float] = []
    for ids in (wids, cids):
        if ids:
            w = idf[ids]
            w = w / math.sqrt(float(w @ w))
            out_ids.extend(ids)
            out_vals.extend(w.tolist())
    return out_ids, out_vals


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _unb64(s: str, dtype, shape=None) -> np.ndarray:
    a = np.frombuffer(base64.b64decode(s), dtype=dtype)
    return a.reshape(shape) if shape else a


@dataclass(slots=True)
class Vector:
    """A text ready for the logits: `coef @ table[rows]` (+ `extra`). The rows are its word
    features (one per occurrence, over the word norm), the VADER inputs, and each token's
    cached character-gram pull (over the character norm): one gather, one product."""

    words: list[int]        # word feature ids, one per occurrence (top_words reads them)
    word_norm: float
    tokens: list[tuple[int, str]]   # (its character row among the last n_chars, token) for
    char_norm: float                # tokens outside the word vocabulary (top_words)
    n_chars: int
    rows: list[int]
    coef: list[float]
    table: np.ndarray
    extra: np.ndarray | None = None   # pulls of new tokens that did not fit this table
    gathered: np.ndarray | None = None   # table[rows], once logits() has gathered it


class Model:
    """Read-only after construction except for the token cache, which only grows (under a
    lock) and is replaced whole when full: one instance is shared by every thread."""

    def __init__(self, doc: dict):
        if doc.get("format") != FORMAT:
            raise ValueError(f"triage model format {doc.get('format')!r}, expected {FORMAT}: "
                             "run `crowdcare triage train`")
        self.words: list[str] = doc["words"]
        chars: list[str] = doc["chars"]   # only their ids are kept
        self.word_vocab = {f: i for i, f in enumerate(self.words)}
        n_words = len(self.words)
        # a character n-gram's id is its row in self.scaled (the words' rows live in the table)
        self.char_vocab = {f: i for i, f in enumerate(chars)}
        n = n_words + len(chars)
        self.heads: dict[str, dict] = doc["heads"]
        self._spans = {name: (h["start"], h["width"], tuple(h["classes"]))
                       for name, h in self.heads.items()}
        self.k = k = doc["outputs"]
        self.idf = _unb64(doc["idf"], np.float32).astype(np.float32)
        idf2 = self.idf * self.idf
        # summed per token in Python: no array per call
        self._idf2 = idf2[:n_words].tolist()        # word features
        self._char_idf2 = idf2[n_words:].tolist()   # character n-grams
        weights = _unb64(doc["weights"], np.float16, (n, k))
        # one occurrence's pull, before the norm: the character n-grams' here, the words' in
        # the table below (kept once; built in place, no full-size float32 copy at load)
        self.scaled = np.multiply(weights[n_words:], self.idf[n_words:, None],
                                  dtype=np.float32)
        self.dense = np.asarray(doc["dense"], dtype=np.float32).reshape(len(DENSE), k)
        self.bias = np.asarray(doc["bias"], dtype=np.float32)
        self.info: dict = doc.get("info", {})
        # The table every message gathers from: each word's pull, the dense rows, each
        # vocabulary word's character-gram pull (as a token), then the cache of other tokens.
        self._dense_rows = list(range(n_words, n_words + len(DENSE)))
        self._word_chars = n_words + len(DENSE)   # row of word j's character pull: + j
        self._head_rows = self._word_chars + n_words
        table = np.zeros((self._head_rows + TOKEN_CACHE, k), dtype=np.float32)
        np.multiply(weights[:n_words], self.idf[:n_words, None], out=table[:n_words])
        table[n_words:self._word_chars] = self.dense
        self._word_char_sq = self._char_pulls(self.words,
                                              table[self._word_chars:self._head_rows])
        self._lock = threading.Lock()
        self._cache = ({}, table, [self._head_rows])

    def _char_pulls(self, tokens_: list[str], pulls: np.ndarray) -> list[float]:
        """Each token's character-gram pull, written into `pulls` (a row each), and its sum of
        squared idf, a few thousand tokens at a time (one gather for all the words at once
        would hold some 200 MB)."""
        idf2 = self._char_idf2
        sq: list[float] = []
        for lo in range(0, len(tokens_), 4096):
            grams = [char_ids(t, self.char_vocab) if " " not in t else ()
                     for t in tokens_[lo:lo + 4096]]
            sq.extend([sum([idf2[g] for g in gs]) for gs in grams])
            has = [i for i, gs in enumerate(grams) if gs]
            if has:
                flat = np.fromiter((g for i in has for g in grams[i]), dtype=np.int64)
                starts = np.cumsum([0] + [len(grams[i]) for i in has[:-1]])
                pulls[[lo + i for i in has]] = np.add.reduceat(self.scaled[flat], starts,
                                                               axis=0)
        return sq

    def _new_token_cache(self) -> None:
        # token → (row, sum of its grams' squared idf) for tokens outside the vocabulary.
        # Rows are written once and never changed; a full table is replaced, not reused, so a
        # message that took the old one still reads what it expects. The vocabulary's rows
        # lead every table (copied from the last one: kept once, not twice).
        head = self._cache[1][:self._head_rows]
        table = np.zeros((self._head_rows + TOKEN_CACHE, self.k), dtype=np.float32)
        table[:self._head_rows] = head
        self._cache = ({}, table, [self._head_rows])

    def clear_cache(self) -> None:
        with self._lock:
            self._new_token_cache()

    def _token(self, token: str, cache) -> tuple[int | None, float, np.ndarray]:
        grams = char_ids(token, self.char_vocab)
        if grams:
            pull = self.scaled.take(grams, axis=0).sum(0)
            idf2 = self._char_idf2
            sq = sum([idf2[g] for g in grams])
        else:
            pull, sq = np.zeros(self.k, dtype=np.float32), 0.0
        with self._lock:
            index, table, used = self._cache
            if token in index:
                row = index[token][0]
            else:
                if used[0] >= len(table):
                    self._new_token_cache()
                    index, table, used = self._cache
                row = used[0]
                table[row] = pull
                used[0] += 1
                index[token] = (row, sq)
            same = self._cache is cache   # else the row is in a newer table than the caller's
        return (row if same else None), sq, pull

    def vectorize(self, text: str, dense: tuple[float, ...]) -> Vector:
        """Word ids (unigrams and bigrams), and each token's character-gram pull: a table row
        for vocabulary words, else from the token cache (new tokens are the only cost)."""
        wids, toks, unigrams = occurrences(text, self.word_vocab)
        cache = self._cache
        index, table, _ = cache
        word_chars, word_sq = self._word_chars, self._word_char_sq
        crows: list[int] = []
        ctoks: list[tuple[int, str]] = []
        extra = None
        sq = 0.0
        for t, j in zip(toks, unigrams, strict=True):
            if j is not None:   # a vocabulary word: its pull was summed at load
                crows.append(word_chars + j)
                sq += word_sq[j]
                continue
            e = index.get(t)
            if e is None:
                row, s, pull = self._token(t, cache)
                if row is None:
                    extra = pull if extra is None else extra + pull
                else:
                    ctoks.append((len(crows), t))
                    crows.append(row)
            else:
                row, s = e
                ctoks.append((len(crows), t))
                crows.append(row)
            sq += s
        word_norm = math.sqrt(sum(map(self._idf2.__getitem__, wids))) or 1.0
        char_norm = math.sqrt(sq) or 1.0
        if extra is not None:
            extra = extra / np.float32(char_norm)
        return Vector(wids, word_norm, ctoks, char_norm, len(crows),
                      wids + self._dense_rows + crows,
                      [1.0 / word_norm] * len(wids) + list(dense)
                      + [1.0 / char_norm] * len(crows), table, extra)

    def logits(self, v: Vector) -> list[float]:
        # kept: top_words reads the word rows' pulls from it (take: no index array per call)
        v.gathered = v.table.take(v.rows, axis=0)
        out = self.bias + np.array(v.coef, dtype=np.float32) @ v.gathered
        if v.extra is not None:
            out = out + v.extra
        return out.tolist()

    def probs(self, logits: list[float], head: str) -> dict:
        """{class: probability} for one head."""
        start, width, classes = self._spans[head]
        if width == 1:  # binary head: one logit for the second class
            p = 1.0 / (1.0 + math.exp(-logits[start]))
            return {classes[0]: 1.0 - p, classes[1]: p}
        z = logits[start:start + width]
        top = max(z)
        e = [math.exp(x - top) for x in z]
        total = sum(e)
        return {c: x / total for c, x in zip(classes, e, strict=True)}

    def all_probs(self, logits: list[float]) -> dict[str, dict]:
        """{head: {class: probability}} for every head, in one pass."""
        exp = math.exp
        out = {}
        for name, (start, width, classes) in self._spans.items():
            if width == 1:
                p = 1.0 / (1.0 + exp(-logits[start]))
                out[name] = {classes[0]: 1.0 - p, classes[1]: p}
                continue
            z = logits[start:start + width]
            top = max(z)
            e = [exp(x - top) for x in z]
            total = sum(e)
            out[name] = {c: x / total for c, x in zip(classes, e, strict=True)}
        return out

    def top_words(self, v: Vector, head: str, cls, k: int = 3) -> list[str]:
        """The words that pushed `head` towards `cls` the most (for the reasons): word
        features, and tokens outside the vocabulary by their character n-grams (what carries
        unsegmented scripts and misspellings)."""
        if not v.words and not v.tokens:
            return []
        h = self.heads[head]
        col = h["start"] + (0 if h["width"] == 1 else h["classes"].index(cls))
        sign = -1.0 if h["width"] == 1 and cls == h["classes"][0] else 1.0
        rows = v.gathered if v.gathered is not None else v.table.take(v.rows, axis=0)
        pulls = rows[:, col].tolist()   # one read; word rows lead `rows`, token rows end it
        floor = 0.03   # a share of the logit under 0.03 explains nothing
        total: dict[str, float] = {}
        wscale, cscale = sign / v.word_norm, sign / v.char_norm
        words = self.words
        for j, x in zip(v.words, pulls, strict=False):   # a repeated word pulls once per use
            if x * wscale > floor:
                w = words[j]
                total[w] = total.get(w, 0.0) + x * wscale
        first = len(pulls) - v.n_chars   # a word's own character pull is in its word row's
        for i, t in v.tokens:             # company: only new tokens are read here
            x = pulls[first + i] * cscale
            if x > floor:
                total[t] = total.get(t, 0.0) + x
        out: list[str] = []
        for _, w in sorted([(-y, w.replace("<s> ", "")) for w, y in total.items()]):
            if w not in ("atuser", "httpurl") and not any(w in o.split() for o in out):
                out.append(w)
                if len(out) == k:
                    break
        return out


def save(doc: dict, path: Path) -> None:
    """Byte-identical output for identical input: sorted keys, no gzip timestamp or name."""
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
        g.write(raw)


def read(path: Path) -> Model:
    with gzip.open(path, "rb") as f:
        return Model(json.loads(f.read()))


_lock = threading.Lock()
_models: dict[Path, Model] = {}
_default: Path | None = None
_current: Model | None = None   # what get() returns without a path: asked for per message


def use(path: str | Path | None) -> None:
    """Make `path` the model triage() uses (the CLI's --model); None restores the default."""
    global _default, _current
    _default = Path(path) if path else None
    _current = None


def get(path: str | Path | None = None) -> Model:
    """The model, loaded once per path (first caller pays; later calls are a dict hit).
    Which file: `path`, else use(), else $CROWDCARE_TRIAGE_MODEL (read once), else the
    shipped one."""
    global _current
    if path is None and _current is not None:
        return _current
    p = Path(path or _default or os.environ.get("CROWDCARE_TRIAGE_MODEL") or DEFAULT_PATH)
    m = _models.get(p)
    if m is None:
        with _lock:
            m = _models.get(p)
            if m is None:
                if not p.exists():
                    raise FileNotFoundError(
                        f"triage model {p} is missing: run `crowdcare triage train`")
                m = _models[p] = read(p)
    if path is None:
        _current = m
    return m
