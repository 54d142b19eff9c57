#!/usr/bin/env python3
"""Draws the link sweep as one SVG: per link, predicted and measured latency and edge J/token against the cut.

Usage: scripts/sweep-chart.py scripts/results/link-sweep.csv scripts/results/link-sweep.svg
Plain SVG, no plotting library: lines are the planner's predictions, dots the measured values.
"""
import collections
import csv
import sys

PANEL_W, PANEL_H, PAD = 420, 190, 46
METRICS = (("latency ms/token", "predicted_ms", "measured_ms", "#1f77b4"),
           ("edge J/token", "predicted_edge_j", "measured_edge_j", "#d62728"))


def panel(x0, y0, title, rows, predicted, measured, colour):
    cuts = [int(r["cut"]) for r in rows]
    values = [float(r[predicted]) for r in rows] + [float(r[measured]) for r in rows]
    lo, hi = min(values), max(values)
    lo, hi = lo - 0.05 * (hi - lo or 1), hi + 0.05 * (hi - lo or 1)
    w, h = PANEL_W - PAD - 10, PANEL_H - PAD

    def px(cut):
        return x0 + PAD + (cut - min(cuts)) / max(1, max(cuts) - min(cuts)) * w

    def py(v):
        return y0 + 20 + (hi - v) / (hi - lo) * h

    out = [f'<text x="{x0 + PAD}" y="{y0 + 14}" font-size="12">{title}</text>',
           f'<rect x="{x0 + PAD}" y="{y0 + 20}" width="{w}" height="{h}" fill="none" stroke="#999"/>']
    for v in (lo, (lo + hi) / 2, hi):
        out.append(f'<text x="{x0 + PAD - 4}" y="{py(v) + 4:.1f}" font-size="10" text-anchor="end">{v:.3g}</text>')
    for c in sorted(set(cuts))[::5]:
        out.append(f'<text x="{px(c):.1f}" y="{y0 + 20 + h + 12}" font-size="10" text-anchor="middle">{c}</text>')
    line = " ".join(f"{px(int(r['cut'])):.1f},{py(float(r[predicted])):.1f}" for r in rows)
    out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    for r in rows:
        out.append(f'<circle cx="{px(int(r["cut"])):.1f}" cy="{py(float(r[measured])):.1f}" r="2.5" '
                   f'fill="{colour}" fill-opacity="0.6"/>')
    return out


def main(csv_path, svg_path):
    links = collections.OrderedDict()
    for r in csv.DictReader(open(csv_path, encoding="utf-8")):
        links.setdefault((r["bandwidth_mbit"], r["rtt_ms"]), []).append(r)
    width, height = 2 * PANEL_W + 20, len(links) * PANEL_H + 50
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="18" font-size="14">Link sweep: planner prediction (line) and measurement (dots) '
           'per cut</text>',
           f'<text x="10" y="34" font-size="11">x: cut (edge runs embedding + layers [0, cut)); '
           f'from {csv_path.split("/")[-1]}</text>']
    for i, ((bw, rtt), rows) in enumerate(links.items()):
        rows.sort(key=lambda r: int(r["cut"]))
        for j, (name, predicted, measured, colour) in enumerate(METRICS):
            svg += panel(10 + j * (PANEL_W + 10), 40 + i * PANEL_H, f"{bw} Mbit/s, {rtt} ms RTT: {name}", rows,
                         predicted, measured, colour)
    svg.append("</svg>")
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")
    print(f"wrote {svg_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    main(sys.argv[1], sys.argv[2])
