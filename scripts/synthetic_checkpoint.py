#!/usr/bin/env python3
"""Write a synthetic Hugging Face Llama checkpoint: real shapes, random weights, a real tokenizer.

For measuring the memory and time of quantizing (and running) a model at real shapes without
downloading it. The folder holds what a meta-llama checkpoint holds: config.json with the real
model's dimensions, bf16 safetensors shards of at most ~2 GB with model.safetensors.index.json,
and the real tokenizer (tokenizer.json + tokenizer_config.json, plus tokenizer.model for the
SentencePiece Llama-2 vocabulary), converted from llama.cpp's vocabulary-only GGUF files
(models/vocab/, fetched by scripts/fetch_vocab_fixtures.sh).
It needs numpy, gguf, transformers and torch from pip (transformers reads a GGUF vocabulary
through torch; tested with transformers 5.24 and torch 2.15; 4.x writes a different tokenizer).

Weights are N(0, 0.02) for linear layers, embeddings and the head, 1.0 for norms, drawn per tensor
from a numpy PCG64 stream keyed by (--seed, tensor name): block 0 of a --layers 1 checkpoint is
block 0 of the full one. Tensors are generated and written 4M values (~40 MB of buffers) at a time,
so memory does not grow with the model: the peak (~2 GB) is transformers converting Llama 3's
tokenizer. The full llama3-8b took under 4 minutes on 2 busy cores. The folder is
written as OUT.tmp and renamed to OUT when complete; an existing OUT is never touched, and the
script refuses to start without room for the whole checkpoint.

    /work/venv-fx/bin/python scripts/synthetic_checkpoint.py --shape llama3-8b --layers 1 --out /tmp/l3-8b-1
    /work/venv-fx/bin/python scripts/synthetic_checkpoint.py --shape llama2-70b --layers 2 --out /tmp/l70-2

Sizes in bf16: llama3-8b 16.1 GB (0.44 GB a block), llama2-7b 13.5 GB, llama2-70b 138 GB (1.7 GB a
block); --layers N writes only N blocks, plus the embeddings and head (2.1 GB for llama3-8b).
"""
import argparse
import json
import shutil
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
VOCAB_DIR = REPO / "models" / "vocab"

# From the meta-llama config.json files (Llama-2-7b-hf, Meta-Llama-3-8B, Llama-2-70b-hf).
SHAPES = {
    "llama2-7b": dict(hidden_size=4096, intermediate_size=11008, num_attention_heads=32, num_key_value_heads=32,
                      num_hidden_layers=32, vocab_size=32000, rope_theta=10000.0, max_position_embeddings=4096,
                      bos_token_id=1, eos_token_id=2),
    "llama3-8b": dict(hidden_size=4096, intermediate_size=14336, num_attention_heads=32, num_key_value_heads=8,
                      num_hidden_layers=32, vocab_size=128256, rope_theta=500000.0, max_position_embeddings=8192,
                      bos_token_id=128000, eos_token_id=128001),
    "llama2-70b": dict(hidden_size=8192, intermediate_size=28672, num_attention_heads=64, num_key_value_heads=8,
                       num_hidden_layers=80, vocab_size=32000, rope_theta=10000.0, max_position_embeddings=4096,
                       bos_token_id=1, eos_token_id=2),
}
DEFAULT_VOCAB = {"llama2-7b": "ggml-vocab-llama-spm.gguf", "llama3-8b": "ggml-vocab-llama-bpe.gguf",
                 "llama2-70b": "ggml-vocab-llama-spm.gguf"}
SHARD_BYTES = 2 * 10**9  # "2GB" as transformers' max_shard_size counts it
CHUNK = 1 << 22          # elements generated at a time: ~40 MB of buffers
STD = np.float32(0.02)


def config_json(shape, layers):
    s = dict(SHAPES[shape], num_hidden_layers=layers)
    return dict(architectures=["LlamaForCausalLM"], model_type="llama", torch_dtype="bfloat16", hidden_act="silu",
                attention_bias=False, attention_dropout=0.0, initializer_range=0.02, pretraining_tp=1,
                rms_norm_eps=1e-5, rope_scaling=None, tie_word_embeddings=False, use_cache=True, **s)


def tensor_list(cfg):
    """(name, shape) in checkpoint order; linear weights are [out, in] as in PyTorch."""
    h, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    kv = h // cfg["num_attention_heads"] * cfg["num_key_value_heads"]
    out = [("model.embed_tokens.weight", (v, h))]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (h,)), (p + "self_attn.q_proj.weight", (h, h)),
                (p + "self_attn.k_proj.weight", (kv, h)), (p + "self_attn.v_proj.weight", (kv, h)),
                (p + "self_attn.o_proj.weight", (h, h)), (p + "post_attention_layernorm.weight", (h,)),
                (p + "mlp.gate_proj.weight", (f, h)), (p + "mlp.up_proj.weight", (f, h)),
                (p + "mlp.down_proj.weight", (h, f))]
    return out + [("model.norm.weight", (h,)), ("lm_head.weight", (v, h))]


