#!/usr/bin/env python3
"""Writes a module for the run-time quantization test: @runtime quantizes and
dequantizes its argument with compiled loops, @folded does the same to a
constant, which `quant-opt -canonicalize` folds at compile time with the
numerics core. @main prints both; check_same.py requires identical output."""
import argparse
import random
import re


def block_size(scheme):
    """The block size a #qblock.scheme<...> body spells (preset default
    otherwise)."""
    m = re.search(r"block\s*=\s*(\d+)", scheme)
    if m:
        return int(m.group(1))
    return 16 if scheme.strip().startswith("nvfp4") else 32


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shape", required=True, help="e.g. 3x64")
    p.add_argument("--axis", type=int, required=True)
    p.add_argument("--scheme", required=True,
                   help="scheme attribute body, e.g. 'blockdialect, select = two_stage'")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--special", action="store_true",
                   help="add zero, tiny, huge and NaN/Inf blocks")
    p.add_argument("--wide", action="store_true",
                   help="spread blocks over 2^-16..2^12 and make half of "
                        "them E4M3 rounding ties (amax / 6 halfway between "
                        "two E4M3 values, normal or subnormal); needs the "
                        "blocked axis innermost")
    p.add_argument("--dynamic", action="store_true",
                   help="@runtime takes every dimension but the blocked "
                        "one as dynamic")
    args = p.parse_args()
    rng = random.Random(args.seed)
    shape = [int(s) for s in args.shape.split("x")]
    count = 1
    for s in shape:
        count *= s
    values = [rng.gauss(0, 1) * (8.0 if rng.random() < 0.03 else 1.0)
              for _ in range(count)]
    if args.wide:
        if args.axis != len(shape) - 1:
            p.error("--wide needs the blocked axis innermost")
        block = block_size(args.scheme)
        for first in range(0, count, block):
            run = values[first:first + block]
            peak = max(abs(v) for v in run) or 1.0
            if rng.random() < 0.5:
                amax = peak * 2.0 ** rng.randint(-16, 12)
            elif rng.random() < 0.7:
                # Halfway between (8 + m) 2^(E-3) and the next E4M3 value.
                amax = 6.0 * (2 * rng.randint(8, 15) + 1) * 2.0 ** (
                    rng.randint(-6, 7) - 4)
            else:
                # Halfway between subnormals m 2^-9 and (m + 1) 2^-9.
                amax = 6.0 * (2 * rng.randint(0, 7) + 1) * 2.0 ** -10
            at = max(range(block), key=lambda i: abs(run[i]))
            for i in range(block):
                values[first + i] = run[i] / peak * amax * 0.999
            values[first + at] = amax if run[at] >= 0 else -amax
    if args.special and count < 141:
        p.error("--special writes elements 0..140; give a shape of at "
                "least 141 elements")
    if args.special:
        # Whole leading runs of 32 elements along the flat order; with the
        # blocked axis innermost these are whole blocks.
        for i in range(32):
            values[i] = 0.0
            values[32 + i] = rng.gauss(0, 1) * 1e-39
            values[64 + i] = rng.gauss(0, 1) * 3e37
        values[100] = float("nan")
        values[140] = float("inf")

    # The compile-time fold refuses non-finite constants (they are a user
    # error for weights), so @folded quantizes a copy with them zeroed and
    # @main prints a mask of the blocks that held them: there the run-time
    # result must be NaN, elsewhere identical to the fold.
    inner = 1
    for s in shape[args.axis + 1:]:
        inner *= s
    k = shape[args.axis]
    block = block_size(args.scheme)
    def block_of(i):
        return (i // (inner * k), ((i // inner) % k) // block, i % inner)
    bad = {block_of(i) for i, v in enumerate(values) if v != v or abs(v) == float("inf")}
    folded = [0.0 if block_of(i) in bad else v for i, v in enumerate(values)]
    mask = [1.0 if block_of(i) in bad else 0.0 for i in range(count)]

    def lit(v):
        if v != v:
            return "0x7FC00000"
        if v == float("inf"):
            return "0x7F800000"
        return f"{v:.9e}"

    def dense(vals, dims):
        if len(dims) == 1:
            return "[" + ", ".join(lit(v) for v in vals) + "]"
        step = len(vals) // dims[0]
        return "[" + ", ".join(dense(vals[i * step:(i + 1) * step], dims[1:])
                               for i in range(dims[0])) + "]"

    t = "tensor<" + "x".join(map(str, shape)) + "xf32>"
    q = (f"!qblock.qtensor<{'x'.join(map(str, shape))}xf32, "
         f"#qblock.scheme<{args.scheme}>, axis = {args.axis}>")
    dims = [str(s) if d == args.axis or not args.dynamic else "?"
            for d, s in enumerate(shape)]
    rt = "tensor<" + "x".join(dims) + "xf32>"
    rq = (f"!qblock.qtensor<{'x'.join(dims)}xf32, "
          f"#qblock.scheme<{args.scheme}>, axis = {args.axis}>")
    print(f"""func.func private @printMemrefF32(tensor<*xf32>)

func.func @runtime(%x: {rt}) -> {rt} {{
  %q = qblock.quantize %x : {rt} -> {rq}
  %d = qblock.dequantize %q : {rq} -> {rt}
  return %d : {rt}
}}

func.func @folded() -> {t} {{
  %x = arith.constant dense<{dense(folded, shape)}> : {t}
  %q = qblock.quantize %x : {t} -> {q}
  %d = qblock.dequantize %q : {q} -> {t}
  return %d : {t}
}}

func.func @main() {{
  %x = arith.constant dense<{dense(values, shape)}> : {t}
  %xr = tensor.cast %x : {t} to {rt}
  %a = call @runtime(%xr) : ({rt}) -> {rt}
  %b = call @folded() : () -> {t}
  %ua = tensor.cast %a : {rt} to tensor<*xf32>
  %ub = tensor.cast %b : {t} to tensor<*xf32>
  call @printMemrefF32(%ua) : (tensor<*xf32>) -> ()
  call @printMemrefF32(%ub) : (tensor<*xf32>) -> ()
  %mask = arith.constant dense<{dense(mask, shape)}> : {t}
  %um = tensor.cast %mask : {t} to tensor<*xf32>
  call @printMemrefF32(%um) : (tensor<*xf32>) -> ()
  return
}}""")


if __name__ == "__main__":
    main()
