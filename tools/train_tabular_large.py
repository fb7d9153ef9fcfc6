#!/usr/bin/python3
"""Trains the large model for one of the extra real data sets that ./kcm eval is tried on, exported to ONNX.

Run from the repository root with Debian's interpreter (python3-torch, python3-onnx, python3-numpy):

    /usr/bin/python3 tools/train_tabular_large.py --data digits     # sklearn's digits, python3-sklearn
    /usr/bin/python3 tools/train_tabular_large.py --data letters    # mlbench's LetterRecognition, r-cran-mlbench (needs Rscript)

Both data sets come with a single file, so the test rows are held out by the rule ./kcm eval applies when it is given
no --test file (DatasetSplit.HoldOut): within each class, in file order, rank r is held out when
floor((r + 1) * f) > floor(r * f), f = --test-fraction (0.2). The model trains on the other rows only.

The model is an MLP that standardises its raw inputs inside the graph (training mean and standard deviation as
constants), so callers send the file's features as they are. Writes models/<name>-mlp.onnx (input "features"
[batch, D], output "logits" [batch, K]) and models/<name>-mlp.card.json.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_SETS = {
    "digits": {
        "path": "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
        "package": "python3-sklearn",
        "description": "optical recognition of handwritten digits (UCI), 8x8 images with pixel counts 0..16",
        "eval": "./kcm eval --train /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz --label-column -1 --large models/digits-mlp.onnx",
    },
    "letters": {
        "path": "/usr/lib/R/site-library/mlbench/data/LetterRecognition.rda",
        "package": "r-cran-mlbench",
        "description": "letter recognition (UCI): 16 integer attributes 0..15 of letter images, 26 classes",
        "eval": "./kcm eval --train /usr/lib/R/site-library/mlbench/data/LetterRecognition.rda --large models/letters-mlp.onnx",
    },
}


def load_digits(path):
    with gzip.open(path, "rt") as f:
        rows = np.array([[float(v) for v in row] for row in csv.reader(f) if row], dtype=np.float32)
    return rows[:, :-1], rows[:, -1].astype(np.int64), [str(c) for c in range(10)]


def load_r_frame(path):
    """The .rda's data frame through Rscript: numeric columns as features in order, the factor column as 0-based labels."""
    script = (
        "e <- new.env(); load(commandArgs(TRUE)[1], envir = e); d <- get(ls(e)[1], envir = e); "
        "f <- which(sapply(d, is.factor)); stopifnot(length(f) == 1); "
        "cat(paste(levels(d[[f]]), collapse = ','), '\\n', sep = ''); "
        "m <- cbind(as.integer(d[[f]]) - 1L, as.matrix(d[, -f])); write.table(m, sep = ',', row.names = FALSE, col.names = FALSE)")
    text = subprocess.run(["Rscript", "-e", script, path], check=True, capture_output=True, text=True).stdout
    lines = text.splitlines()
    classes = lines[0].split(",")
    rows = np.loadtxt(io.StringIO("\n".join(lines[1:])), delimiter=",", dtype=np.float64)
    return rows[:, 1:].astype(np.float32), rows[:, 0].astype(np.int64), classes


def hold_out(labels, fraction):
    """DatasetSplit.HoldOut: within each class, in file order, rank r is held out when floor((r+1) f) > floor(r f)."""
    ranks = {}
    held = np.zeros(labels.shape[0], dtype=bool)
    for i, label in enumerate(labels):
        r = ranks.get(int(label), 0)
        ranks[int(label)] = r + 1
        held[i] = math.floor((r + 1) * fraction) > math.floor(r * fraction)
    return held