def shard(tensors):
    """Greedy packing into shards of at most SHARD_BYTES (a larger tensor gets a shard of its own)."""
    shards, size = [[]], 0
    for name, shape in tensors:
        nbytes = 2 * int(np.prod(shape))
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append([])
            size = 0
        shards[-1].append((name, shape))
        size += nbytes
    return shards


def bf16_chunks(name, shape, seed):
    """The tensor's bf16 bits (uint16), CHUNK elements at a time."""
    n = int(np.prod(shape))
    if name.endswith("norm.weight"):
        yield np.full(n, 0x3F80, np.uint16)  # 1.0 in bf16; norms are at most a few KB
        return
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())])))
    f32, carry = np.empty(CHUNK, np.float32), np.empty(CHUNK, np.uint32)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        x, bits, c = f32[:m], f32[:m].view(np.uint32), carry[:m]
        rng.standard_normal(out=x, dtype=np.float32)
        np.multiply(x, STD, out=x)
        # Round to nearest even on the upper 16 bits: add 0x7FFF plus the lowest kept bit, then
        # keep the high half (no NaN/Inf can occur here). Plain truncation would bias toward 0.
        np.right_shift(bits, 16, out=c)
        c &= 1
        c += 0x7FFF
        bits += c
        np.right_shift(bits, 16, out=c)
        yield c.astype(np.uint16)


def write_shard(path, tensors, seed):
    """One safetensors file, streamed: the header is known from the shapes before any data."""
    header, offset = {}, 0
    for name, shape in tensors:
        nbytes = 2 * int(np.prod(shape))
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # data starts 8-aligned, as the safetensors writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name, shape in tensors:
            for bits in bf16_chunks(name, shape, seed):
                f.write(bits.astype("<u2", copy=False).data)
    return offset


def sentencepiece_model(meta):
    """tokenizer.model (a SentencePiece ModelProto, hand-encoded: no sentencepiece package here) from a
    llama.cpp "llama" vocabulary: BPE with byte fallback and an identity normalizer, as Llama-2 has it."""
    def varint(v):
        v &= (1 << 64) - 1  # a negative int32 is 10 bytes of two's complement
        out = bytearray()
        while True:
            out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                return bytes(out)

    num = lambda field, v: varint(field << 3) + varint(int(v))
    msg = lambda field, b: varint(field << 3 | 2) + varint(len(b)) + b
    f32 = lambda field, x: varint(field << 3 | 5) + struct.pack("<f", x)

    proto = bytearray()
    for piece, score, kind in zip(meta("tokenizer.ggml.tokens"), meta("tokenizer.ggml.scores"),
                                  meta("tokenizer.ggml.token_type")):
        # SentencePiece {piece = 1, score = 2, type = 3}; llama.cpp's token types are SentencePiece's.
        proto += msg(1, msg(1, piece.encode()) + f32(2, score) + num(3, kind))
    # TrainerSpec: model_type BPE, byte_fallback, unk/bos/eos/pad ids.
    proto += msg(2, num(3, 2) + num(35, 1) + num(40, meta("tokenizer.ggml.unknown_token_id", 0)) +
                 num(41, meta("tokenizer.ggml.bos_token_id", 1)) + num(42, meta("tokenizer.ggml.eos_token_id", 2)) +
                 num(43, -1))
    # NormalizerSpec: name, add_dummy_prefix, remove_extra_whitespaces (off in Llama-2), escape_whitespaces.
    proto += msg(3, msg(1, b"identity") + num(3, meta("tokenizer.ggml.add_space_prefix", True)) + num(4, 0) +
                 num(5, 1))
    return bytes(proto)


