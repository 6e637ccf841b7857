#!/usr/bin/env python3
"""Checks a compiled matmul's printed output against an independent product:
activations from gen_matmul.py's JSON, weights as decoded by the numerics
core (qblock-inspect --values), summed here in double precision.

Passes when max |got - ref| <= rtol * max |ref|; with --rounded-to f16|bf16
(half-precision results, rounded once from an f32 sum) each output may also
be off by half a unit in the last place of its reference in that format,
which is exactly what a correctly rounded result can be. Prints one line
either way and exits non-zero on failure, on a shape mismatch, or on any
NaN."""
import argparse
import json
import math
import re
import sys


def parse_runner(text):
    # One printed tensor: with two, the second's header (its base address
    # among them) would be read as numbers.
    printed = text.count("Unranked Memref")
    if printed > 1:
        sys.exit("check_matmul: %d printMemrefF32 outputs found; these "
                 "checks read exactly one" % printed)
    match = re.search(r"sizes = \[([^\]]*)\].*?data =\s*(.*)", text, re.S)
    if not match:
        sys.exit("check_matmul: no printMemrefF32 output found")
    shape = [int(s) for s in match.group(1).split(",") if s.strip()]
    numbers = re.findall(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)",
                         match.group(2), re.I)
    return shape, [float(v) for v in numbers]


def parse_weights(text):
    """(axis, shape, values, is_nvfp4) of the first weight in qblock-inspect
    output."""
    lines = text.split("\n")
    nvfp4 = any(line.startswith("qblock.constant") and "scheme<nvfp4" in line
                for line in lines)
    for i, line in enumerate(lines):
        if line.startswith("values "):
            parts = line.split()
            axis = int(parts[2])
            shape = [int(s) for s in parts[3:]]
            values = [float(v) for v in lines[i + 1].split()]
            return axis, shape, values, nvfp4
    sys.exit("check_matmul: no 'values' block in qblock-inspect output")


# Bits of precision (with the implicit one) and the smallest normal
# exponent of each half format.
HALF_FORMATS = {"f16": (11, -14), "bf16": (8, -126)}


def half_ulp(value, fmt):
    """Half a unit in the last place of `value` in the half format `fmt`:
    the largest error of rounding `value` to it to nearest."""
    precision, min_exponent = HALF_FORMATS[fmt]
    exponent = math.frexp(abs(value))[1] - 1 if value else min_exponent
    return math.ldexp(1.0, max(exponent, min_exponent) - precision)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("runner_output")
    p.add_argument("acts_json")
    p.add_argument("weights")
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--rounded-to", choices=sorted(HALF_FORMATS),
                   help="results are in this half format: each output may "
                        "also differ by half an ulp of its reference in it")
    p.add_argument("--tensor-scale", choices=["auto", "off"], default="auto",
                   help="auto: NVFP4 weights carry the per-tensor scale "
                        "(quantize-linalg's default); off: tensor-scale=false")
    args = p.parse_args()
    got_shape, got = parse_runner(open(args.runner_output).read())
    acts = json.load(open(args.acts_json))
    x_shape, x = acts["shape"], acts["values"]
    axis, w_shape, w, nvfp4 = parse_weights(open(args.weights).read())
    # NVFP4 weights from --qblock-quantize-linalg (tensor-scale=true, the
    # default) hold w / 2^e and the matmul's result is multiplied by 2^e;
    # gen_matmul.py computed 2^e from its weights by the documented rule.
    if nvfp4 and args.tensor_scale == "auto":
        if "nvfp4_tensor_scale" not in acts:
            sys.exit("check_matmul: NVFP4 weights, but the JSON gives no "
                     "nvfp4_tensor_scale; pass --tensor-scale off for "
                     "modules quantized with tensor-scale=false")
        tensor_scale = acts["nvfp4_tensor_scale"]
        w = [v * tensor_scale for v in w]

    rank = len(w_shape)
    # A 2-D weight with 3-D activations is shared by every batch.
    batched = len(x_shape) == 3
    batch = x_shape[0] if batched else 1
    transposed = axis == rank - 1
    k = w_shape[axis]
    n = w_shape[rank - 2] if transposed else w_shape[rank - 1]
    # A vector activation (linalg.matvec / vecmat) gives a vector result.
    vector = len(x_shape) == 1
    m = 1 if vector else x_shape[-2]
    want_shape = [n] if vector else ([batch] if batched else []) + [m, n]
    if got_shape != want_shape:
        sys.exit(f"check_matmul: FAIL shape {got_shape} != {want_shape}")

    worst, scale = 0.0, 0.0
    for b in range(batch):
        for i in range(m):
            for j in range(n):
                ref = 0.0
                wb = b if rank == 3 else 0
                for kk in range(k):
                    if transposed:
                        wv = w[(wb * n + j) * k + kk]
                    else:
                        wv = w[(wb * k + kk) * n + j]
                    ref += x[(b * m + i) * k + kk] * wv
                value = got[(b * m + i) * n + j]
                if math.isnan(value) or math.isinf(value):
                    sys.exit(f"check_matmul: FAIL non-finite output at "
                             f"[{b}, {i}, {j}]")
                error = abs(value - ref)
                if args.rounded_to:
                    error = max(0.0, error - half_ulp(ref, args.rounded_to))
                worst = max(worst, error)
                scale = max(scale, abs(ref))
    # Relative to the largest output: an absolute floor would pass any
    # answer for tiny outputs (activations around 1e-38 give outputs around
    # 1e-36). All-zero outputs must be exactly zero.
    bound = args.rtol * scale
    rel = worst / scale if scale else (math.inf if worst else 0.0)
    verdict = "PASS" if worst <= bound else "FAIL"
    beyond = f" beyond half an {args.rounded_to} ulp" if args.rounded_to else ""
    print(f"check_matmul: {verdict} max_abs_err={worst:.3e}{beyond} "
          f"max_abs_ref={scale:.3e} rel={rel:.2e} "
          f"rtol={args.rtol:g}")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
