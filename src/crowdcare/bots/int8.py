"""The embedding model's weight products in int8, rewritten when the model is loaded.

The published model keeps each weight matrix as int8 with one scale per output column and
turns it back into float32 (Cast, Mul) in front of its MatMul; onnxruntime folds that into a
float32 constant, so every question streamed ~42 MB of float32 weights through float32
products: most of an answer's time. Here each such MatMul becomes onnxruntime's MatMulNBits
(8 bits) over the very same int8 weights and scales (stored offset by its zero point, 128,
the column's scale repeated for each block of BLOCK rows), at accuracy level 4: the
question's activations are quantised to int8 per block too and multiplied as integers:
half the CPU per question. Except the attention's value products: their rounding passes
straight into the output (the query's and key's go through a softmax), and in float32 they
cut the vectors' distance to the all-float32 ones by 2.5x (cosine 0.9997 on average) for no
measurable time. docs/bot.md has the evaluation's figures for both.
"""
from __future__ import annotations

import numpy as np

BLOCK = 128            # rows of the weight sharing a scale (a divisor of 384 and 1536)
ACCURACY_LEVEL = 4     # int8 activations and integer products


def rewrite(model_bytes: bytes) -> bytes:
    """The model with each MatMul by a Cast(int8) * scale constant done by MatMulNBits."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(model_bytes)
    graph = model.graph
    original = list(graph.node)     # held, so the nodes' ids below stay theirs
    constants = {t.name: t for t in graph.initializer}
    made_by = {out: node for node in original for out in node.output}
    readers: dict[str, int] = {}
    for node in original:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    products = []      # (MatMul, Mul, Cast) of each weight product, in graph order
    for node in original:
        mul = made_by.get(node.input[1]) if node.op_type == "MatMul" else None
        cast = made_by.get(mul.input[0]) if mul is not None and mul.op_type == "Mul" else None
        if cast is not None and cast.op_type == "Cast" and cast.input[0] in constants \
                and mul.input[1] in constants and readers[mul.output[0]] == 1:
            products.append((node, mul, cast))
    # query, key and value read the same input, in that order (the sha256-pinned export's)
    sharing: dict[str, list] = {}
    for node, _, _ in products:
        sharing.setdefault(node.input[0], []).append(node)
    values = {id(group[2]) for group in sharing.values() if len(group) == 3}
    replaced: dict[int, onnx.NodeProto] = {}
    dropped: set[int] = set()
    added = []
    for node, mul, cast in products:
        if id(node) in values:
            continue
        weights = numpy_helper.to_array(constants[cast.input[0]])          # K x N, int8
        scales = numpy_helper.to_array(constants[mul.input[1]]).reshape(-1)  # N
        k, n = weights.shape
        if weights.dtype != np.int8 or scales.shape != (n,) or k % BLOCK:
            continue
        blocks = k // BLOCK
        packed = (weights.astype(np.int16) + 128).astype(np.uint8).T.reshape(n, blocks, BLOCK)
        name = node.name or node.output[0]
        added += [numpy_helper.from_array(np.ascontiguousarray(packed), f"{name}_int8"),
                  numpy_helper.from_array(np.repeat(scales.astype(np.float32), blocks),
                                          f"{name}_scales")]
        replaced[id(node)] = helper.make_node(
            "MatMulNBits", [node.input[0], f"{name}_int8", f"{name}_scales"], list(node.output),
            name=f"{name}_int8", domain="com.microsoft", K=k, N=n, bits=8, block_size=BLOCK,
            accuracy_level=ACCURACY_LEVEL)
        dropped |= {id(mul), id(cast)}
    nodes = [replaced.get(id(node), node) for node in original if id(node) not in dropped]
    used = {name for node in nodes for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model.SerializeToString()
