#!/usr/bin/python3
"""Trains the shipped large model: a small CNN on Fashion-MNIST, exported to ONNX.

Run from the repository root with Debian's interpreter (python3-torch 1.13, python3-onnx, python3-numpy):

    /usr/bin/python3 tools/train_fashion_cnn.py

Reads the IDX .gz files of Debian's dataset-fashion-mnist with numpy (nothing is downloaded) and writes
models/fashion-cnn.onnx, models/fashion-cnn.card.json and models/fashion-cnn.reference.json.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import shlex
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# Mean and standard deviation of the training pixels (in [0, 1]); the model normalises inside so callers send pixels/255.
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530
# The small model the large one must dwarf: a 784-64-10 MLP.
MLP_MACS = 784 * 64 + 64 * 10
REFERENCE_COUNT = 64
# Two logits closer than this may rank differently in another runtime; the card counts such test images.
NEAR_TIE_MARGIN = 1e-4


def read_idx(path, dimensions):
    """An IDX file of unsigned bytes as a numpy uint8 array (checks magic, type and size)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != dimensions:
        raise ValueError(f"{path}: not an unsigned-byte idx{dimensions} file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dimensions))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dimensions)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header declares {shape}, found {data.size} bytes")
    return data.reshape(shape)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 3)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 1)
    # float32 division, exactly what the C# IdxReader does (value / 255f), so reference logits match bit for bit on input.
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class FashionCnn(nn.Module):
    """Three conv blocks (conv 3x3, batch norm, ReLU, 2x2 max-pool) and a two-layer classifier head."""

    def __init__(self, widths=(16, 64, 128), hidden=128, dropout=0.2):
        super().__init__()
        self.register_buffer("mean", torch.tensor(PIXEL_MEAN))
        self.register_buffer("std", torch.tensor(PIXEL_STD))
        blocks = []
        channels = 1
        for width in widths:
            blocks += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
            channels = width
        self.features = nn.Sequential(*blocks)
        side = 28
        for _ in widths:
            side //= 2
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 10))

    def forward(self, image):
        return self.head(self.features((image - self.mean) / self.std))


def fused_for_export(model):
    """An eval-mode copy with every batch norm folded into the conv before it (what the ONNX graph holds)."""
    model = model.eval()
    fused = FashionCnn.__new__(FashionCnn)
    nn.Module.__init__(fused)
    fused.register_buffer("mean", model.mean.clone())
    fused.register_buffer("std", model.std.clone())
    layers = list(model.features)
    out = []
    i = 0
    while i < len(layers):
        if isinstance(layers[i], nn.Conv2d) and i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d):
            out.append(fuse_conv_bn_eval(layers[i], layers[i + 1]))
            i += 2
        else:
            out.append(layers[i])
            i += 1
    fused.features = nn.Sequential(*out)
    fused.head = model.head
    return fused.eval()