class StandardisedMlp(nn.Module):
    def __init__(self, mean, std, widths, classes, dropout):
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(mean))
        self.register_buffer("inverse_std", torch.from_numpy(1.0 / std))
        layers = []
        previous = mean.shape[0]
        for width in widths:
            layers += [nn.Linear(previous, width), nn.ReLU(), nn.Dropout(dropout)]
            previous = width
        layers.append(nn.Linear(previous, classes))
        self.body = nn.Sequential(*layers)

    def forward(self, features):
        return self.body((features - self.mean) * self.inverse_std)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=sorted(DATA_SETS), required=True)
    parser.add_argument("--out-dir", default="models")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--widths", default="512,512")
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--opset", type=int, default=13)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    spec = DATA_SETS[args.data]
    x, y, classes = load_digits(spec["path"]) if args.data == "digits" else load_r_frame(spec["path"])
    held = hold_out(y, args.test_fraction)
    train_x, train_y = torch.from_numpy(x[~held]), torch.from_numpy(y[~held])
    test_x, test_y = torch.from_numpy(x[held]), torch.from_numpy(y[held])
    print(f"{args.data}: {x.shape[0]} rows x {x.shape[1]} features, {len(classes)} classes; train {train_y.shape[0]}, test {test_y.shape[0]}", flush=True)

    mean = train_x.numpy().mean(0).astype(np.float32)
    std = train_x.numpy().std(0).astype(np.float32)
    std[std < 1e-6] = 1.0
    widths = [int(w) for w in args.widths.split(",")]
    model = StandardisedMlp(mean, std, widths, len(classes), args.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps = math.ceil(train_y.shape[0] / args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps, pct_start=0.2)
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(train_y.shape[0], generator=generator)
        loss_sum = 0.0
        for s in range(steps):
            index = order[s * args.batch_size:(s + 1) * args.batch_size]
            loss = F.cross_entropy(model(train_x[index]), train_y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += float(loss) * index.shape[0]
        if (epoch + 1) % 10 == 0 or epoch + 1 == args.epochs:
            model.eval()
            with torch.no_grad():
                accuracy = float((model(test_x).argmax(1) == test_y).float().mean())
            print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / train_y.shape[0]:.4f}, test acc {accuracy:.4f}", flush=True)
    training_seconds = time.time() - started
    model.eval()
    with torch.no_grad():
        logits = model(test_x)
    correct = int((logits.argmax(1) == test_y).sum())

    name = f"{args.data}-mlp"
    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, name + ".onnx")
    torch.onnx.export(model, torch.zeros(1, x.shape[1]), onnx_path, input_names=["features"], output_names=["logits"],
                      dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}}, opset_version=args.opset)
    onnx.checker.check_model(onnx.load(onnx_path))
    parameters = sum(p.numel() for p in model.parameters())
    macs = sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))
    card = {
        "name": name,
        "task": f"classification ({len(classes)} classes) of {spec['description']}",
        "dataset": {"name": args.data, "source": f"Debian package {spec['package']} ({spec['path']})", "rows": int(x.shape[0]),
                    "features": int(x.shape[1]), "train_count": int(train_y.shape[0]), "test_count": int(test_y.shape[0]),
                    "test_rule": f"DatasetSplit.HoldOut, fraction {args.test_fraction} (./kcm eval's rule without --test)"},
        "classes": classes,
        "input": {"name": "features", "shape": ["batch", int(x.shape[1])], "dtype": "float32",
                  "preprocessing": "the file's raw features; the graph standardises with the training mean and standard deviation"},
        "output": {"name": "logits", "shape": ["batch", len(classes)], "dtype": "float32"},
        "architecture": f"standardise -> MLP {x.shape[1]}-{'-'.join(map(str, widths))}-{len(classes)} (ReLU, dropout {args.dropout})",
        "test_correct": correct,
        "test_accuracy": round(correct / test_y.shape[0], 6),
        "parameter_count": parameters,
        "macs_per_sample": macs,
        "onnx_opset": args.opset,
        "onnx_sha256": sha256(onnx_path),
        "onnx_bytes": os.path.getsize(onnx_path),
        "command": "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv),
        "eval_command": spec["eval"],
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "seed": args.seed,
        "threads": args.threads,
        "training": {"epochs": args.epochs, "batch_size": args.batch_size, "optimizer": "AdamW", "peak_lr": args.lr,
                     "weight_decay": args.weight_decay, "schedule": "one-cycle (cosine)"},
        "training_seconds": round(training_seconds, 1),
    }
    with open(os.path.join(args.out_dir, name + ".card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"done: {onnx_path}, test {correct}/{test_y.shape[0]} = {correct / test_y.shape[0]:.4f}, {training_seconds:.0f}s", flush=True)


if __name__ == "__main__":
    main()
