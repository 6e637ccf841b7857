#!/usr/bin/env python3
"""Checks kernel-math.mlir's printout: one row each of erf, erfc and cbrt of
x = (t - 4) / 4 for the threads t = 0..7, recomputed here with Python's
math module (double precision). A missing or wrong call (erfc for erf, a
swapped row) is off by far more than the tolerance, which covers f32
rounding and the 6 printed digits."""
import math
import re
import sys

FUNCTIONS = [
    ("erf", math.erf),
    ("erfc", math.erfc),
    ("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x)),
]


def main():
    rows = [[float(v) for v in re.findall(r"[-+]?[0-9.]+(?:e[-+]?[0-9]+)?",
                                           line)]
            for line in open(sys.argv[1])
            if line.lstrip().startswith("[")]
    if len(rows) != len(FUNCTIONS) or any(len(r) != 8 for r in rows):
        sys.exit(f"check_kernel_math: FAIL expected 3 rows of 8, got {rows}")
    for (name, fn), row in zip(FUNCTIONS, rows):
        for t, have in enumerate(row):
            x = (t - 4) / 4
            want = fn(x)
            if abs(have - want) > 6e-6 * abs(want) + 1e-6:
                sys.exit(f"check_kernel_math: FAIL {name}({x}) = {have}, "
                         f"want {want}")
    print(f"check_kernel_math: PASS {len(FUNCTIONS)} functions")


if __name__ == "__main__":
    main()
