#!/usr/bin/env python3
"""Requires the first two printMemrefF32 outputs in a file (run-time and
folded) to hold identical values (NaN equal to NaN), and at least one of
them non-trivial. An optional third output is a mask: where it is 1 the
first output must be NaN (a block that held NaN or Inf) and the folded one
is not compared."""
import math
import re
import sys

text = open(sys.argv[1]).read()
blocks = re.split(r"Unranked Memref", text)[1:]
if len(blocks) not in (2, 3):
    sys.exit(f"check_same: expected 2 or 3 printed memrefs, got {len(blocks)}")
values = [re.findall(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)",
                     b.split("data =", 1)[1], re.I) for b in blocks]
if len(values[0]) != len(values[1]):
    sys.exit("check_same: FAIL lengths differ")
mask = [float(v) for v in values[2]] if len(values) == 3 else [0.0] * len(values[0])
nan_blocks = 0
diffs = []
for i, (a, b, m) in enumerate(zip(values[0], values[1], mask)):
    if m != 0.0:
        nan_blocks += 1
        if not math.isnan(float(a)):
            diffs.append(i)
    elif a != b:
        diffs.append(i)
if diffs:
    i = diffs[0]
    sys.exit(f"check_same: FAIL {len(diffs)} of {len(values[0])} differ, "
             f"first at {i}: {values[0][i]} vs {values[1][i]}"
             + (" (expected NaN)" if mask[i] else ""))
nonzero = sum(1 for v, m in zip(values[0], mask) if m == 0.0 and float(v) != 0.0)
print(f"check_same: PASS {len(values[0]) - nan_blocks} values identical "
      f"({nonzero} non-zero), {nan_blocks} NaN as expected")
