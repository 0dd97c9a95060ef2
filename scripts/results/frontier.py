#!/usr/bin/env python3
"""Perplexity against bits per weight, one line per series, as an SVG (no dependencies).

    python3 scripts/results/frontier.py RESULTS.jsonl OUT.svg [TITLE]

RESULTS holds one JSON object per measured model: "series" (the line it belongs
to), "bpw", "ppl" and optionally "label"; a line with "series": "FP" and no bpw
draws the full-precision perplexity as a horizontal line. Perplexity is drawn on
a log scale, so equal rises over FP are equal heights. Each series' line joins its
frontier (the points no fewer bits beat); the points it beats are drawn hollow.
"""
import json
import math
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
W, H = 860, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 320, 40, 50


def main():
    rows = []
    for n, line in enumerate(open(sys.argv[1]), 1):
        if not line.strip():
            continue
        where = f"{sys.argv[1]}:{n}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            sys.exit(f"{where}: not JSON ({e})")
        for key in ("series", "ppl") + (() if r.get("series") == "FP" else ("bpw",)):
            if not isinstance(r.get(key), (str,) if key == "series" else (int, float)):
                sys.exit(f"{where}: \"{key}\" missing or of the wrong type")
        if r["ppl"] <= 0:
            sys.exit(f"{where}: \"ppl\" {r['ppl']} is not a perplexity")
        rows.append(r)
    title = sys.argv[3] if len(sys.argv) > 3 else ""
    fp = [r["ppl"] for r in rows if r["series"] == "FP"]
    points = [r for r in rows if r["series"] != "FP"]
    series = list(dict.fromkeys(r["series"] for r in points))
    xs = [r["bpw"] for r in points]
    ys = [r["ppl"] for r in points] + fp
    x0, x1 = math.floor(min(xs) * 4) / 4, math.ceil(max(xs) * 4) / 4
    y0, y1 = math.log10(min(ys) * 0.9), math.log10(max(ys) * 1.1)
    px = lambda x: LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT)
    py = lambda y: TOP + (y1 - math.log10(y)) / (y1 - y0) * (H - TOP - BOTTOM)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14">{title}</text>']
    # Axes, ticks and grid.
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="none" stroke="#333"/>')
    x = x0
    while x <= x1 + 1e-9:
        out.append(f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{H - BOTTOM}" stroke="#ddd"/>')
        out.append(f'<text x="{px(x):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{x:g}</text>')
        x += 0.25
    steps = (1, 2, 3, 4, 5, 6, 7, 8, 9) if y1 - y0 < 1.2 else (1, 2, 3, 5)
    for decade in range(math.floor(y0), math.ceil(y1) + 1):
        for m in steps:
            v = m * 10 ** decade
            if y0 <= math.log10(v) <= y1:
                out.append(f'<line x1="{LEFT}" y1="{py(v):.1f}" x2="{W - RIGHT}" y2="{py(v):.1f}" stroke="#ddd"/>')
                out.append(f'<text x="{LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 12}" text-anchor="middle">bits per weight (all quantized linear layers)</text>')
    out.append(f'<text x="16" y="{(TOP + H - BOTTOM) / 2}" transform="rotate(-90 16 {(TOP + H - BOTTOM) / 2})" '
               f'text-anchor="middle">perplexity (log scale)</text>')
    for v in fp:
        out.append(f'<line x1="{LEFT}" y1="{py(v):.1f}" x2="{W - RIGHT}" y2="{py(v):.1f}" stroke="#000" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{LEFT + 4}" y="{py(v) - 5:.1f}">FP {v:.2f}</text>')
    # One polyline per series, in order of bpw; the legend on the right.
    for i, s in enumerate(series):
        c = COLOURS[i % len(COLOURS)]
        pts = sorted((r for r in points if r["series"] == s), key=lambda r: (r["bpw"], r["ppl"]))
        front, best = [], math.inf
        for r in pts:
            if r["ppl"] < best:
                front.append(r)
                best = r["ppl"]
        if len(front) > 1:
            path = " ".join(f"{px(r['bpw']):.1f},{py(r['ppl']):.1f}" for r in front)
            out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="1.5"/>')
        for r in pts:
            fill = c if r in front else "white"
            out.append(f'<circle cx="{px(r["bpw"]):.1f}" cy="{py(r["ppl"]):.1f}" r="3.5" fill="{fill}" stroke="{c}"/>')
            if r.get("label"):
                out.append(f'<text x="{px(r["bpw"]) + 6:.1f}" y="{py(r["ppl"]) - 6 + 11 * (i % 2):.1f}" fill="{c}" '
                           f'font-size="10">{r["label"]}</text>')
        ly = TOP + 10 + 20 * i
        out.append(f'<circle cx="{W - RIGHT + 16}" cy="{ly}" r="4" fill="{c}"/>')
        out.append(f'<text x="{W - RIGHT + 26}" y="{ly + 4}">{s}</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
