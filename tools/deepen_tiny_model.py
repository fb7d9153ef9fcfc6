#!/usr/bin/python3
"""Builds the tiny random-weight causal transformer the Kcm.DeePEn tests decode with, and its PyTorch reference.

Run from the repository root with Debian's interpreter (python3-torch 1.13, python3-onnx 1.12):

    /usr/bin/python3 tools/deepen_tiny_model.py

It is NOT a trained language model: one pre-norm block (d=32, 2 heads), seeded random weights, so the C# side can
check its ONNX key/value-cache decoding against PyTorch without training anything. The ONNX graph names its
inputs and outputs as Hugging Face exports with a cache do (input_ids, attention_mask, position_ids,
past_key_values.N.key/value -> logits, present.N.key/value), and the cache is always fed (length 0 at the start).

Writes into tests/Kcm.DeePEn.Tests/Fixtures/:
  tiny_lm.onnx                 the model
  tiny_lm.embeddings.safetensors  the input embedding matrix as "model.embed_tokens.weight" [V, d], float32
  tiny_lm.reference.json       logits of a full-sequence run of a fixed prompt, and a greedy continuation
                               decoded one token at a time through the cache (tokens and each step's logits)
"""

import json
import math
import os
import struct

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Kcm.DeePEn.Tests", "Fixtures")
VOCAB = 96
WIDTH = 32
HEADS = 2
HEAD_DIM = WIDTH // HEADS
LAYERS = 1
MAX_POSITIONS = 64
PROMPT = [5, 17, 42, 8, 77, 3, 61, 29]
CONTINUATION_STEPS = 6
EMBEDDING_NAME = "model.embed_tokens.weight"


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(WIDTH, WIDTH)
        self.k = nn.Linear(WIDTH, WIDTH)
        self.v = nn.Linear(WIDTH, WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)

    def split(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, HEADS, HEAD_DIM).transpose(1, 2)

    def forward(self, x, allowed, past_key, past_value):
        q = self.split(self.q(x))
        key = torch.cat([past_key, self.split(self.k(x))], dim=2)
        value = torch.cat([past_value, self.split(self.v(x))], dim=2)
        scores = torch.matmul(q, key.transpose(2, 3)) / math.sqrt(HEAD_DIM)
        scores = scores.masked_fill(~allowed, -1e9)
        mixed = torch.matmul(torch.softmax(scores, dim=-1), value)
        batch, _, length, _ = mixed.shape
        mixed = mixed.transpose(1, 2).reshape(batch, length, WIDTH)
        return self.out(mixed), key, value


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.attention = Attention()
        self.norm2 = nn.LayerNorm(WIDTH)
        self.up = nn.Linear(WIDTH, 4 * WIDTH)
        self.down = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x, allowed, past_key, past_value):
        attended, key, value = self.attention(self.norm1(x), allowed, past_key, past_value)
        x = x + attended
        x = x + self.down(F.gelu(self.up(self.norm2(x))))
        return x, key, value


class TinyCausalLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, WIDTH)
        self.positions = nn.Embedding(MAX_POSITIONS, WIDTH)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        # Key j is visible to query i when it is not padding and its position is not after the query's:
        # positions come from the mask, so the graph has no fixed lengths.
        key_positions = torch.cumsum(attention_mask, dim=-1) - 1
        allowed = (key_positions.unsqueeze(1) <= position_ids.unsqueeze(2)) & (attention_mask.unsqueeze(1) == 1)
        allowed = allowed.unsqueeze(1)
        x = self.embed_tokens(input_ids) + self.positions(position_ids)
        presents = []
        for layer, block in enumerate(self.blocks):
            x, key, value = block(x, allowed, past[2 * layer], past[2 * layer + 1])
            presents += [key, value]
        return (self.lm_head(self.norm(x)), *presents)


def empty_cache(batch=1):
    return [torch.zeros(batch, HEADS, 0, HEAD_DIM) for _ in range(2 * LAYERS)]


def run(model, ids, past, past_length):
    input_ids = torch.tensor([ids], dtype=torch.long)
    mask = torch.ones(1, past_length + len(ids), dtype=torch.long)
    positions = torch.arange(past_length, past_length + len(ids), dtype=torch.long).unsqueeze(0)
    outputs = model(input_ids, mask, positions, *past)
    return outputs[0][0], list(outputs[1:])


def write_safetensors(path, name, array):
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    header = {name: {"dtype": "F32", "shape": list(array.shape), "data_offsets": [0, len(data)]}}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        handle.write(data)


def export(model, path):
    names = []
    for layer in range(LAYERS):
        names += [f"past_key_values.{layer}.key", f"past_key_values.{layer}.value"]
    outputs = ["logits"] + [n.replace("past_key_values", "present") for n in names]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    for name in names:
        dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
        dynamic[name.replace("past_key_values", "present")] = {0: "batch_size", 2: "total_sequence_length"}
    # Traced with a non-empty cache so no dimension is specialised to 0.
    ids = torch.tensor([[1, 2, 3]], dtype=torch.long)
    past = [torch.randn(1, HEADS, 2, HEAD_DIM) for _ in range(2 * LAYERS)]
    mask = torch.ones(1, 5, dtype=torch.long)
    positions = torch.tensor([[2, 3, 4]], dtype=torch.long)
    torch.onnx.export(model, (ids, mask, positions, *past), path, opset_version=14,
                      input_names=["input_ids", "attention_mask", "position_ids"] + names,
                      output_names=outputs, dynamic_axes=dynamic, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def main():
    torch.manual_seed(20261130)
    model = TinyCausalLm().eval()
    with torch.no_grad():
        # Larger logits than the default init, so the greedy choices are clear-cut.
        model.lm_head.weight.mul_(4.0)
        os.makedirs(HERE, exist_ok=True)
        export(model, os.path.join(HERE, "tiny_lm.onnx"))
        write_safetensors(os.path.join(HERE, "tiny_lm.embeddings.safetensors"), EMBEDDING_NAME,
                          model.embed_tokens.weight.numpy())

        full_logits, _ = run(model, PROMPT, empty_cache(), 0)
        logits, past = run(model, PROMPT, empty_cache(), 0)
        tokens, step_logits = [], []
        length = len(PROMPT)
        for _ in range(CONTINUATION_STEPS):
            last = logits[-1]
            token = int(torch.argmax(last))
            tokens.append(token)
            step_logits.append([float(v) for v in last])
            logits, past = run(model, [token], past, length)
            length += 1

    reference = {
        "vocabulary": VOCAB, "width": WIDTH, "heads": HEADS, "head_dim": HEAD_DIM, "layers": LAYERS,
        "embedding_tensor": EMBEDDING_NAME,
        "prompt": PROMPT,
        "prompt_logits": [[float(v) for v in row] for row in full_logits],
        "greedy_tokens": tokens,
        "greedy_step_logits": step_logits,
    }
    with open(os.path.join(HERE, "tiny_lm.reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    print("wrote", HERE, "greedy", tokens)


if __name__ == "__main__":
    main()
