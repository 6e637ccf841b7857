#!/usr/bin/env python3
"""Compares two printMemrefF32 outputs: same shape, NaN in the same places,
and max |a - b| <= rtol * max |b| elsewhere."""
import argparse
import json
import math
import sys

from check_matmul import parse_runner


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("got")
    p.add_argument("want")
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--expect-nan-rows", type=int, default=0,
                   help="require exactly this many output rows to be all NaN")
    p.add_argument("--want-scale-from", default="",
                   help="a gen_matmul.py --acts-out file: multiply `want` by "
                        "its act_tensor_scale first (a power of two)")
    p.add_argument("--nonzero", action="store_true",
                   help="fail when `want` is all zeros (where the inputs "
                        "make zeros a symptom, not a result)")
    args = p.parse_args()
    shape_a, a = parse_runner(open(args.got).read())
    shape_b, b = parse_runner(open(args.want).read())
    if args.want_scale_from:
        with open(args.want_scale_from) as f:
            factor = json.load(f)["act_tensor_scale"]
        b = [v * factor for v in b]
    if shape_a != shape_b:
        sys.exit(f"check_close: FAIL shapes {shape_a} != {shape_b}")
    worst = scale = 0.0
    for x, y in zip(a, b):
        if math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                sys.exit("check_close: FAIL NaN in one output only")
            continue
        worst = max(worst, abs(x - y))
        scale = max(scale, abs(y))
    width = shape_a[-1]
    nan_rows = sum(1 for r in range(len(a) // width)
                   if all(math.isnan(v) for v in a[r * width:(r + 1) * width]))
    partial = sum(1 for r in range(len(a) // width)
                  if any(math.isnan(v) for v in a[r * width:(r + 1) * width]))
    if nan_rows != args.expect_nan_rows or partial != nan_rows:
        sys.exit(f"check_close: FAIL {nan_rows} all-NaN rows ({partial} with "
                 f"any NaN), expected {args.expect_nan_rows}")
    if args.nonzero and scale == 0:
        sys.exit("check_close: FAIL the outputs are all zeros")
    ok = worst <= args.rtol * scale
    print(f"check_close: {'PASS' if ok else 'FAIL'} max_abs_diff={worst:.3e} "
          f"max_abs={scale:.3e} nan_rows={nan_rows}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
