#!/usr/bin/env python3
"""Markdown table of a sweep's JSON lines (scripts/results/sweep.sh). One text: one
row per method and grouping, one column per bit width; cells are ppl (bits per
weight). Several texts: one row per configuration, one column per text."""
import json
import sys


ORDER = {"fp": -1, "rtn": 0, "gptq": 1, "bcq": 2, "gptqt": 3}


def by_text(rows):
    texts = list(dict.fromkeys(r["text"] for r in rows if "error" not in r))
    configs = list(dict.fromkeys(r["config"] for r in rows))
    cell = {(r["config"], r["text"]): r for r in rows if "error" not in r}
    head = " | ".join(f'{t} ({next(r["windows"] for r in rows if r.get("text") == t)} windows)' for t in texts)
    print(f"| method | bits | group | bpw | {head} |")
    print("|---|---|---|---|" + "---|" * len(texts))

    def key(c):
        parts = c.split(":") + ["", "", ""]
        return (-int(parts[1] or 99), ORDER.get(parts[0], 9), parts[2])

    for c in sorted(configs, key=key):
        method, bits, group = (c.split(":") + ["", ""])[:3]
        some = next((cell[(c, t)] for t in texts if (c, t) in cell), None)
        bpw = f'{some["bpw"]:.2f}' if some and some["bpw"] else ""
        vals = [f'{cell[(c, t)]["ppl"]:.2f} ± {cell[(c, t)]["ppl_stderr"]:.2f}' if (c, t) in cell else "" for t in texts]
        g = "row" if group == "-1" else group
        print(f"| {method.upper()} | {bits} | {g} | {bpw} | " + " | ".join(vals) + " |")


def main(path):
    rows = [json.loads(line) for line in open(path)]
    if len({r.get("text") for r in rows if "error" not in r}) > 1:
        return by_text(rows)
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
