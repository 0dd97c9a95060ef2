#!/usr/bin/env python3
"""Markdown table from the JSON files that speed_vs_llamacpp.sh leaves in OUT.

Every round holds llama_<round>_<model>.json (llama-bench -o json) and
gptqt_<round>_<kernel>.json (gptqt bench --json). Each row gives the median
t/s over its samples, taken per round and then the median over rounds; its
ratio to llama.cpp's Q4_0 in the same test of the same round, for every test;
and for gptqt's rows the fraction of the read bandwidth its first tg test reached
(gptqt bench measures the bandwidth in the same run).
"""
import glob
import json
import os
import re
import statistics
import sys
from collections import defaultdict


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
            yield round_, label, test, statistics.median(r["samples_ts"]), size, None
        else:
            model = os.path.basename(r["model"].rstrip("/"))
            kernel = "fp32" if model.endswith(".gguf") else r["kernel"]  # kernels apply to packed layers only
            label = f"gptqt {model} ({kernel}, head {r['head']})"
            yield round_, label, r["test"], r["tps_median"], r["model_bytes"], r.get("bandwidth_fraction")


def main(out):
    tps = defaultdict(lambda: defaultdict(dict))  # label -> test -> round -> t/s
    size = {}
    bandwidth = defaultdict(lambda: defaultdict(dict))  # label -> test -> round -> fraction
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        for round_, label, test, value, nbytes, fraction in rows_of(path):
            tps[label][test][round_] = value
            size[label] = nbytes
            if fraction:
                bandwidth[label][test][round_] = fraction
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
