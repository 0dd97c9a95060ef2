#!/usr/bin/env python3
"""Markdown table of a sweep's JSON lines (scripts/results/sweep.sh): one row per
method and grouping, one column per bit width; cells are ppl (bits per weight)."""
import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path)]
    fp = next((r for r in rows if r["config"] == "fp"), None)
    cells, methods, bits_seen = {}, [], set()
    for r in rows:
        if r["config"] == "fp":
            continue
        method, bits, group = r["config"].split(":")[:3]
        key = (method, group)
        if key not in methods:
            methods.append(key)
        bits_seen.add(bits)
        cells[(key, bits)] = "error" if "error" in r else f'{r["ppl"]:.2f} ({r["bpw"]:.2f})'
    bits = sorted(bits_seen, reverse=True)
    print("| method | group | " + " | ".join(f"{b}-bit ppl (bpw)" for b in bits) + " |")
    print("|---|---|" + "---|" * len(bits))
    if fp:
        print(f'| FP | | {fp["ppl"]:.3f} ± {fp["ppl_stderr"]:.3f} |' + " |" * (len(bits) - 1))
    order = {"rtn": 0, "gptq": 1, "bcq": 2, "gptqt": 3}
    for method, group in sorted(methods, key=lambda k: (int(k[1]) if k[1] != "-1" else 10**6, order.get(k[0], 9))):
        g = "row" if group == "-1" else group
        print(f"| {method.upper()} | {g} | " + " | ".join(cells.get(((method, group), b), "") for b in bits) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
