#!/usr/bin/python3
"""Trains the hint-reading large model: the shipped CNN's architecture with a second input, the small model's
class probabilities (the seed's "prompt modification"), exported to ONNX.

Run from the repository root with Debian's interpreter (python3-torch 1.13, python3-onnx, python3-numpy):

    /usr/bin/python3 tools/train_fashion_hint_cnn.py

The hint on each training image is an OUT-OF-FOLD output of a small model (784-64-10 MLP, the C# small model's
shape) that never saw that image: the training set is cut into --folds folds and, for each, a small model is trained
on --small-rows images of the other folds (the size of ./kcm eval's labelled seed, so the hints are about as good as
the serving small model's) and predicts the fold. In-sample outputs would be nearly always right and teach the CNN
to copy the hint. During training the hint is replaced by the uniform distribution with probability --drop-hint, so
the model also works without one (send 1/10 in every entry for "no hint").

Writes models/fashion-hint-cnn.onnx (inputs "image" [batch,1,28,28] pixels/255 and "small_probs" [batch,10], output
"logits" [batch,10]), models/fashion-hint-cnn.card.json and models/fashion-hint-cnn.reference.json.
"""

import argparse
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_cnn import (  # noqa: E402
    CLASSES, DATA_DIR, MLP_MACS, NEAR_TIE_MARGIN, REFERENCE_COUNT, FashionCnn, augment, count_macs, fused_for_export,
    load_split, sha256)

CLASS_COUNT = 10
# Hints enter as log-probabilities floored here, so a confident small model does not become an infinite feature.
HINT_FLOOR = 1e-4


class HintCnn(nn.Module):
    """FashionCnn's conv blocks; the head reads the flattened features and the small model's log-probabilities."""

    def __init__(self, widths=(32, 64, 128), hidden=128, dropout=0.2):
        super().__init__()
        self.cnn = FashionCnn(widths, hidden, dropout)
        flat = self.cnn.head[1].in_features
        self.cnn.head = nn.Identity()
        self.head = nn.Sequential(nn.Linear(flat + CLASS_COUNT, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, CLASS_COUNT))

    def forward(self, image, small_probs):
        features = torch.flatten(self.cnn.features((image - self.cnn.mean) / self.cnn.std), 1)
        hint = torch.log(torch.clamp(small_probs, min=HINT_FLOOR))
        return self.head(torch.cat([features, hint], 1))


def fused_hint_for_export(model):
    fused = HintCnn.__new__(HintCnn)
    nn.Module.__init__(fused)
    fused.cnn = fused_for_export(model.cnn)
    fused.head = model.head
    return fused.eval()


def train_small(x, y, epochs, seed, batch=128, lr=0.002):
    """The C# small model's recipe: 784-64-10 ReLU MLP, Adam, batch 128, lr 0.002."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, CLASS_COUNT))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for s in range(0, x.shape[0], batch):
            index = order[s:s + batch]
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model.eval()


def probabilities(model, x, batch=2000):
    with torch.no_grad():
        return torch.cat([F.softmax(model(x[i:i + batch]), 1) for i in range(0, x.shape[0], batch)])


def out_of_fold_hints(x, y, folds, small_rows, epochs, seed):
    """Each image's hint from a small model trained on --small-rows images of the other folds."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(x.shape[0], generator=generator)
    hints = torch.empty(x.shape[0], CLASS_COUNT)
    accuracies = []
    for k in range(folds):
        fold = order[k::folds]
        others = torch.cat([order[j::folds] for j in range(folds) if j != k])
        chosen = others[torch.randperm(others.shape[0], generator=generator)[:small_rows]]
        model = train_small(x[chosen], y[chosen], epochs, seed + k)
        hints[fold] = probabilities(model, x[fold])
        accuracies.append(float((hints[fold].argmax(1) == y[fold]).float().mean()))
        print(f"fold {k + 1}/{folds}: small model on {chosen.shape[0]} images, out-of-fold accuracy {accuracies[-1]:.4f}", flush=True)
    return hints, accuracies


def evaluate(model, x, hints, y, batch=1000):
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + batch], hints[i:i + batch]) for i in range(0, x.shape[0], batch)])
    return logits, int((logits.argmax(1) == y).sum())