def count_macs(model):
    """Exact multiply-accumulates per sample of every Conv2d and Linear, by shape hooks on one forward pass."""
    total = {"conv": 0, "linear": 0}

    def conv_hook(module, inputs, output):
        kh, kw = module.kernel_size
        per_output = (module.in_channels // module.groups) * kh * kw
        total["conv"] += output[0].numel() * per_output

    def linear_hook(module, inputs, output):
        total["linear"] += module.in_features * module.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return total["conv"] + total["linear"], total


def augment(x, generator, pad, flip):
    """Per image: random translation by up to `pad` pixels (zero padding; 0 = none) and, if `flip`, a random horizontal flip."""
    n = x.shape[0]
    out = x
    if pad > 0:
        padded = F.pad(x, (pad, pad, pad, pad))
        oy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        ox = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        ar = torch.arange(28)
        rows = (oy[:, None] + ar[None, :])[:, :, None]
        cols = (ox[:, None] + ar[None, :])[:, None, :]
        out = padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    if flip:
        flipped = torch.rand(n, generator=generator) < 0.5
        out = torch.where(flipped[:, None, None, None], out.flip(3), out)
    return out


def describe_augmentation(shift, flip, clean_epochs):
    parts = []
    if shift > 0:
        parts.append(f"random shift up to {shift} px (zero padding)")
    if flip:
        parts.append("random horizontal flip")
    if not parts:
        return "none"
    text = ", ".join(parts)
    return text + (f"; none in the last {clean_epochs} epochs" if clean_epochs > 0 else "")


def evaluate(model, x, y, batch=1000):
    logits = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            logits.append(model(x[i:i + batch]))
    logits = torch.cat(logits)
    correct = int((logits.argmax(1) == y).sum())
    top2 = logits.topk(2, dim=1).values
    near_ties = int(((top2[:, 0] - top2[:, 1]) < NEAR_TIE_MARGIN).sum())
    return logits, correct, near_ties


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--out-dir", default="models")
    parser.add_argument("--widths", default="32,64,128", help="output channels of the conv blocks")
    parser.add_argument("--hidden", type=int, default=128, help="width of the hidden linear layer")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout before the last linear layer")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule (AdamW)")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--shift", type=int, default=0, help="random translation in pixels (0 turns it off)")
    parser.add_argument("--flip", action=argparse.BooleanOptionalAction, default=True, help="random horizontal flip")
    parser.add_argument("--clean-epochs", type=int, default=0, help="last epochs trained without augmentation")
    parser.add_argument("--label-smoothing", type=float, default=0.0,
                        help="label smoothing of the cross-entropy; 0 keeps the teacher sharp: smoothing caps its confidence near 0.9, below the 0.98 gate distillation uses")
    parser.add_argument("--validation", type=int, default=0,
                        help="experiment mode: hold out the last N training images, report accuracy on them "
                             "instead of the test set, and write nothing")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--opset", type=int, default=13)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    train_x, train_y = load_split(args.data_dir, "train")
    test_x, test_y = load_split(args.data_dir, "t10k")
    if args.validation > 0:
        # Choices are compared on held-out training images so the test set stays untouched until the final run.
        test_x, test_y = train_x[-args.validation:], train_y[-args.validation:]
        train_x, train_y = train_x[:-args.validation], train_y[:-args.validation]
    print(f"train {tuple(train_x.shape)}, {'validation' if args.validation > 0 else 'test'} {tuple(test_x.shape)}", flush=True)

    widths = tuple(int(w) for w in args.widths.split(","))
    model = FashionCnn(widths, args.hidden, args.dropout)
    macs, _ = count_macs(model)
    if macs < 50 * MLP_MACS:
        raise SystemExit(f"{macs} MACs per sample is below 50x the 784-64-10 MLP ({50 * MLP_MACS})")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(train_x.shape[0] / args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.2)

    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(train_x.shape[0], generator=generator)
        loss_sum, seen, correct = 0.0, 0, 0
        epoch_start = time.time()
        for step in range(steps_per_epoch):
            index = order[step * args.batch_size:(step + 1) * args.batch_size]
            x, y = train_x[index], train_y[index]
            if epoch < args.epochs - args.clean_epochs and (args.shift > 0 or args.flip):
                x = augment(x, generator, args.shift, args.flip)
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += float(loss) * y.shape[0]
            seen += y.shape[0]
            correct += int((logits.argmax(1) == y).sum())
        model.eval()
        _, test_correct, _ = evaluate(model, test_x, test_y)
        held_out = "validation" if args.validation > 0 else "test"
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f}, train acc {correct / seen:.4f}, "
              f"{held_out} acc {test_correct / test_y.shape[0]:.4f}, {time.time() - epoch_start:.0f}s", flush=True)
    training_seconds = time.time() - started
    if args.validation > 0:
        print(f"experiment done: validation accuracy {test_correct / test_y.shape[0]:.4f}, "
              f"training {training_seconds:.0f}s; nothing written", flush=True)
        return

    fused = fused_for_export(model)
    logits, test_correct, near_ties = evaluate(fused, test_x, test_y)
    test_accuracy = test_correct / test_y.shape[0]
    macs, macs_by_kind = count_macs(fused)
    parameters = sum(p.numel() for p in fused.parameters())
    print(f"fused model: test {test_correct}/{test_y.shape[0]} = {test_accuracy:.4f}, near ties {near_ties}, "
          f"{macs} MACs/sample ({macs / MLP_MACS:.1f}x the MLP), {parameters} parameters", flush=True)

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "fashion-cnn.onnx")
    torch.onnx.export(
        fused, torch.zeros(1, 1, 28, 28), onnx_path, input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=args.opset,
        do_constant_folding=True)
    graph = onnx.load(onnx_path)
    onnx.checker.check_model(graph)
    op_types = sorted({node.op_type for node in graph.graph.node})
    if "BatchNormalization" in op_types:
        raise RuntimeError("batch norm was not folded into the convolutions")
    print(f"exported {onnx_path}: ops {op_types}, {os.path.getsize(onnx_path)} bytes", flush=True)

    command = "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv)
    card = {
        "name": "fashion-cnn",
        "task": "image classification (10 classes)",
        "dataset": {
            "name": "Fashion-MNIST",
            "source": "Debian package dataset-fashion-mnist (" + args.data_dir + ")",
            "train_count": int(train_y.shape[0]),
            "test_count": int(test_y.shape[0]),
        },
        "classes": CLASSES,
        "input": {
            "name": "image",
            "shape": ["batch", 1, 28, 28],
            "dtype": "float32",
            "preprocessing": "raw pixel / 255 (float32 division), row-major 28x28; the model normalises "
                             f"internally with (x - {PIXEL_MEAN}) / {PIXEL_STD}",
        },
        "output": {"name": "logits", "shape": ["batch", 10], "dtype": "float32", "meaning": "logits (unnormalised log-probabilities; apply softmax for probabilities)"},
        "architecture": f"{len(widths)} x [conv3x3 ({', '.join(map(str, widths))} channels) + batch norm (folded into the conv) "
                        f"+ ReLU + maxpool2x2] -> linear {model.head[1].in_features}-{args.hidden} -> ReLU -> dropout {args.dropout} "
                        f"-> linear {args.hidden}-10",
        "test_correct": test_correct,
        "test_accuracy": test_accuracy,
        "test_near_ties": near_ties,
        "test_near_tie_margin": NEAR_TIE_MARGIN,
        "parameter_count": parameters,
        "macs_per_sample": macs,
        "macs_per_sample_by_kind": macs_by_kind,
        "mlp_784_64_10_macs": MLP_MACS,
        "macs_ratio_to_mlp": round(macs / MLP_MACS, 2),
        "onnx_opset": args.opset,
        "onnx_sha256": sha256(onnx_path),
        "onnx_bytes": os.path.getsize(onnx_path),
        "command": command,
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "seed": args.seed,
        "threads": args.threads,
        "training": {
            "epochs": args.epochs, "batch_size": args.batch_size, "dropout": args.dropout, "optimizer": "AdamW", "peak_lr": args.lr,
            "weight_decay": args.weight_decay, "label_smoothing": args.label_smoothing, "schedule": "one-cycle (cosine)",
            "augmentation": describe_augmentation(args.shift, args.flip, args.clean_epochs),
        },
        "training_seconds": round(training_seconds, 1),
    }
    with open(os.path.join(args.out_dir, "fashion-cnn.card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")

    reference = {
        "description": f"Logits of the exported model (torch {torch.__version__}, eval mode) for the first "
                       f"{REFERENCE_COUNT} test images of t10k-images-idx3-ubyte.gz, input pixel / 255 as float32",
        "count": REFERENCE_COUNT,
        "labels": [int(v) for v in test_y[:REFERENCE_COUNT]],
        "predicted": [int(v) for v in logits[:REFERENCE_COUNT].argmax(1)],
        # float32 values printed with 9 significant digits round-trip exactly.
        "logits": [[float(f"{float(v):.9g}") for v in row] for row in logits[:REFERENCE_COUNT]],
    }
    with open(os.path.join(args.out_dir, "fashion-cnn.reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"done: test accuracy {test_accuracy:.4f}, training {training_seconds:.0f}s", flush=True)


if __name__ == "__main__":
    main()