def llama_tokenizer_json(tok, meta, bos_id, n_tokens):
    """Makes transformers' conversion of a llama.cpp vocabulary tokenize as the model's own tokenizer.json."""
    # The conversion appends an <|endoftext|> the vocabulary never had (id 128256 for Llama 3).
    tok["added_tokens"] = [a for a in tok["added_tokens"] if a["id"] < n_tokens]
    content = {a["id"]: a["content"] for a in tok["added_tokens"]}
    bos = content[bos_id]
    if "SpecialToken" not in json.dumps(tok["post_processor"]):
        # Llama 3's tokenizer.json starts every text with <|begin_of_text|>; the conversion adds nothing.
        seq = lambda s, t: {"Sequence": {"id": s, "type_id": t}}
        special = lambda t: {"SpecialToken": {"id": bos, "type_id": t}}
        tok["post_processor"] = {"type": "TemplateProcessing", "single": [special(0), seq("A", 0)],
                                 "pair": [special(0), seq("A", 0), special(1), seq("B", 1)],
                                 "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}
    if meta("tokenizer.ggml.pre") == "llama-bpe":
        tok["model"]["ignore_merges"] = True  # as Llama 3's tokenizer.json (and llama.cpp) has it
    if meta("tokenizer.ggml.model") == "llama":
        # The conversion's Metaspace pre-tokenizer puts no "▁" before a text that starts with a space
        # (" Hello" -> [15043], not Llama-2's [29871, 15043]); Llama-2's tokenizer.json normalizes instead.
        tok["normalizer"] = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
        tok["pre_tokenizer"] = None
        tok["model"]["unk_token"] = content[meta("tokenizer.ggml.unknown_token_id")]
    return tok


def write_tokenizer(gguf_path, out, cfg):
    """The real tokenizer from a llama.cpp vocabulary GGUF; returns its number of tokens."""
    import gguf
    from transformers import AutoTokenizer
    reader = gguf.GGUFReader(gguf_path)
    meta = lambda key, default=None: reader.fields[key].contents() if key in reader.fields else default
    n_tokens = len(reader.fields["tokenizer.ggml.tokens"].data)
    if n_tokens > cfg["vocab_size"]:
        sys.exit(f"{gguf_path}: {n_tokens} tokens, more than the shape's vocab_size {cfg['vocab_size']}")
    AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name).save_pretrained(out)

    tok_path, cfg_path = out / "tokenizer.json", out / "tokenizer_config.json"
    tok = llama_tokenizer_json(json.loads(tok_path.read_text()), meta, cfg["bos_token_id"], n_tokens)
    tok_path.write_text(json.dumps(tok, ensure_ascii=False, indent=2))
    tc = json.loads(cfg_path.read_text())
    for local_only in ("is_local", "local_files_only"):
        tc.pop(local_only, None)
    # PreTrainedTokenizerFast: a class name transformers 4.x knows too (it has no TokenizersBackend).
    tc.update(tokenizer_class="PreTrainedTokenizerFast", model_max_length=cfg["max_position_embeddings"])
    cfg_path.write_text(json.dumps(tc, indent=2))
    if meta("tokenizer.ggml.model") == "llama":
        # SentencePiece vocabularies: Llama-2 ships the .model too, and gptqt reads it in preference.
        (out / "tokenizer.model").write_bytes(sentencepiece_model(meta))
    return n_tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", required=True, choices=sorted(SHAPES))
    ap.add_argument("--out", required=True, type=Path, help="folder to create (must not exist)")
    ap.add_argument("--layers", type=int, help="number of blocks (default: the real model's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab-gguf", type=Path, help="llama.cpp vocabulary GGUF (default: models/vocab/ per shape)")
    args = ap.parse_args()

    layers = args.layers if args.layers is not None else SHAPES[args.shape]["num_hidden_layers"]
    if layers < 1:
        sys.exit("--layers must be at least 1")
    vocab = args.vocab_gguf or VOCAB_DIR / DEFAULT_VOCAB[args.shape]
    out, tmp = args.out, args.out.with_name(args.out.name + ".tmp")
    for p in (out, tmp):
        if p.exists():
            sys.exit(f"{p} exists; remove it first")
    if not vocab.is_file():
        sys.exit(f"{vocab}: no such vocabulary GGUF (bash scripts/fetch_vocab_fixtures.sh fetches them)")
    cfg = config_json(args.shape, layers)
    shards = shard(tensor_list(cfg))
    total = sum(2 * int(np.prod(s)) for sh in shards for _, s in sh)
    existing = next(p for p in out.resolve().parents if p.exists())
    free = shutil.disk_usage(existing).free
    if total + 10**9 > free:  # room for the tokenizer and the file system's own use
        sys.exit(f"needs {total / 1e9:.1f} GB, only {free / 1e9:.1f} GB free")

    tmp.mkdir(parents=True)
    try:
        t0 = time.time()
        n_tokens = write_tokenizer(vocab, tmp, cfg)
        t1 = time.time()
        (tmp / "config.json").write_text(json.dumps(cfg, indent=2))
        weight_map = {}
        for i, tensors in enumerate(shards):
            fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            write_shard(tmp / fname, tensors, args.seed)
            weight_map.update((name, fname) for name, _ in tensors)
            print(f"  {fname}  {time.time() - t1:6.1f} s", flush=True)
        index = {"metadata": {"total_size": total}, "weight_map": weight_map}
        (tmp / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # never leave gigabytes of a half-written model behind
        raise
    print(f"{out}: {args.shape} shape, {layers} layers, {total / 2e9:.2f} B parameters, {total / 1e9:.2f} GB "
          f"in {len(shards)} shard(s); weights {time.time() - t1:.0f} s, tokenizer {t1 - t0:.0f} s")
    pad = cfg["vocab_size"] - n_tokens
    print(f"tokenizer: {vocab.name}, {n_tokens} tokens" +
          (f" (embedding padded by {pad} rows to vocab_size {cfg['vocab_size']})" if pad else ""))


if __name__ == "__main__":
    main()
