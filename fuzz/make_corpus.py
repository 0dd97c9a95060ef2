#!/usr/bin/env python3
"""Seed corpora for the libFuzzer harnesses in fuzz/ (docs/fuzzing.md).

    python3 fuzz/make_corpus.py OUT_DIR [DATA_DIR]

writes OUT_DIR/<harness>/<seed> for every harness, from the project's fixtures
(tests/fixtures/models, tests/fixtures/tokenizer), from the shared data
(DATA_DIR, default $GPTQT_DATA_DIR or <repo>/../shared/data; skipped when absent)
cut down to small files (a GGUF keeps its metadata, a trimmed vocabulary where
it is large, and tiny tensors), and from small synthetic files covering what the
fixtures do not (every GGUF value and tensor type, GGUF v1/v2, packed layers).
Only the Python standard library; deterministic; no seed is over ~1 MB.
"""
import json
import os
import random
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SEP = b"\n@@gptqt-part@@\n"  # fuzz/fuzz_common.h kPartSeparator
MAX_SEED = 1 << 20

# ---------------------------------------------------------------------------
# GGUF
# ---------------------------------------------------------------------------
T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
SCALAR_FMT = {T_U8: "<B", T_I8: "<b", T_U16: "<H", T_I16: "<h", T_U32: "<I", T_I32: "<i", T_F32: "<f",
              T_BOOL: "<?", T_U64: "<Q", T_I64: "<q", T_F64: "<d"}
# ggml type -> (block elements, block bytes)
GGML = {0: (1, 4), 1: (1, 2), 30: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
        9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292)}


