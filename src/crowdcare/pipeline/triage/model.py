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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crowdcare.pipeline.triage.text import _CJK, normalize, tokens

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_PATH = DATA_DIR / "model.json.gz"
FORMAT = 1
DENSE = ("vader_compound", "vader_pos", "vader_neg", "vader_neu")
TOKEN_CACHE = 200_000   # distinct tokens remembered (a few tens of MB at most)


@dataclass
class Vector:
    """A text as the model sees it: tf-idf values (each block — words, character n-grams —
    l2-normalised on its own) by feature id, plus the dense inputs. Word ids come first in the
    id space, and the word block comes first in `idx`."""

    idx: np.ndarray
    val: np.ndarray
    n_word_feats: int       # idx[:n_word_feats] are word features, the rest character n-grams
    dense: np.ndarray


def _tfidf(ids: list[int], idf: np.ndarray, n_word_ids: int):
    """(ids, values): 1+log(tf) * idf, each block (words first, then character n-grams)
    l2-normalised on its own; `n_word_ids` distinct word ids lead `ids`' distinct ids."""
    c = Counter(ids)   # insertion order: every word id comes before any character id
    n = len(c)
    idx = np.fromiter(c.keys(), dtype=np.int64, count=n)
    tf = np.fromiter(c.values(), dtype=np.float32, count=n)
    val = idf[idx] * (np.log(tf) + np.float32(1.0))
    sq = val * val
    sw = math.sqrt(float(sq[:n_word_ids].sum())) or 1.0
    sc = math.sqrt(float(sq[n_word_ids:].sum())) or 1.0
    val[:n_word_ids] /= np.float32(sw)
    val[n_word_ids:] /= np.float32(sc)
    return idx, val


def _char_ids(token: str, char_vocab: dict[str, int]) -> tuple[int, ...]:
    """The vocabulary ids of a token's character 3-5-grams (text.features' char block)."""
    if len(token) < 2 and not _CJK.match(token):
        return ()
    w = " " + token + " "
    get = char_vocab.get
    out = []
    for n in range(3, min(5, len(w)) + 1):
        for i in range(len(w) - n + 1):
            j = get(w[i:i + n])
            if j is not None:
                out.append(j)
    return tuple(out)


def vectorize(text: str, word_vocab: dict[str, int], char_vocab: dict[str, int],
              idf: np.ndarray, dense: tuple[float, ...],
              cache: dict[str, tuple[int, ...]] | None = None) -> Vector:
    """The same features as text.features(), looked up straight into vocabulary ids.

    `cache` remembers each token's character-gram ids: words repeat (Zipf), so most tokens
    of a message are a dictionary hit instead of a dozen slices and look-ups."""
    toks = tokens(normalize(text))
    wget = word_vocab.get
    wc: list[int] = []
    cc: list[int] = []
    prev = "<s>"
    for t in toks:
        j = wget(t)
        if j is not None:
            wc.append(j)
        j = wget(prev + " " + t)
        if j is not None:
            wc.append(j)
        prev = t
        if cache is not None:
            ids = cache.get(t)
            if ids is None:
                ids = _char_ids(t, char_vocab)
                if len(cache) >= TOKEN_CACHE:
                    cache.clear()
                cache[t] = ids
        else:
            ids = _char_ids(t, char_vocab)
        cc.extend(ids)
    nw = len(set(wc))
    wc.extend(cc)
    idx, val = _tfidf(wc, idf, nw)
    return Vector(idx, val, nw, np.asarray(dense, dtype=np.float32))


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _unb64(s: str, dtype, shape=None) -> np.ndarray:
    a = np.frombuffer(base64.b64decode(s), dtype=dtype)
    return a.reshape(shape) if shape else a


class Model:
    """Read-only after construction, so one instance is shared by every thread."""

    def __init__(self, doc: dict):
        if doc.get("format") != FORMAT:
            raise ValueError(f"triage model format {doc.get('format')!r}, expected {FORMAT}")
        self.words: list[str] = doc["words"]
        self.chars: list[str] = doc["chars"]
        self.word_vocab = {f: i for i, f in enumerate(self.words)}
        n_words = len(self.words)
        self.char_vocab = {f: n_words + i for i, f in enumerate(self.chars)}
        n = n_words + len(self.chars)
        self.heads: dict[str, dict] = doc["heads"]
        k = doc["outputs"]
        self.idf = _unb64(doc["idf"], np.float32).astype(np.float32)
        self.weights = _unb64(doc["weights"], np.float16, (n, k)).astype(np.float32)
        self.dense = np.asarray(doc["dense"], dtype=np.float32).reshape(len(DENSE), k)
        self.bias = np.asarray(doc["bias"], dtype=np.float32)
        self.info: dict = doc.get("info", {})
        self._tokens: dict[str, tuple[int, ...]] = {}

    def vectorize(self, text: str, dense: tuple[float, ...]) -> Vector:
        return vectorize(text, self.word_vocab, self.char_vocab, self.idf, dense,
                         self._tokens)

    def logits(self, v: Vector) -> list[float]:
        out = self.bias + v.dense @ self.dense
        if len(v.idx):
            out = out + v.val @ self.weights[v.idx]
        return out.tolist()

    def probs(self, logits: np.ndarray, head: str) -> dict:
        """{class: probability} for one head."""
        h = self.heads[head]
        z = logits[h["start"]:h["start"] + h["width"]]
        if h["width"] == 1:  # binary head: one logit for the second class
            p = 1.0 / (1.0 + math.exp(-float(z[0])))
            return {h["classes"][0]: 1.0 - p, h["classes"][1]: p}
        top = max(z)
        e = [math.exp(x - top) for x in z]
        total = sum(e)
        return {c: x / total for c, x in zip(h["classes"], e, strict=True)}

    def top_words(self, v: Vector, head: str, cls, k: int = 3) -> list[str]:
        """The words that pushed `head` towards `cls` the most (for the reasons)."""
        w_idx, w_val = v.idx[:v.n_word_feats], v.val[:v.n_word_feats]
        if not len(w_idx):
            return []
        h = self.heads[head]
        col = h["start"] + (0 if h["width"] == 1 else h["classes"].index(cls))
        sign = -1.0 if h["width"] == 1 and cls == h["classes"][0] else 1.0
        contrib = (sign * w_val * self.weights[w_idx, col]).tolist()
        order = sorted(range(len(contrib)), key=lambda i: (-contrib[i], i))[:k + 2]
        out: list[str] = []
        for i in order:
            w = self.words[w_idx[i]].replace("<s> ", "")
            if contrib[i] > 0.02 and w not in out:
                out.append(w)
        return out[:k]


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
_models: dict[object, Model] = {}
_default: Path | None = None


def use(path: str | Path | None) -> None:
    """Make `path` the model triage() uses (the CLI's --model); None restores the default."""
    global _default
    _default = Path(path) if path else None


def get(path: str | Path | None = None) -> Model:
    """The model, loaded once per path (first caller pays; later calls are a dict hit).
    Which file: `path`, else use(), else $CROWDCARE_TRIAGE_MODEL, else the shipped one."""
    key = path or _default or os.environ.get("CROWDCARE_TRIAGE_MODEL") or DEFAULT_PATH
    m = _models.get(key)
    if m is not None:
        return m
    p = Path(key)
    m = _models.get(p)
    if m is None:
        with _lock:
            m = _models.get(p)
            if m is None:
                if not p.exists():
                    raise FileNotFoundError(
                        f"triage model {p} is missing: run `crowdcare triage train`")
                m = _models[p] = read(p)
    _models[key] = m
    return m
