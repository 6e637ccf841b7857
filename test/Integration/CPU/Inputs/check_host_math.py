#!/usr/bin/env python3
"""Checks host-math-libm.mlir's printout: row 0 holds the inputs x, the
other rows f(x) for the functions listed below, recomputed here with
Python's math module (double precision). A missing or wrong libm call
(erfc for erf, a swapped row, f16 not widened) is off by far more than the
tolerance, which covers f32 rounding and the 6 printed digits. Each row has
a relative tolerance and an absolute floor; expm1 and log1p of values
around 1e-6 have none, as exp(x) - 1 is off there by about 1e-8 (f32's
step at 1), far below a floor of 1e-6."""
import math
import struct
import sys

from check_matmul import parse_runner


def f16(v):
    return struct.unpack("e", struct.pack("e", v))[0]


ROWS = [
    ("erf", math.erf, 6e-6),
    ("erfc", math.erfc, 6e-6),
    ("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x), 6e-6),
    ("asinh", math.asinh, 6e-6),
    ("acosh(|x| + 1)", lambda x: math.acosh(abs(x) + 1), 6e-6),
    ("atanh(x / 4)", lambda x: math.atanh(x / 4), 6e-6),
    ("expm1(x * 1e-6)", lambda x: math.expm1(x * 1e-6), 6e-6, 0),
    ("log1p(x * 1e-6)", lambda x: math.log1p(x * 1e-6), 6e-6, 0),
    ("erf on f16", lambda x: f16(math.erf(f16(x))), 1e-3),
    ("exact GELU, vector erf",
     lambda x: x * 0.5 * (1 + math.erf(x * 0.70710678)), 6e-6),
]


def main():
    shape, got = parse_runner(open(sys.argv[1]).read())
    if shape != [len(ROWS) + 1, 8]:
        sys.exit(f"check_host_math: FAIL shape {shape}")
    xs = got[:8]
    for row, (name, fn, tol, *floor) in enumerate(ROWS, start=1):
        floor = floor[0] if floor else 1e-6
        for i, x in enumerate(xs):
            want, have = fn(x), got[row * 8 + i]
            if abs(have - want) > tol * abs(want) + floor:
                sys.exit(f"check_host_math: FAIL {name}({x}) = {have}, "
                         f"want {want}")
    print(f"check_host_math: PASS {len(ROWS)} functions")


if __name__ == "__main__":
    main()
