#!/usr/bin/env python3
"""Folds lit's per-outcome counts in a test log into the one line CI reads.

usage: lit-summary.py LABEL LOG   ->   "LABEL: P passed, F failed, S skipped"
"""
import re
import sys

label, log = sys.argv[1], sys.argv[2]
counts = {}
outcome = re.compile(
    r"\s*(Passed|Failed|Unsupported|Expectedly Failed|Unexpectedly Passed"
    r"|Unresolved|Timed Out|Skipped|Excluded)\s*:\s*(\d+)")
for line in open(log, errors="replace"):
    m = outcome.match(line)
    if m:
        counts[m.group(1)] = int(m.group(2))
passed = counts.get("Passed", 0) + counts.get("Expectedly Failed", 0)
failed = sum(counts.get(k, 0)
             for k in ("Failed", "Unexpectedly Passed", "Unresolved", "Timed Out"))
skipped = counts.get("Unsupported", 0) + counts.get("Skipped", 0)
print(f"{label}: {passed} passed, {failed} failed, {skipped} skipped")
