#!/usr/bin/env python3
"""Requires the two printMemrefF32 outputs in a file to hold identical values
(NaN equal to NaN), and at least one of them non-trivial."""
import re
import sys

text = open(sys.argv[1]).read()
blocks = re.split(r"Unranked Memref", text)[1:]
if len(blocks) != 2:
    sys.exit(f"check_same: expected 2 printed memrefs, got {len(blocks)}")
values = [re.findall(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)",
                     b.split("data =", 1)[1], re.I) for b in blocks]
if values[0] != values[1]:
    diffs = [i for i, (a, b) in enumerate(zip(*values)) if a != b]
    sys.exit(f"check_same: FAIL {len(diffs)} of {len(values[0])} differ, "
             f"first at {diffs[:1]}: {values[0][diffs[0]]} vs {values[1][diffs[0]]}"
             if diffs else "check_same: FAIL lengths differ")
nonzero = sum(1 for v in values[0] if float(v) != 0.0)
print(f"check_same: PASS {len(values[0])} values identical ({nonzero} non-zero)")
