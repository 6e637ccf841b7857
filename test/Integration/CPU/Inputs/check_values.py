#!/usr/bin/env python3
"""Compares a printMemrefF32 printout element by element with the values
qblock-inspect --values decodes with the numerics core: same shape, and each
value equal up to printMemrefF32's 6 significant digits (a flipped bit plane
or a wrong alpha, offset or scale changes values by far more)."""
import sys

from check_matmul import parse_runner, parse_weights


def main():
    shape, got = parse_runner(open(sys.argv[1]).read())
    _, want_shape, want, _ = parse_weights(open(sys.argv[2]).read())
    if shape != want_shape or len(got) != len(want):
        sys.exit(f"check_values: FAIL shape {shape} != {want_shape}")
    for i, (x, y) in enumerate(zip(got, want)):
        if abs(x - y) > 5e-6 * abs(y) + 1e-37:
            sys.exit(f"check_values: FAIL element {i}: {x} != {y}")
    print(f"check_values: PASS {len(got)} values")


if __name__ == "__main__":
    main()