def figures(logits, hints, y, rows):
    """Accuracy with this hint on the given rows, and how often a wrong hint is echoed (the model answers the hint's wrong class)."""
    predicted = logits.argmax(1)[rows]
    hinted = hints.argmax(1)[rows]
    truth = y[rows]
    wrong = hinted != truth
    echoed = int(((predicted == hinted) & wrong).sum())
    return {
        "rows": int(rows.sum()) if rows.dtype == torch.bool else int(rows.shape[0]),
        "accuracy": round(float((predicted == truth).float().mean()), 6),
        "wrong_hints": int(wrong.sum()),
        "wrong_hints_echoed": echoed,
        "wrong_hint_echo_rate": round(echoed / max(1, int(wrong.sum())), 6),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--out-dir", default="models")
    parser.add_argument("--widths", default="32,64,128")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--flip", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--drop-hint", type=float, default=0.3, help="probability of replacing a training hint by the uniform distribution")
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--small-rows", type=int, default=9600, help="training images of each out-of-fold small model (eval's seed size)")
    parser.add_argument("--small-epochs", type=int, default=12)
    parser.add_argument("--route-epsilon", type=float, default=0.98,
                        help="the card's 'routed rows': test images whose small-model max softmax is below this")
    parser.add_argument("--validation", type=int, default=0,
                        help="experiments: hold the last N training images out of the CNN's training, report accuracy on them "
                             "(with their out-of-fold hints) instead of the test set, and write nothing")
    parser.add_argument("--limit", type=int, default=0, help="smoke runs: use only the first N training and test images")
    parser.add_argument("--hints-cache", default="",
                        help="a .pt file for the out-of-fold hints: loaded when it exists (and matches the settings), else written after computing them")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--opset", type=int, default=13)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    started = time.time()
    train_x, train_y = load_split(args.data_dir, "train")
    test_x, test_y = load_split(args.data_dir, "t10k")
    if args.limit > 0:
        train_x, train_y, test_x, test_y = train_x[:args.limit], train_y[:args.limit], test_x[:args.limit], test_y[:args.limit]
    settings = [args.folds, args.small_rows, args.small_epochs, args.seed, args.limit]
    if args.hints_cache and os.path.exists(args.hints_cache) and torch.load(args.hints_cache)["settings"] == settings:
        cached = torch.load(args.hints_cache)
        train_hints, fold_accuracies, test_hints = cached["train"], cached["folds"], cached["test"]
        print(f"hints read from {args.hints_cache}", flush=True)
    else:
        train_hints, fold_accuracies = out_of_fold_hints(train_x, train_y, args.folds, args.small_rows, args.small_epochs, args.seed)
        # The card's test hints come from one more small model of the same recipe, trained on the first --small-rows images.
        card_small = train_small(train_x[:args.small_rows], train_y[:args.small_rows], args.small_epochs, args.seed + 100)
        test_hints = probabilities(card_small, test_x)
        if args.hints_cache:
            torch.save({"settings": settings, "train": train_hints, "folds": fold_accuracies, "test": test_hints}, args.hints_cache)
    small_test_correct = int((test_hints.argmax(1) == test_y).sum())
    print(f"hints ready in {time.time() - started:.0f}s; card small model test accuracy {small_test_correct / test_y.shape[0]:.4f}", flush=True)
    if args.validation > 0:
        # The held-out images keep their out-of-fold hints (from small models that never saw them); the CNN never sees them.
        test_x, test_y, test_hints = train_x[-args.validation:], train_y[-args.validation:], train_hints[-args.validation:]
        train_x, train_y, train_hints = train_x[:-args.validation], train_y[:-args.validation], train_hints[:-args.validation]
    held_out = "validation" if args.validation > 0 else "test"

    widths = tuple(int(w) for w in args.widths.split(","))
    # Re-seeded here so a run with cached hints trains the same CNN as one that computed them.
    torch.manual_seed(args.seed)
    model = HintCnn(widths, args.hidden, args.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(train_x.shape[0] / args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.2)
    uniform = torch.full((1, CLASS_COUNT), 1.0 / CLASS_COUNT)
    cnn_started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(train_x.shape[0], generator=generator)
        loss_sum, seen = 0.0, 0
        epoch_start = time.time()
        for step in range(steps_per_epoch):
            index = order[step * args.batch_size:(step + 1) * args.batch_size]
            x, y, hint = train_x[index], train_y[index], train_hints[index]
            if args.flip:
                x = augment(x, generator, 0, True)
            dropped = torch.rand(index.shape[0], generator=generator) < args.drop_hint
            hint = torch.where(dropped[:, None], uniform, hint)
            loss = F.cross_entropy(model(x, hint), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += float(loss) * y.shape[0]
            seen += y.shape[0]
        model.eval()
        _, with_hint = evaluate(model, test_x, test_hints, test_y)
        _, without = evaluate(model, test_x, uniform.expand(test_x.shape[0], -1), test_y)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f}, {held_out} acc with hint {with_hint / test_y.shape[0]:.4f}, "
              f"without {without / test_y.shape[0]:.4f}, {time.time() - epoch_start:.0f}s", flush=True)
    training_seconds = time.time() - started
    if args.validation > 0:
        print(f"experiment done: validation accuracy with hint {with_hint / test_y.shape[0]:.4f}, without {without / test_y.shape[0]:.4f}, "
              f"{training_seconds:.0f}s; nothing written", flush=True)
        return

    fused = fused_hint_for_export(model)
    no_hint = uniform.expand(test_x.shape[0], -1).contiguous()
    logits, with_correct = evaluate(fused, test_x, test_hints, test_y)
    plain_logits, without_correct = evaluate(fused, test_x, no_hint, test_y)
    routed = test_hints.max(1).values < args.route_epsilon
    all_rows = torch.ones(test_y.shape[0], dtype=torch.bool)
    macs, _ = count_macs(fused.cnn)
    parameters = sum(p.numel() for p in fused.parameters())

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "fashion-hint-cnn.onnx")
    torch.onnx.export(
        fused, (torch.zeros(1, 1, 28, 28), torch.full((1, CLASS_COUNT), 0.1)), onnx_path, input_names=["image", "small_probs"],
        output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "small_probs": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=args.opset, do_constant_folding=True)
    graph = onnx.load(onnx_path)
    onnx.checker.check_model(graph)
    print(f"exported {onnx_path}: {os.path.getsize(onnx_path)} bytes", flush=True)

    command = "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv)
    card = {
        "name": "fashion-hint-cnn",
        "task": "image classification (10 classes), reading the small model's class probabilities as a hint",
        "dataset": {"name": "Fashion-MNIST", "source": "Debian package dataset-fashion-mnist (" + args.data_dir + ")",
                    "train_count": int(train_y.shape[0]), "test_count": int(test_y.shape[0])},
        "classes": CLASSES,
        "inputs": [
            {"name": "image", "shape": ["batch", 1, 28, 28], "dtype": "float32", "preprocessing": "raw pixel / 255, as fashion-cnn"},
            {"name": "small_probs", "shape": ["batch", 10], "dtype": "float32",
             "meaning": "the small model's softmax probabilities; 0.1 in every entry means no hint"},
        ],
        "output": {"name": "logits", "shape": ["batch", 10], "dtype": "float32"},
        "architecture": f"fashion-cnn's conv blocks ({', '.join(map(str, widths))} channels, batch norm folded) -> flatten (1152) "
                        f"concatenated with log(max(small_probs, {HINT_FLOOR})) -> linear 1162-{args.hidden} -> ReLU -> dropout {args.dropout} -> linear {args.hidden}-10",
        "hints": {
            "training": f"out-of-fold: {args.folds} folds, each hinted by a 784-64-10 MLP trained on {args.small_rows} images of the other folds "
                        f"for {args.small_epochs} epochs (Adam, lr 0.002, batch 128)",
            "out_of_fold_small_accuracy": [round(a, 4) for a in fold_accuracies],
            "drop_probability": args.drop_hint,
            "test": f"a 784-64-10 MLP of the same recipe trained on the first {args.small_rows} training images "
                    f"(test accuracy {small_test_correct / test_y.shape[0]:.4f})",
        },
        "test_accuracy_with_hint": round(with_correct / test_y.shape[0], 6),
        "test_accuracy_without_hint": round(without_correct / test_y.shape[0], 6),
        "test_with_hint": figures(logits, test_hints, test_y, all_rows),
        "routed_rows_rule": f"test images whose hint's max probability is below {args.route_epsilon} (the small model's own "
                            "max-softmax router; ./kcm eval reports the same figures on the rows its judge sends)",
        "routed_with_hint": figures(logits, test_hints, test_y, routed),
        "routed_without_hint": figures(plain_logits, test_hints, test_y, routed),
        "shipped_fashion_cnn_test_accuracy": 0.9324,
        "parameter_count": parameters,
        "macs_per_sample": macs + (1152 + CLASS_COUNT) * args.hidden + args.hidden * CLASS_COUNT,
        "mlp_784_64_10_macs": MLP_MACS,
        "onnx_opset": args.opset,
        "onnx_sha256": sha256(onnx_path),
        "onnx_bytes": os.path.getsize(onnx_path),
        "command": command,
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "python_version": platform.python_version(),
        "seed": args.seed,
        "threads": args.threads,
        "training": {"epochs": args.epochs, "batch_size": args.batch_size, "optimizer": "AdamW", "peak_lr": args.lr,
                     "weight_decay": args.weight_decay, "schedule": "one-cycle (cosine)", "augmentation": "random horizontal flip" if args.flip else "none"},
        "training_seconds": round(training_seconds, 1),
        "cnn_training_seconds": round(time.time() - cnn_started, 1),
    }
    with open(os.path.join(args.out_dir, "fashion-hint-cnn.card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    reference = {
        "description": f"Logits of the exported model for the first {REFERENCE_COUNT} test images, with the card's small-model hints and with none (uniform)",
        "count": REFERENCE_COUNT,
        "labels": [int(v) for v in test_y[:REFERENCE_COUNT]],
        "small_probs": [[float(f"{float(v):.9g}") for v in row] for row in test_hints[:REFERENCE_COUNT]],
        "logits": [[float(f"{float(v):.9g}") for v in row] for row in logits[:REFERENCE_COUNT]],
        "logits_without_hint": [[float(f"{float(v):.9g}") for v in row] for row in plain_logits[:REFERENCE_COUNT]],
    }
    with open(os.path.join(args.out_dir, "fashion-hint-cnn.reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"done: test accuracy with hint {with_correct / test_y.shape[0]:.4f}, without {without_correct / test_y.shape[0]:.4f}, "
          f"{training_seconds:.0f}s", flush=True)


if __name__ == "__main__":
    main()
