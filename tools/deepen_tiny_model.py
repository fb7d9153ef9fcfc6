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
import os

import torch
import torch.nn as nn

import deepen_lm as lm

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


class TinyCausalLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers, self.heads, self.head_dim = LAYERS, HEADS, HEAD_DIM
        self.embed_tokens = nn.Embedding(VOCAB, WIDTH)
        self.positions = nn.Embedding(MAX_POSITIONS, WIDTH)
        self.blocks = nn.ModuleList([lm.Block(WIDTH, HEADS) for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        allowed = lm.visible(attention_mask, position_ids)
        x = self.embed_tokens(input_ids) + self.positions(position_ids)
        x, presents = lm.run_blocks(self.blocks, x, allowed, past)
        return (self.lm_head(self.norm(x)), *presents)


def run(model, ids, past, past_length):
    input_ids = torch.tensor([ids], dtype=torch.long)
    mask = torch.ones(1, past_length + len(ids), dtype=torch.long)
    positions = torch.arange(past_length, past_length + len(ids), dtype=torch.long).unsqueeze(0)
    outputs = model(input_ids, mask, positions, *past)
    return outputs[0][0], list(outputs[1:])


def main():
    torch.manual_seed(20261130)
    model = TinyCausalLm().eval()
    with torch.no_grad():
        # Larger logits than the default init, so the greedy choices are clear-cut.
        model.lm_head.weight.mul_(4.0)
        os.makedirs(HERE, exist_ok=True)
        lm.export(model, os.path.join(HERE, "tiny_lm.onnx"))
        lm.write_safetensors(os.path.join(HERE, "tiny_lm.embeddings.safetensors"), EMBEDDING_NAME,
                          model.embed_tokens.weight.numpy())

        full_logits, _ = run(model, PROMPT, lm.empty_cache(model), 0)
        logits, past = run(model, PROMPT, lm.empty_cache(model), 0)
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
