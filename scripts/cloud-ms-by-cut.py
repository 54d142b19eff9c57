#!/usr/bin/env python3
"""Median worker compute per decode token, by cut, from a cloud worker's log.

Reads the worker's per-token energy lines (logger edgesplit.energy, JSON with "cut", "positions" and "cloud_ms")
and prints, for each cut, the median of its decode steps (one position each) and how many there were.

Usage: scripts/cloud-ms-by-cut.py CLOUD_LOG [CLOUD_LOG ...]
"""
import collections
import json
import statistics
import sys


def main(paths):
    steps = collections.defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as log:
            for line in log:
                start = line.find('{"event":"token"')
                if start < 0:
                    continue
                try:
                    event = json.loads(line[start:])
                except json.JSONDecodeError:
                    continue
                if event.get("side") == "cloud" and event.get("positions") == 1 and "cloud_ms" in event:
                    steps[event["cut"]].append(event["cloud_ms"])
    if not steps:
        sys.exit("no decode-step energy lines (edgesplit.energy, side cloud) in " + ", ".join(paths))
    print("cut  median cloud ms  steps")
    for cut in sorted(steps):
        print(f"{cut:>3}  {statistics.median(steps[cut]):15.3f}  {len(steps[cut]):>5}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1:])