class Gguf:
    """A parsed GGUF: version, metadata [(key, type, value)], tensors [(name, type, ne, bytes)]."""

    def __init__(self, data: bytes):
        self.d, self.p = data, 0
        assert self.take(4) == b"GGUF"
        self.version = self.u32()
        wide = self.version >= 2
        n_t = self.u64() if wide else self.u32()
        n_kv = self.u64() if wide else self.u32()
        self.kv = []
        for _ in range(n_kv):
            key = self.str()
            t = self.u32()
            self.kv.append((key, t, self.value(t)))
        infos = []
        for _ in range(n_t):
            name = self.str()
            nd = self.u32()
            ne = [self.u64() if wide else self.u32() for _ in range(nd)]
            typ = self.u32()
            off = self.u64()
            infos.append((name, typ, ne, off))
        align = next((v for k, _, v in self.kv if k == "general.alignment"), 32)
        start = (self.p + align - 1) // align * align
        self.tensors = []
        for name, typ, ne, off in infos:
            blk, nb = GGML[typ]
            n = 1
            for x in ne:
                n *= x
            self.tensors.append((name, typ, ne, data[start + off:start + off + n // blk * nb]))

    def take(self, n):
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def str(self):
        n = self.u64() if self.version >= 2 else self.u32()
        return self.take(n).decode("utf-8", "surrogateescape")

    def value(self, t):
        if t == T_STR:
            return self.str()
        if t == T_ARR:
            et = self.u32()
            n = self.u64() if self.version >= 2 else self.u32()
            return (et, [self.value(et) for _ in range(n)])
        f = SCALAR_FMT[t]
        return struct.unpack(f, self.take(struct.calcsize(f)))[0]


def gguf_bytes(version, kv, tensors, align=32):
    """kv: [(key, type, value)], arrays as (elem_type, [values]); tensors: [(name, type, ne, bytes)]."""
    wide = version >= 2

    def cnt(n):
        return struct.pack("<Q" if wide else "<I", n)

    def s(x):
        b = x.encode("utf-8", "surrogateescape")
        return cnt(len(b)) + b

    def val(t, v):
        if t == T_STR:
            return s(v)
        if t == T_ARR:
            et, items = v
            return struct.pack("<I", et) + cnt(len(items)) + b"".join(val(et, i) for i in items)
        return struct.pack(SCALAR_FMT[t], v)

    out = bytearray(b"GGUF" + struct.pack("<I", version) + cnt(len(tensors)) + cnt(len(kv)))
    for k, t, v in kv:
        out += s(k) + struct.pack("<I", t) + val(t, v)
    data = bytearray()
    for name, typ, ne, raw in tensors:
        while len(data) % align:
            data.append(0)
        out += s(name) + struct.pack("<I", len(ne)) + b"".join(cnt(x) if wide else struct.pack("<I", x) for x in ne)
        out += struct.pack("<IQ", typ, len(data))
        data += raw
    while len(out) % align:
        out.append(0)
    return bytes(out + data)


def shrink_tensor(name, typ, ne, raw):
    """The same tensor cut to a tiny one: a row of one block (or 8 floats), two rows when 2-D."""
    blk, nb = GGML[typ]
    ne0 = blk if blk > 1 else min(ne[0], 8)
    shape = [ne0] + ([2] if len(ne) > 1 else [])
    n = ne0 * (2 if len(ne) > 1 else 1)
    need = n // blk * nb
    body = raw[:need] if len(raw) >= need else raw + bytes(need - len(raw))
    return (name, typ, shape, body)


def trim_vocab(kv, keep):
    """Keep the first `keep` tokens (and their scores/types) and only the merges among them."""
    arrays = {k: v for k, t, v in kv if t == T_ARR}
    if "tokenizer.ggml.tokens" not in arrays or len(arrays["tokenizer.ggml.tokens"][1]) <= keep:
        return kv
    kept = arrays["tokenizer.ggml.tokens"][1][:keep]
    have = set(kept)
    out = []
    for k, t, v in kv:
        if k in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
            v = (v[0], v[1][:keep])
        elif k == "tokenizer.ggml.merges":
            ms = []
            for m in v[1]:
                a, _, b = m.partition(" ")
                if a in have and b in have and a + b in have:
                    ms.append(m)
            v = (v[0], ms)
        elif k.endswith("_token_id") and isinstance(v, int) and v >= keep:
            v = 0
        out.append((k, t, v))
    return out


def synthetic_gguf(version):
    """Every metadata value type and every tensor type the reader knows (and one it rejects)."""
    rnd = random.Random(version)
    kv = [("general.architecture", T_STR, "llama"), ("general.name", T_STR, "fuzz seed"),
          ("general.alignment", T_U32, 32)]
    for t, v in ((T_U8, 200), (T_I8, -5), (T_U16, 60000), (T_I16, -300), (T_U32, 4000000000), (T_I32, -7),
                 (T_F32, 0.5), (T_BOOL, True), (T_U64, 1 << 63), (T_I64, -(1 << 40)), (T_F64, 1e-6)):
        kv.append((f"fuzz.scalar_{t}", t, v))
    kv += [("fuzz.arr_i32", T_ARR, (T_I32, [1, -2, 3])), ("fuzz.arr_f32", T_ARR, (T_F32, [0.25, -1.0])),
           ("fuzz.arr_str", T_ARR, (T_STR, ["a", "bc", ""])), ("fuzz.arr_bool", T_ARR, (T_BOOL, [True, False])),
           ("fuzz.arr_u64", T_ARR, (T_U64, [1, 1 << 63])),
           ("fuzz.arr_nested", T_ARR, (T_ARR, [(T_I8, [1, 2]), (T_STR, ["x"])])),
           ("fuzz.arr_empty", T_ARR, (T_F64, []))]
    tensors = []
    for typ in (0, 1, 30, 2, 3, 8, 12):
        blk, nb = GGML[typ]
        ne = [blk if blk > 1 else 4, 2]
        raw = bytes(rnd.randrange(256) for _ in range(ne[0] * 2 // blk * nb))
        if typ in (1, 30):  # finite halves
            raw = b"".join(struct.pack("<H", 0x3c00 + rnd.randrange(0x200)) for _ in range(8))
        if typ == 0:
            raw = struct.pack("<8f", *[rnd.uniform(-1, 1) for _ in range(8)])
        tensors.append((f"t.type{typ}", typ, ne, raw))
    tensors.append(("t.scalar", 0, [1], struct.pack("<f", 1.5)))
    tensors.append(("t.3d", 0, [2, 2, 2], struct.pack("<8f", *range(8))))
    return gguf_bytes(version, kv, tensors)


# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------
DT = {"F32": ("<f", 4), "F16": ("<e", 2), "I32": ("<i", 4), "U32": ("<I", 4), "F64": ("<d", 8), "I64": ("<q", 8),
      "U8": ("<B", 1)}


def st_bytes(tensors, metadata=None):
    """tensors: [(name, dtype, shape, values or raw bytes)] -> safetensors file bytes."""
    header, data = {}, bytearray()
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, vals in tensors:
        if isinstance(vals, (bytes, bytearray)):
            raw = bytes(vals)
        else:
            f, _ = DT[dtype]
            raw = b"".join(struct.pack(f, v) for v in vals)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + bytes(data)


def bf16(vals):
    return b"".join(struct.pack("<f", v)[2:] for v in vals)


def packed_linear(prefix, rows, cols, bits, group, rnd, fp16=False, linear=False, perm=False):
    """The tensors write_packed_linear (src/model/packed_linear.cpp) stores for one layer."""
    words = (cols + 31) // 32
    g = group if group > 0 else cols
    n_groups = (cols + g - 1) // g
    adt = "F16" if fp16 else "F32"
    out = [(prefix + ".shape", "I32", [4], [rows, cols, bits, group]),
           (prefix + ".planes", "U32", [bits, rows, words], [rnd.getrandbits(32) for _ in range(bits * rows * words)]),
           (prefix + ".alpha", adt, [n_groups, bits, rows], [round(rnd.uniform(0.01, 0.1), 3) for _ in range(n_groups * bits * rows)]),
           (prefix + ".offset", adt, [n_groups, rows], [round(rnd.uniform(-0.05, 0.05), 3) for _ in range(n_groups * rows)])]
    if linear:
        out += [(prefix + ".scale", adt, [n_groups, rows], [0.01] * (n_groups * rows)),
                (prefix + ".zero", adt, [n_groups, rows], [float((1 << bits) // 2)] * (n_groups * rows))]
    if perm:
        p = list(range(cols))
        rnd.shuffle(p)
        out.append((prefix + ".perm", "I32", [cols], p))
    return out


def tiny_packed_model(rnd, family="llama"):
    """A whole packed folder (header, weights) of a 1-block model, some layers packed, tied head."""
    H, F, NH, HD, V, CTX = 32, 64, 2, 16, 64, 16
    cfg = {"family": "llama", "arch": "LlamaForCausalLM", "n_layers": 1, "hidden": H, "ffn": F, "n_heads": NH,
           "n_kv_heads": NH, "head_dim": HD, "vocab": V, "max_ctx": CTX, "norm_eps": 1e-5, "norm": "rms",
           "pos": "rope", "rope_style": "half", "rope_theta": 10000.0, "act": "silu_gated", "bias": False,
           "post_ln": False, "embed_norm": False, "final_norm": True, "embed_dim": H, "pos_offset": 0,
           "tied_head": True}
    header = {"format": "gptqt-packed", "format_version": 1, "tool": "gptqt", "tool_version": "0.1.0",
              "created": "2026-01-01T00:00:00Z", "source_model": "fuzz", "config": cfg,
              "quantization": {"method": "gptqt", "solver": "gptq", "bits": 3, "group_size": 32, "act_order": True,
                               "static_groups": False, "damp": 0.01, "true_sequential": False, "options": "fuzz",
                               "bits_per_weight": 3.5, "quantized_weights": 0, "head": None},
              "calibration": {"text": "wikitext2-valid", "nsamples": 1, "seqlen": 16, "seed": 0}}

    def dense(name, r, c):
        return (name, "F32", [r, c] if c else [r], [round(rnd.uniform(-0.1, 0.1), 4) for _ in range(r * (c or 1))])

    t = [dense("tok_embd.weight", V, H), ("final_norm.weight", "F32", [H], [1.0] * H),
         ("blk.0.attn_norm.weight", "F32", [H], [1.0] * H), ("blk.0.ffn_norm.weight", "F32", [H], [1.0] * H)]
    t += packed_linear("blk.0.q", H, H, 3, 32, rnd, fp16=True, perm=True)
    t += packed_linear("blk.0.k", H, H, 2, -1, rnd, linear=True)
    t += packed_linear("blk.0.v", H, H, 4, 32, rnd, fp16=True, linear=True)
    t.append(dense("blk.0.o.weight", H, H))
    t += packed_linear("blk.0.gate", F, H, 1, -1, rnd)
    t += packed_linear("blk.0.up", F, H, 3, 32, rnd, linear=True, perm=True)
    t += packed_linear("blk.0.down", H, F, 2, 32, rnd, fp16=True)
    return header, cfg, st_bytes(t, {"format": "gptqt"})


# ---------------------------------------------------------------------------
# the corpora
# ---------------------------------------------------------------------------
class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self.count = {}

    def add(self, harness, name, data: bytes):
        if len(data) > MAX_SEED:
            print(f"make_corpus: skipping {harness}/{name}: {len(data)} bytes", file=sys.stderr)
            return
        d = self.root / harness
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
        self.count[harness] = self.count.get(harness, 0) + 1


def read(p: Path) -> bytes:
    return p.read_bytes()


def main():
    out = Path(sys.argv[1])
    data_dir = Path(sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else
                    os.environ.get("GPTQT_DATA_DIR") or REPO.parent / "shared" / "data")
    c = Corpus(out)
    rnd = random.Random(0)

    # --- GGUF files (gguf, tokenizer) -------------------------------------
    for v in (1, 2, 3):
        c.add("gguf", f"synthetic_v{v}.gguf", synthetic_gguf(v))
    shared_ggufs = {"stories260k": data_dir / "stories260K" / "tinyllamas-stories-260k-f32.gguf",
                    "smollm2": data_dir / "smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"}
    for tag, path in shared_ggufs.items():
        if not path.exists():
            print(f"make_corpus: {path} absent, no {tag} seeds", file=sys.stderr)
            continue
        # A large file: its metadata part, and each tensor's first bytes read by seeking.
        g = Gguf(read(path)) if path.stat().st_size <= (8 << 20) else gguf_meta_only(path)
        kv = trim_vocab(g.kv, 2048)
        tiny = [shrink_tensor(*t) for t in g.tensors]
        c.add("gguf", f"{tag}_tiny_tensors.gguf", gguf_bytes(g.version, kv, tiny))
        c.add("gguf", f"{tag}_tiny_tensors_v2.gguf", gguf_bytes(2, kv, tiny[:6]))
        c.add("gguf", f"{tag}_tiny_tensors_v1.gguf", gguf_bytes(1, kv, tiny[:6]))
        c.add("tokenizer", f"{tag}_vocab.gguf", gguf_bytes(3, kv, []))
        if tag == "smollm2":  # a smaller vocabulary too, for speed
            c.add("tokenizer", f"{tag}_vocab512.gguf", gguf_bytes(3, trim_vocab(g.kv, 512), []))

    # --- safetensors ----------------------------------------------------------
    models = FIXTURES / "models"
    for m in sorted(models.iterdir()):
        for st in sorted(m.glob("*.safetensors")):
            if st.stat().st_size <= 200_000:
                c.add("safetensors", f"{m.name}_{st.name}", read(st))
    c.add("safetensors", "dtypes.safetensors", st_bytes([
        ("f32", "F32", [2, 2], [1.0, -2.0, 0.5, 3.0]), ("f16", "F16", [3], [1.0, 0.5, -4.0]),
        ("bf16", "BF16", [2], bf16([1.0, -0.25])), ("i32", "I32", [2], [1, -1]), ("u32", "U32", [1], [7]),
        ("f64", "F64", [1], [2.0]), ("u8", "U8", [3], [1, 2, 3]), ("empty", "F32", [0, 4], b""),
        ("scalar", "F32", [], [9.0])], {"format": "pt", "gptqt": "{}"}))
    c.add("safetensors", "packed_layers.safetensors", st_bytes(
        packed_linear("l0", 8, 64, 3, 32, rnd) + packed_linear("l1", 4, 40, 2, -1, rnd, fp16=True, perm=True)))

    # --- Hugging Face checkpoints ---------------------------------------------
    files = ["config.json", "model.safetensors.index.json", "model.safetensors",
             "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    for m in sorted(models.iterdir()):
        if not (m / "config.json").exists():
            continue
        parts = [read(m / f) if (m / f).exists() else b"" for f in files]
        c.add("hf_checkpoint", f"{m.name}", SEP.join(parts))
        c.add("hf_checkpoint", f"{m.name}_config_only", parts[0])

    # --- tokenizers -------------------------------------------------------------
    for d in sorted((FIXTURES / "tokenizer").iterdir()):
        if (d / "tokenizer.json").exists():
            tj = read(d / "tokenizer.json")
            c.add("tokenizer", f"{d.name}_tokenizer.json", tj)
            c.add("tokenizer", f"{d.name}_with_config", tj + SEP + json.dumps(
                {"bos_token": {"content": "<|endoftext|>"}, "eos_token": "<|endoftext|>"}).encode())
    spm = data_dir / "tokenizers" / "llama2-32k" / "tokenizer.model"
    if spm.exists():
        c.add("tokenizer", "llama2-32k_tokenizer.model", read(spm))

    # --- packed header and config -------------------------------------------
    header, cfg, weights = tiny_packed_model(rnd)
    c.add("packed_header", "header_llama.json", json.dumps(header, indent=1).encode())
    c.add("packed_header", "config_llama.json", json.dumps(cfg).encode())
    opt = dict(cfg, family="opt", arch="OPTForCausalLM", norm="layer", pos="learned", act="relu", bias=True,
               pos_offset=2, embed_dim=16, tied_head=False, post_ln=True, final_norm=False)
    bloom = dict(cfg, family="bloom", arch="BloomForCausalLM", norm="layer", pos="alibi", act="gelu_tanh",
                 bias=True, embed_norm=True)
    for name, cf in (("opt", opt), ("bloom", bloom)):
        c.add("packed_header", f"config_{name}.json", json.dumps(cf).encode())
        c.add("packed_header", f"header_{name}.json", json.dumps(dict(header, config=cf)).encode())

    # --- packed layers and packed models -------------------------------------
    c.add("packed_linear", "tiny_model_weights.safetensors", weights)
    c.add("packed_linear", "layers.safetensors", st_bytes(
        packed_linear("a", 8, 64, 1, -1, rnd) + packed_linear("b", 8, 96, 4, 32, rnd, linear=True, perm=True) +
        packed_linear("c", 3, 70, 2, 70, rnd, fp16=True) + packed_linear("d", 16, 32, 3, 32, rnd, fp16=True, linear=True)))
    c.add("packed_model", "tiny_llama_packed", json.dumps(header).encode() + SEP + weights)
    h2, _, w2 = tiny_packed_model(random.Random(1))
    h2["config"] = dict(h2["config"], tied_head=False)  # the head is then missing: an Error path
    c.add("packed_model", "tiny_llama_untied_head_missing", json.dumps(h2).encode() + SEP + w2)

    for h in sorted(c.count):
        print(f"make_corpus: {h}: {c.count[h]} seeds")


def gguf_meta_only(path: Path):
    """Parse a large GGUF from its first bytes plus each tensor's first 4 KB (read by seeking)."""
    with open(path, "rb") as f:
        head = f.read(16 << 20)

    g = Gguf.__new__(Gguf)
    g.d, g.p = head, 0
    assert g.take(4) == b"GGUF"
    g.version = g.u32()
    n_t, n_kv = g.u64(), g.u64()
    g.kv = []
    for _ in range(n_kv):
        key = g.str()
        t = g.u32()
        g.kv.append((key, t, g.value(t)))
    infos = []
    for _ in range(n_t):
        name = g.str()
        nd = g.u32()
        ne = [g.u64() for _ in range(nd)]
        typ = g.u32()
        off = g.u64()
        infos.append((name, typ, ne, off))
    align = next((v for k, _, v in g.kv if k == "general.alignment"), 32)
    start = (g.p + align - 1) // align * align
    g.tensors = []
    with open(path, "rb") as f:
        for name, typ, ne, off in infos:
            f.seek(start + off)
            g.tensors.append((name, typ, ne, f.read(4096)))
    return g


if __name__ == "__main__":
    main()
