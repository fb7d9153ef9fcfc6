"""The causal transformer pieces shared by tools/deepen_tiny_model.py and tools/deepen_train_sotu.py: a pre-norm
attention block that takes and returns its key/value cache, the mask from attention_mask and position_ids, the ONNX
export with Hugging Face's cache names, and the safetensors writer for the embedding matrix.

A model using these has attributes `layers`, `heads` and `head_dim`, and forward(input_ids, attention_mask,
position_ids, *past) -> (logits, *presents), past and presents alternating key and value per layer.
"""

import json
import math
import struct

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def split(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, allowed, past_key, past_value):
        q = self.split(self.q(x))
        key = torch.cat([past_key, self.split(self.k(x))], dim=2)
        value = torch.cat([past_value, self.split(self.v(x))], dim=2)
        scores = torch.matmul(q, key.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~allowed, -1e9)
        mixed = torch.matmul(torch.softmax(scores, dim=-1), value)
        batch, _, length, _ = mixed.shape
        mixed = mixed.transpose(1, 2).reshape(batch, length, self.heads * self.head_dim)
        return self.out(mixed), key, value


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attention = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width)
        self.up = nn.Linear(width, 4 * width)
        self.down = nn.Linear(4 * width, width)

    def forward(self, x, allowed, past_key, past_value):
        attended, key, value = self.attention(self.norm1(x), allowed, past_key, past_value)
        x = x + attended
        x = x + self.down(F.gelu(self.up(self.norm2(x))))
        return x, key, value


def visible(attention_mask, position_ids):
    """[batch, 1, new, total]: key j is visible to query i when it is not padding and its position is not after the
    query's. Positions come from the mask, so the graph has no fixed lengths."""
    key_positions = torch.cumsum(attention_mask, dim=-1) - 1
    allowed = (key_positions.unsqueeze(1) <= position_ids.unsqueeze(2)) & (attention_mask.unsqueeze(1) == 1)
    return allowed.unsqueeze(1)


def run_blocks(blocks, x, allowed, past):
    """Runs the blocks over x with their caches; returns x and the presents (key, value per layer)."""
    presents = []
    for layer, block in enumerate(blocks):
        x, key, value = block(x, allowed, past[2 * layer], past[2 * layer + 1])
        presents += [key, value]
    return x, presents


def empty_cache(model, batch=1):
    return [torch.zeros(batch, model.heads, 0, model.head_dim) for _ in range(2 * model.layers)]


def export(model, path):
    """ONNX with Hugging Face's names (input_ids, attention_mask, position_ids, past_key_values.N.key/value ->
    logits, present.N.key/value) and dynamic batch and lengths, checked with onnx.checker."""
    names = []
    for layer in range(model.layers):
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
    past = [torch.randn(1, model.heads, 2, model.head_dim) for _ in range(2 * model.layers)]
    mask = torch.ones(1, 5, dtype=torch.long)
    positions = torch.tensor([[2, 3, 4]], dtype=torch.long)
    torch.onnx.export(model, (ids, mask, positions, *past), path, opset_version=14,
                      input_names=["input_ids", "attention_mask", "position_ids"] + names,
                      output_names=outputs, dynamic_axes=dynamic, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def write_safetensors(path, name, array):
    """One float32 tensor in the safetensors format (8-byte header length, JSON header padded to 8 bytes, data)."""
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    header = {name: {"dtype": "F32", "shape": list(array.shape), "data_offsets": [0, len(data)]}}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        handle.write(data)
