#!/usr/bin/env python3
"""Markdown table from the JSON files that speed_vs_llamacpp.sh leaves in OUT.

Every round holds llama_<round>_<model>.json (llama-bench -o json) and
gptqt_<round>_<kernel>.json (gptqt bench --json). Each row gives the median
t/s over its samples, taken per round and then the median over rounds; its
ratio to llama.cpp's Q4_0 in the same test of the same round, for every test;
and the fraction of the read bandwidth its first tg test reached (gptqt bench
measures the bandwidth in each round; llama.cpp's rows are judged by it, with the
bytes a token reads from the GGUF's tensor table).
"""
import glob
import json
import os
import re
import statistics
import struct
import sys
from collections import defaultdict

# ggml type -> (bytes, elements) of one block, for the types llama-quantize writes.
GGML_BLOCKS = {0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32), 8: (34, 32),
               10: (84, 256), 11: (110, 256), 12: (144, 256), 13: (176, 256), 14: (210, 256), 30: (2, 1)}

# GGUF metadata value type -> bytes, for the fixed-size ones.
SCALAR_BYTES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def gguf_bytes_per_token(path):
    """Bytes of weights a generated token reads from a GGUF: every tensor but the
    token embeddings, of which it reads one row (all of it when the head is tied to them)."""
    with open(path, "rb") as f:
        def read(fmt):
            return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))[0]

        def skip_value(t):
            if t == 8:
                f.seek(read("Q"), 1)
            elif t == 9:
                et, n = read("I"), read("Q")
                for _ in range(n):
                    skip_value(et)
            elif t in SCALAR_BYTES:
                f.seek(SCALAR_BYTES[t], 1)
            else:
                sys.exit(f"{path}: metadata value of unknown GGUF type {t}")

        if f.read(4) != b"GGUF":
            sys.exit(f"{path}: not a GGUF file (no GGUF magic)")
        read("I")
        n_tensors, n_kv = read("Q"), read("Q")
        for _ in range(n_kv):
            f.seek(read("Q"), 1)
            skip_value(read("I"))
        sizes, rows = {}, {}
        for _ in range(n_tensors):
            name = f.read(read("Q")).decode()
            dims = [read("Q") for _ in range(read("I"))]
            ggml_type = read("I")
            if ggml_type not in GGML_BLOCKS:
                sys.exit(f"{path}: tensor {name} has ggml type {ggml_type}, whose block size this table does not know")
            block_bytes, block_elems = GGML_BLOCKS[ggml_type]
            read("Q")
            n = 1
            for d in dims:
                n *= d
            sizes[name] = n // block_elems * block_bytes
            rows[name] = dims[0] // block_elems * block_bytes
    if "output.weight" in sizes:
        return sum(sizes.values()) - sizes["token_embd.weight"] + rows["token_embd.weight"]
    return sum(sizes.values()) + rows["token_embd.weight"]


def rows_of(path):
    name = os.path.basename(path)
    round_ = int(re.match(r"[a-z]+_(\d+)_", name).group(1))
    data = json.load(open(path))
    for r in data:
        if name.startswith("llama_"):
            test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
            if r.get("n_depth"):
                test += f" @ d{r['n_depth']}"
            label = "llama.cpp " + os.path.basename(r["model_filename"]).replace(".gguf", "")
            size = r["model_size"]
            yield round_, label, test, statistics.median(r["samples_ts"]), size, gguf_bytes_per_token(r["model_filename"])
        else:
            model = os.path.basename(r["model"].rstrip("/"))
            kernel = "fp32" if model.endswith(".gguf") else r["kernel"]  # kernels apply to packed layers only
            label = f"gptqt {model} ({kernel}, head {r['head']})"
            yield round_, label, r["test"], r["tps_median"], r["model_bytes"], r


def main(out):
    tps = defaultdict(lambda: defaultdict(dict))  # label -> test -> round -> t/s
    size = {}
    bandwidth = defaultdict(lambda: defaultdict(dict))  # label -> test -> round -> fraction
    llama_bytes = {}  # label -> weight bytes per generated token
    read_bw = {}  # round -> the read bandwidth gptqt bench measured in it
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        for round_, label, test, value, nbytes, extra in rows_of(path):
            tps[label][test][round_] = value
            size[label] = nbytes
            if isinstance(extra, dict):  # gptqt bench's row
                read_bw[round_] = extra["read_bandwidth"]
                if extra.get("bandwidth_fraction"):
                    bandwidth[label][test][round_] = extra["bandwidth_fraction"]
            else:
                llama_bytes[label] = extra
    # llama.cpp's generation against the bandwidth gptqt bench measured in the same
    # round (weights only: at depth the KV cache adds to both tools' reads).
    for label, nbytes in llama_bytes.items():
        for test, by_round in tps[label].items():
            if test.startswith("tg") and "@" not in test:
                for r, v in by_round.items():
                    if r in read_bw:
                        bandwidth[label][test][r] = nbytes * v / read_bw[r]
    ref = next((l for l in tps if l.endswith("Q4_0")), None)
    rounds = sorted({r for l in tps for t in tps[l] for r in tps[l][t]})
    print(f"{len(rounds)} rounds; t/s: median over rounds of each round's median\n")
    tests = sorted({t for l in tps for t in tps[l]}, key=lambda t: (t[:2] != "pp", t))
    tgs = [t for t in tests if t.startswith("tg")]
    header = ("| model | size MiB | " + " | ".join(f"{t} t/s" for t in tests) + " | " +
              " | ".join(f"{t} vs llama.cpp Q4_0" for t in tests) + " | of read bandwidth |")
    print(header)
    print("|---|---:|" + "---:|" * (2 * len(tests) + 1))
    for label in tps:
        cells = []
        for t in tests:
            v = tps[label].get(t)
            cells.append(f"{statistics.median(v.values()):.1f}" if v else "")
        for t in tests:
            rs = []
            if ref and t in tps[label] and t in tps[ref]:
                rs = [tps[label][t][r] / tps[ref][t][r] for r in tps[label][t] if r in tps[ref][t]]
            cells.append(f"{statistics.median(rs):.2f}x" if rs else "")
        bw = bandwidth[label].get(tgs[0]) if tgs else None
        cells.append(f"{100 * statistics.median(bw.values()):.0f}%" if bw else "")
        print(f"| {label} | {size[label] / 2**20:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
