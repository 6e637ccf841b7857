#!/usr/bin/env python3
"""Checks that two program outputs print the same numbers, token by token,
up to one unit in the last printed decimal (summation order differs
between CPU and GPU builds)."""
import re
import sys

NUMBER = re.compile(r"-?\d+\.\d+")
a, b = (NUMBER.findall(open(path).read()) for path in sys.argv[1:3])
if not a or len(a) != len(b):
    sys.exit(f"same_numbers: FAIL {len(a)} vs {len(b)} numbers")
for x, y in zip(a, b):
    unit = 10.0 ** -len(x.split(".")[1])
    if abs(float(x) - float(y)) > 1.01 * unit:
        sys.exit(f"same_numbers: FAIL {x} vs {y}")
print(f"same_numbers: PASS {len(a)} numbers")
