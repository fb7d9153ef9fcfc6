#!/usr/bin/python3
"""Trains the two small BPE tokenizers the Kcm.DeePEn tests read, and records reference encodings.

Run from the repository root with Debian's interpreter (needs python3-regex for \\p{L} classes, and
python3-sentencepiece + python3-protobuf for the .model file):

    /usr/bin/python3 tools/deepen_train_tokenizers.py

Training text: every file in /usr/share/common-licenses (shipped by Debian's base-files, so every machine has it;
nothing is downloaded). Pure Python, a few seconds. Writes into tests/Kcm.DeePEn.Tests/Fixtures/:

  byte_level.tokenizer.json     GPT-2 style byte-level BPE, 512 tokens: ByteLevel pre-tokenizer (GPT-2 regex),
                                byte-to-unicode alphabet ("Ġ" marks a leading space), <|endoftext|> special token
  sentencepiece.tokenizer.json  SentencePiece-style BPE, 1024 tokens, laid out as Llama-2's tokenizer.json:
                                Prepend("▁") + Replace(" " -> "▁") normaliser, no pre-tokenizer, byte fallback
                                <0x00>..<0xFF>, <unk>/<s>/</s>, decoder Replace + ByteFallback + Fuse + Strip
  sentencepiece.tokenizer.model the same vocabulary as a SentencePiece model (tools/deepen_sentencepiece_model.py),
                                for the test that Microsoft.ML.Tokenizers' SentencePieceTokenizer still differs
  tokenizer_reference.json      this script's own encodings of a sample of license lines (named by file and
                                line number, not copied) and of a few non-ASCII sentences, for the C# tests

Both encoders below apply merges by rank: the lowest-ranked adjacent pair is merged everywhere (left to right),
until no adjacent pair has a merge.
"""

import json
import os

import regex

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Kcm.DeePEn.Tests", "Fixtures")
LICENSES = "/usr/share/common-licenses"
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
METASPACE = "\u2581"
BYTE_LEVEL_SIZE = 512
SENTENCEPIECE_SIZE = 1024
SAMPLE_EVERY = 97
NON_ASCII = [
    "Ævar Arnfjörð Bjarmason fixed a naïve café bug — again.",
    "Résumé: the value is ≈ 2^32 / 4.3, see ‘emin’ to ‘emin+PREC(X)-1’.",
    "Ελληνικά, русский, 日本語のテキスト and emoji 🙂 together.",
    "  two leading spaces, a tab\there, and trailing spaces  ",
]


def byte_to_unicode():
    """GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes map to themselves,
    the other 68 bytes to U+0100 upwards, in byte order."""
    kept = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    mapping = {}
    shifted = 0
    for b in range(256):
        if b in kept:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + shifted)
            shifted += 1
    return mapping


def read_corpus():
    files = sorted(f for f in os.listdir(LICENSES) if os.path.isfile(os.path.join(LICENSES, f)))
    texts = {}
    for name in files:
        with open(os.path.join(LICENSES, name), encoding="utf-8") as handle:
            texts[name] = handle.read()
    return texts


def train_merges(word_counts, vocab, target_size):
    """Classic BPE training: repeatedly merge the most frequent adjacent pair (ties: smallest pair)."""
    words = [(list(word), count) for word, count in word_counts.items()]
    merges = []
    while len(vocab) < target_size:
        pairs = {}
        for symbols, count in words:
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + count
        if not pairs:
            break
        best = min(pairs.items(), key=lambda item: (-item[1], item[0]))[0]
        if pairs[best] < 2:
            break
        merged = best[0] + best[1]
        merges.append(best)
        if merged not in vocab:
            vocab[merged] = len(vocab)
        for index, (symbols, count) in enumerate(words):
            words[index] = (merge_pair(symbols, best, merged), count)
    return merges


def merge_pair(symbols, pair, merged):
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(merged)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def apply_merges(symbols, ranks):
    """Merges by rank: the lowest-ranked adjacent pair everywhere, then again, until none applies."""
    while len(symbols) > 1:
        best = None
        for pair in zip(symbols, symbols[1:]):
            rank = ranks.get(pair)
            if rank is not None and (best is None or rank < ranks[best]):
                best = pair
        if best is None:
            break
        symbols = merge_pair(symbols, best, best[0] + best[1])
    return symbols


