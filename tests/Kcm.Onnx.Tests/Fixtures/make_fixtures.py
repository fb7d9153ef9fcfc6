#!/usr/bin/python3
"""Writes the tiny ONNX models the Kcm.Onnx tests load. Run with Debian's interpreter (python3-onnx 1.12):

    /usr/bin/python3 tests/Kcm.Onnx.Tests/Fixtures/make_fixtures.py

The weights follow simple formulas that the C# tests recompute, so expected outputs are computed, not stored.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]


def save(graph, name):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="kcm-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def linear_softmax():
    """probs[N,3] = Softmax(x[N,4] @ W + b), W[i,j] = (3*i + j - 5) / 10, b[j] = (j - 1) / 4."""
    w = np.array([[(3 * i + j - 5) / 10.0 for j in range(3)] for i in range(4)], dtype=np.float32)
    b = np.array([(j - 1) / 4.0 for j in range(3)], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
        ],
        "linear_softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")],
    )
    save(graph, "linear_softmax.onnx")


def two_inputs():
    """mixed[N,5] = Concat(features[N,3], Cast<float>(ids[N,2])); scaled[N,3] = features * 2."""
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["ids"], ["ids_float"], to=TensorProto.FLOAT),
            helper.make_node("Concat", ["features", "ids_float"], ["mixed"], axis=1),
            helper.make_node("Mul", ["features", "two"], ["scaled"]),
        ],
        "two_inputs",
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 3]),
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", 2]),
        ],
        [
            helper.make_tensor_value_info("mixed", TensorProto.FLOAT, ["batch", 5]),
            helper.make_tensor_value_info("scaled", TensorProto.FLOAT, ["batch", 3]),
        ],
        initializer=[two],
    )
    save(graph, "two_inputs.onnx")


def symbolic():
    """doubled[batch,seq] = tokens[batch,seq] + tokens: two symbolic dimensions, so the batch runner refuses it."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["tokens", "tokens"], ["doubled"])],
        "symbolic",
        [helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["batch", "seq"])],
        [helper.make_tensor_value_info("doubled", TensorProto.FLOAT, ["batch", "seq"])],
    )
    save(graph, "symbolic.onnx")


def hinted():
    """logits[N,3] = x[N,4] @ W + 2 * hint[N,3], W as in linear_softmax: two float inputs, like a large model taking a hint."""
    w = np.array([[(3 * i + j - 5) / 10.0 for j in range(3)] for i in range(4)], dtype=np.float32)
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Mul", ["hint", "two"], ["hint2"]),
            helper.make_node("Add", ["xw", "hint2"], ["logits"]),
        ],
        "hinted",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
            helper.make_tensor_value_info("hint", TensorProto.FLOAT, ["batch", 3]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(w, "W"), two],
    )
    save(graph, "hinted.onnx")


def fixed_batch():
    """y[2,3] = Relu(x[2,3]): a model whose batch dimension is fixed at 2 (no dim_param, dims known)."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "fixed_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
    )
    save(graph, "fixed_batch.onnx")


if __name__ == "__main__":
    linear_softmax()
    two_inputs()
    symbolic()
    fixed_batch()
    hinted()
