#!/usr/bin/python3
"""Writes the tiny large model the silo, grain and cluster tests load. Run with Debian's interpreter (python3-onnx):

    /usr/bin/python3 tests/Kcm.Silo.Tests/Fixtures/make_fixtures.py

It takes image [batch,1,28,28] like the shipped fashion-cnn.onnx and gives logits [batch,10]:
  tiny_large_hint.onnx  logits = flatten(image) @ W + b + 100 * small_probs   (hint input small_probs [batch,10])
so with the hint applied the large model answers what the small model favours, which the test can see.
It also writes, for the hint detection tests (Kcm.Grains.Tests):
  tiny_two_candidates.onnx  logits = features @ V + 100 * small_probs   (features [batch,10] and small_probs [batch,10]:
                            both have the hint's shape, so detection cannot tell which is the hint and asks for
                            Kcm:Embedded:HintInputName; V[i,j] = ((3*i + 5*j) mod 7 - 3) / 10)
W[i,j] = ((7*i + 13*j) mod 17 - 8) / 100, b[j] = j / 10.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]
W = np.array([[((7 * i + 13 * j) % 17 - 8) / 100.0 for j in range(10)] for i in range(784)], dtype=np.float32)
B = np.array([j / 10.0 for j in range(10)], dtype=np.float32)
SHAPE = np.array([-1, 784], dtype=np.int64)


def save(nodes, inputs, name, extra=()):
    graph = helper.make_graph(
        nodes,
        name,
        inputs,
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "b"), numpy_helper.from_array(SHAPE, "shape"), *extra],
    )
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="kcm-silo-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])
linear = [
    helper.make_node("Reshape", ["image", "shape"], ["flat"]),
    helper.make_node("MatMul", ["flat", "W"], ["xw"]),
]
save(
    linear + [
        helper.make_node("Add", ["xw", "b"], ["plain"]),
        helper.make_node("Mul", ["small_probs", "hint_scale"], ["scaled_hint"]),
        helper.make_node("Add", ["plain", "scaled_hint"], ["logits"]),
    ],
    [image, helper.make_tensor_value_info("small_probs", TensorProto.FLOAT, ["batch", 10])],
    "tiny_large_hint.onnx",
    extra=[numpy_helper.from_array(np.array(100.0, dtype=np.float32), "hint_scale")],
)
V = np.array([[((3 * i + 5 * j) % 7 - 3) / 10.0 for j in range(10)] for i in range(10)], dtype=np.float32)
two = helper.make_graph(
    [
        helper.make_node("MatMul", ["features", "V"], ["fv"]),
        helper.make_node("Mul", ["small_probs", "hint_scale"], ["scaled_hint"]),
        helper.make_node("Add", ["fv", "scaled_hint"], ["logits"]),
    ],
    "tiny_two_candidates.onnx",
    [
        helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 10]),
        helper.make_tensor_value_info("small_probs", TensorProto.FLOAT, ["batch", 10]),
    ],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
    initializer=[numpy_helper.from_array(V, "V"), numpy_helper.from_array(np.array(100.0, dtype=np.float32), "hint_scale")],
)
two_model = helper.make_model(two, opset_imports=OPSET, producer_name="kcm-silo-fixtures")
two_model.ir_version = 8
onnx.checker.check_model(two_model)
onnx.save(two_model, os.path.join(HERE, "tiny_two_candidates.onnx"))
