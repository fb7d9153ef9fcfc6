#!/usr/bin/python3
"""How far a cheap small model can take KCM on Fashion-MNIST: the large-model share needed to stay within a
tolerance of the large model's accuracy, against the small model's cost.

    apt-get install -y --no-install-recommends python3-torch python3-onnx
    /usr/bin/python3 tools/student_frontier.py            # from the repository root; about 8 minutes on 2 cores

Each student (MLPs and small CNNs) is distilled from the shipped large model (models/fashion-cnn.onnx, evaluated here
by a small reader of its ONNX graph, checked against the card's test accuracy) on all 60,000 training images, then
routed by its own max softmax: the threshold is calibrated by the tolerance rule on the last 2,000 test images (as the
silo does) and the share and accuracy are delivered on the 8,000 before them. "bound" is the most KCM could serve
against large-only if only multiply-accumulates cost anything: 1 / (student MACs / large MACs + share), before the
judge, the fabric and the large model's batching are paid. Nothing is downloaded; nothing here is used at run time.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

DATA = "/usr/share/datasets/fashion-mnist"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def images(name):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255


def labels(name):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read(), np.uint8, offset=8).astype(np.int64)


def run_onnx(path, x):
    """Runs the few operators the shipped CNN uses; any other operator is refused by name."""
    model = onnx.load(path)
    values = {t.name: torch.tensor(numpy_helper.to_array(t)) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        i = [values[n] for n in node.input]
        op = node.op_type
        if op == "Sub":
            y = i[0] - i[1]
        elif op == "Div":
            y = i[0] / i[1]
        elif op == "Relu":
            y = F.relu(i[0])
        elif op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get("strides", [1, 1]), padding=pads[:2], groups=a.get("group", 1))
        elif op == "MaxPool":
            y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), a.get("pads", [0, 0, 0, 0])[:2])
        elif op == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
        elif op == "Gemm":
            w = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * i[0] @ w + a.get("beta", 1.0) * i[2]
        else:
            raise SystemExit(f"{path}: operator {op} is not supported by this reader")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


def mlp(hidden):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def cnn(*channels):
    layers, width, side = [], 1, 28
    for c in channels:
        layers += [nn.Conv2d(width, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        width, side = c, side // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * side * side, 10))


STUDENTS = {
    "mlp 784-64-10 (the silo's)": lambda: mlp(64),
    "mlp 784-256-10": lambda: mlp(256),
    "cnn 8": lambda: cnn(8),
    "cnn 8-16": lambda: cnn(8, 16),
    "cnn 16-32": lambda: cnn(16, 32),
    "cnn 32-64": lambda: cnn(32, 64),
}


def macs(model):
    total, x = 0, torch.zeros(1, 1, 28, 28)
    for layer in model:
        y = layer(x)
        if isinstance(layer, nn.Conv2d):
            total += y.numel() * layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, nn.Linear):
            total += layer.in_features * layer.out_features
        x = y
    return total


def distill(model, x, y, teacher, epochs, seed):
    torch.manual_seed(seed)
    steps = (len(x) + 127) // 128
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 3e-3, epochs=epochs, steps_per_epoch=steps)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for s in range(0, len(x), 128):
            idx = order[s:s + 128]
            batch = x[idx]
            # Horizontal flips, as the large model was trained with; the teacher's logits are for the unflipped image,
            # which a flip-trained teacher answers alike.
            batch = torch.where(torch.rand(len(idx), 1, 1, 1) < 0.5, batch.flip(3), batch)
            out = model(batch)
            loss = F.kl_div(F.log_softmax(out / 2, 1), F.softmax(teacher[idx] / 2, 1), reduction="batchmean") * 4 + F.cross_entropy(out, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    return model


def tolerance_threshold(confidence, small_ok, large_ok, tolerance):
    """The tolerance rule: the least large share whose accuracy is at least large-only's minus the tolerance."""
    order = np.argsort(-confidence)
    small_top = np.concatenate([[0], np.cumsum(small_ok[order])])
    large_top = np.concatenate([[0], np.cumsum(large_ok[order])])
    accuracy = (small_top + large_ok.sum() - large_top) / len(confidence)
    k = np.where(accuracy >= large_ok.mean() - tolerance)[0].max()
    return confidence[order[k - 1]] if k > 0 else np.inf


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--tolerance-points", type=float, default=0.1)
    parser.add_argument("--calibration", type=int, default=2000, help="last test images the threshold is calibrated on")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--only", nargs="*", help="students to train (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    x_train, y_train = torch.tensor(images("train-images-idx3-ubyte.gz")), torch.tensor(labels("train-labels-idx1-ubyte.gz"))
    x_test, y_test = torch.tensor(images("t10k-images-idx3-ubyte.gz")), torch.tensor(labels("t10k-labels-idx1-ubyte.gz"))
    card = json.load(open(os.path.join(ROOT, "models", "fashion-cnn.card.json")))
    with torch.no_grad():
        teacher_train = torch.cat([run_onnx(os.path.join(ROOT, "models", "fashion-cnn.onnx"), x_train[s:s + 5000]) for s in range(0, len(x_train), 5000)])
        teacher_test = run_onnx(os.path.join(ROOT, "models", "fashion-cnn.onnx"), x_test)
    large_pred = teacher_test.argmax(1).numpy()
    large_ok = large_pred == y_test.numpy()
    correct = int(large_ok.sum())
    if abs(correct - card["test_correct"]) > card.get("test_near_ties", 0) + 2:
        raise SystemExit(f"the ONNX reader gives {correct} correct test images, the card {card['test_correct']}")
    print(f"large model: {card['macs_per_sample']:,} MACs, {correct / len(large_ok):.2%} on the test set (card {card['test_accuracy']:.2%})")

    cut = len(x_test) - args.calibration
    print(f"students distilled on {len(x_train):,} training images for {args.epochs} epochs; tolerance {args.tolerance_points} points, "
          f"calibrated on the last {args.calibration:,} test images, delivered on the {cut:,} before them\n")
    print("| student | MACs | accuracy | agrees with large | large share | accuracy (large only) | bound on KCM / large-only |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, make in STUDENTS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        started = time.time()
        model = distill(make(), x_train, y_train, teacher_train, args.epochs, args.seed)
        with torch.no_grad():
            p = F.softmax(model(x_test), 1).numpy()
        pred = p.argmax(1)
        small_ok = pred == y_test.numpy()
        confidence = p.max(1)
        threshold = tolerance_threshold(confidence[cut:], small_ok[cut:], large_ok[cut:], args.tolerance_points / 100)
        to_large = ~(confidence[:cut] >= threshold)
        share = to_large.mean()
        accuracy = np.where(to_large, large_ok[:cut], small_ok[:cut]).mean()
        cost = macs(model) / card["macs_per_sample"]
        print(f"| {name} | {macs(model):,} | {small_ok.mean():.2%} | {(pred == large_pred).mean():.2%} | {share:.1%} | "
              f"{accuracy:.2%} ({large_ok[:cut].mean():.2%}) | {1 / (cost + share):.2f}x |  <!-- {time.time() - started:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