class ByteLevelBpe:
    def __init__(self, texts, size=BYTE_LEVEL_SIZE):
        self.alphabet = byte_to_unicode()
        counts = {}
        for text in texts.values():
            for piece in regex.findall(GPT2_PATTERN, text):
                word = self.to_alphabet(piece)
                counts[word] = counts.get(word, 0) + 1
        self.vocab = {"<|endoftext|>": 0}
        for b in range(256):
            self.vocab[self.alphabet[b]] = len(self.vocab)
        self.merges = train_merges(counts, self.vocab, size)
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}

    def to_alphabet(self, text):
        return "".join(self.alphabet[b] for b in text.encode("utf-8"))

    def encode(self, text):
        ids = []
        for piece in regex.findall(GPT2_PATTERN, text):
            ids += [self.vocab[s] for s in apply_merges(list(self.to_alphabet(piece)), self.ranks)]
        return ids

    def tokenizer_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [added_token(0, "<|endoftext|>")],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [a + " " + b for a, b in self.merges],
            },
        }


class SentencePieceBpe:
    def __init__(self, texts, size=SENTENCEPIECE_SIZE):
        counts = {}
        chars = {}
        for text in texts.values():
            for line in text.split("\n"):
                normalized = self.normalize(line)
                for ch in normalized:
                    chars[ch] = chars.get(ch, 0) + 1
                # Training words start at each metaspace, as SentencePiece splits on whitespace.
                for word in regex.findall(METASPACE + "[^" + METASPACE + "]*", normalized):
                    counts[word] = counts.get(word, 0) + 1
        self.vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
        for b in range(256):
            self.vocab["<0x%02X>" % b] = len(self.vocab)
        # Characters seen at least twice get their own token; rarer ones fall back to bytes.
        for ch, _ in sorted(chars.items(), key=lambda item: (-item[1], item[0])):
            if chars[ch] >= 2 and ch not in self.vocab:
                self.vocab[ch] = len(self.vocab)
        counts = {w: c for w, c in counts.items() if all(ch in self.vocab for ch in w)}
        self.merges = train_merges(counts, self.vocab, size)
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}

    @staticmethod
    def normalize(text):
        return METASPACE + text.replace(" ", METASPACE)

    def encode(self, text):
        symbols = []
        for ch in self.normalize(text):
            if ch in self.vocab:
                symbols.append(ch)
            else:
                symbols += ["<0x%02X>" % b for b in ch.encode("utf-8")]
        # Byte-fallback tokens take part in no merge (no merge names them).
        return [self.vocab[s] for s in apply_merges(symbols, self.ranks)]

    def tokenizer_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [added_token(0, "<unk>"), added_token(1, "<s>"), added_token(2, "</s>")],
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Prepend", "prepend": METASPACE},
                {"type": "Replace", "pattern": {"String": " "}, "content": METASPACE},
            ]},
            "pre_tokenizer": None,
            "post_processor": None,
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": METASPACE}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ]},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                "vocab": self.vocab,
                # The newer serialisation (pairs), so the C# reader is tested on both merge formats.
                "merges": [[a, b] for a, b in self.merges],
            },
        }


def added_token(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def write_json(name, value):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=1)


def main():
    os.makedirs(HERE, exist_ok=True)
    texts = read_corpus()
    byte_level = ByteLevelBpe(texts)
    sentencepiece = SentencePieceBpe(texts)
    write_json("byte_level.tokenizer.json", byte_level.tokenizer_json())
    write_json("sentencepiece.tokenizer.json", sentencepiece.tokenizer_json())
    import deepen_sentencepiece_model  # imported here: it imports this module
    deepen_sentencepiece_model.convert(os.path.join(HERE, "sentencepiece.tokenizer.json"), "licenses")

    samples = []
    counter = 0
    for name, text in texts.items():
        for number, line in enumerate(text.split("\n"), start=1):
            counter += 1
            if line.strip() and counter % SAMPLE_EVERY == 0:
                samples.append({"file": os.path.join(LICENSES, name), "line": number,
                                "byte_level": byte_level.encode(line), "sentencepiece": sentencepiece.encode(line)})
    for text in NON_ASCII:
        samples.append({"text": text, "byte_level": byte_level.encode(text), "sentencepiece": sentencepiece.encode(text)})
    write_json("tokenizer_reference.json", {"samples": samples})
    print("byte-level", len(byte_level.vocab), "sentencepiece", len(sentencepiece.vocab), "samples", len(samples))


if __name__ == "__main__":
    main()
