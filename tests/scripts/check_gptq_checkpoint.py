#!/usr/bin/env python3
"""Independent reader of `gptqt export --to gptq` checkpoints (issue 16): every layer of the
GPTQ checkpoint must reconstruct to the packed model's levels exactly.

Written from the documented formats only, sharing no code with gptqt:
  * the GPTQ checkpoint as AutoGPTQ / GPTQModel / transformers store it: qweight int32
    [in·bits/32, out] packing `bits`-bit codes along the inputs (2/4/8 bits: 32/bits codes per
    word, lowest first; 3 bits: 32 codes in 3 words, AutoGPTQ's 10 + 1 split + 10 + 1 split + 10
    pattern), qzeros int32 [groups, out·bits/32] packed the same way along the outputs
    (checkpoint_format "gptq" stores zero - 1), scales fp16 [groups, out], g_idx int32 [in];
    w[o, i] = scales[g, o] · (q[i, o] - zero[g, o]) with g = g_idx[i];
  * the packed model as docs/format.md describes it: sign planes (bit b of word w of a row is
    column 32w + b; plane j is bit j of the level's code), scale and zero per (group, row),
    perm for act-order (stored column i is input perm[i], groups are runs of stored columns).

    python3 tests/scripts/check_gptq_checkpoint.py PACKED_DIR GPTQ_DIR
Prints one line per layer and exits 1 on any difference. Needs numpy and safetensors.
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


def unpack_codes(words: np.ndarray, bits: int, n: int) -> np.ndarray:
    """words: [n·bits/32, m] uint32 -> codes [n, m], packed along the first axis."""
    words = words.astype(np.uint64)
    m = words.shape[1]
    out = np.zeros((n, m), dtype=np.int64)
    mask = (1 << bits) - 1
    if bits in (2, 4, 8):
        per = 32 // bits
        for i in range(n):
            out[i] = (words[i // per] >> (bits * (i % per))) & mask
        return out
    assert bits == 3
    for blk in range(n // 32):
        w0, w1, w2 = words[3 * blk], words[3 * blk + 1], words[3 * blk + 2]
        base = 32 * blk
        for j in range(10):
            out[base + j] = (w0 >> (3 * j)) & 7
        out[base + 10] = ((w0 >> 30) & 3) | ((w1 & 1) << 2)
        for j in range(10):
            out[base + 11 + j] = (w1 >> (3 * j + 1)) & 7
        out[base + 21] = ((w1 >> 31) & 1) | ((w2 & 3) << 1)
        for j in range(10):
            out[base + 22 + j] = (w2 >> (3 * j + 2)) & 7
    return out


def gptq_layer(t: dict, base: str, bits: int, v1: bool) -> np.ndarray:
    qweight = t[base + ".qweight"].view(np.uint32)
    qzeros = t[base + ".qzeros"].view(np.uint32)
    scales = t[base + ".scales"].astype(np.float64)
    g_idx = t[base + ".g_idx"].astype(np.int64)
    n_in, n_out = len(g_idx), scales.shape[1]
    q = unpack_codes(qweight, bits, n_in)  # [in, out]
    zeros = unpack_codes(np.ascontiguousarray(qzeros.T), bits, n_out).T  # [groups, out]
    if v1:
        zeros = zeros + 1  # "gptq" stores zero - 1 (so never a zero point of 0)
    w = scales[g_idx, :] * (q - zeros[g_idx, :])  # [in, out]
    return w.T


def packed_layer(t: dict, prefix: str) -> np.ndarray:
    rows, cols, bits, gs = (int(x) for x in t[prefix + ".shape"])
    planes = t[prefix + ".planes"].view(np.uint32).reshape(bits, rows, -1)
    col = np.arange(cols)
    codes = np.zeros((rows, cols), dtype=np.int64)
    for j in range(bits):
        codes |= ((planes[j][:, col // 32] >> (col % 32).astype(np.uint32)) & 1).astype(np.int64) << j
    scale = t[prefix + ".scale"].astype(np.float64)  # [groups, rows]
    zero = t[prefix + ".zero"].astype(np.float64)
    group = col // (gs if gs > 0 else cols)  # of stored columns
    w_stored = scale[group, :].T * (codes - zero[group, :].T)
    if prefix + ".perm" not in t:
        return w_stored
    perm = t[prefix + ".perm"].astype(np.int64)
    w = np.zeros_like(w_stored)
    w[:, perm] = w_stored
    return w


def main() -> int:
    packed_dir, gptq_dir = Path(sys.argv[1]), Path(sys.argv[2])
    header = json.loads((packed_dir / "gptqt.json").read_text())
    qc = json.loads((gptq_dir / "config.json").read_text())["quantization_config"]
    assert qc == {k: v for k, v in json.loads((gptq_dir / "quantize_config.json").read_text()).items()
                  if k != "model_file_base_name"}, "config.json and quantize_config.json disagree"
    bits, v1 = qc["bits"], qc["checkpoint_format"] == "gptq"
    assert qc["quant_method"] == "gptq" and qc["checkpoint_format"] in ("gptq", "gptq_v2")
    packed = load_file(str(packed_dir / "weights.safetensors"))
    gptq = load_file(str(gptq_dir / "model.safetensors"))
    roles = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
             "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}
    bad = 0
    layers = 0
    for i in range(header["config"]["n_layers"]):
        for role, hf in roles.items():
            prefix = f"blk.{i}.{role}"
            if prefix + ".shape" not in packed:
                continue
            want = packed_layer(packed, prefix)
            got = gptq_layer(gptq, f"model.layers.{i}.{hf}", bits, v1)
            ok = got.shape == want.shape and np.array_equal(got, want)
            desc = gptq[f"model.layers.{i}.{hf}.g_idx"]
            monotone = bool(np.all(np.diff(desc) >= 0))
            assert qc["desc_act"] or monotone, "desc_act false with a permuted g_idx"
            print(f"{prefix} -> model.layers.{i}.{hf}: {'exact' if ok else 'DIFFERENT'} {want.shape} "
                  f"(g_idx {'in order' if monotone else 'act-order'})")
            bad += not ok
            layers += 1
    # The other tensors: the packed model's values in fp16.
    for name, hf in (("tok_embd.weight", "model.embed_tokens.weight"), ("final_norm.weight", "model.norm.weight")):
        ok = np.array_equal(gptq[hf], packed[name].astype(np.float16))
        print(f"{name} -> {hf}: {'exact' if ok else 'DIFFERENT'} (fp16)")
        bad += not ok
    print(f"{layers} layers, {bad} differences")
    return 1 if bad or layers == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
