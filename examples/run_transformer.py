#!/usr/bin/python3
"""Lowers the float and the quantized transformer block for the CPU, JIT-runs
both on the same random input through the qblock Python package, and prints
the error of each against a NumPy float64 model and the speed of the
quantized build against the float build.

    PYTHONPATH=build/python_packages /usr/bin/python3 examples/run_transformer.py \
        FLOAT.mlir QUANTIZED.mlir [--runs 20]

FLOAT.mlir is what examples/make_transformer.py wrote (its first line says
how, so the NumPy model regenerates the same weights); QUANTIZED.mlir is the
same module after --qblock-quantize-linalg / --qblock-select-formats.
Both go through --qblock-cpu-pipeline here.
"""
import argparse
import os
import shlex
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_transformer  # noqa: E402
import qblock  # noqa: E402


def generator_args(path):
    with open(path) as f:
        first = f.readline().split()
    if first[:4] != ["//", "Generated", "by", "examples/make_transformer.py"]:
        sys.exit(f"{path}: not written by examples/make_transformer.py")
    return make_transformer.parse_args(first[4:])


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def timed(module, x, runs):
    module.run("forward", x)  # JIT compile and warm up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        module.run("forward", x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("float_mlir")
    parser.add_argument("quantized_mlir")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed runs per build (median); 0 skips timing")
    parser.add_argument("--bound", type=float, default=0.1,
                        help="rel L2 of quantized vs float above which the run is reported as wrong")
    args = parser.parse_args()
    g = generator_args(args.float_mlir)
    ws = make_transformer.make_weights(g.d_model, g.d_ff, g.seed)
    x = make_transformer.make_input(g.seq, g.d_model, g.seed)
    y_ref = make_transformer.reference(x, ws, g.heads)

    t0 = time.perf_counter()
    with open(args.float_mlir) as f:
        m_float = qblock.compile(f.read(), "qblock-cpu-pipeline")
    with open(args.quantized_mlir) as f:
        m_quant = qblock.compile(f.read(), "qblock-cpu-pipeline")
    y_float = m_float.run("forward", x)
    y_quant = m_quant.run("forward", x)
    print(f"lowered and JIT-compiled both builds in {time.perf_counter() - t0:.1f} s; "
          f"input x: {g.seq}x{g.d_model} (seed {g.seed + 1000})")

    print(f"float build     vs NumPy float64: rel L2 {rel_l2(y_float, y_ref):.2e}, "
          f"max abs {np.abs(y_float - y_ref).max():.2e}")
    print(f"quantized build vs NumPy float64: rel L2 {rel_l2(y_quant, y_ref):.2e}, "
          f"max abs {np.abs(y_quant - y_ref).max():.2e}")
    # The residual stream carries x through unchanged; the block's own
    # contribution (y - x) is what quantization perturbs.
    delta_ref = y_ref - x
    print(f"quantized build vs float build:   rel L2 {rel_l2(y_quant, y_float):.2e}, "
          f"max abs {np.abs(y_quant - y_float).max():.2e}; "
          f"on the block's update y - x: rel L2 {rel_l2(y_quant - x, delta_ref):.2e}")

    # What 4-bit weights alone should cost: the NumPy model with the weights
    # dequantized by the numerics core (the bytes --qblock-select-formats
    # embeds), float activations.
    wq = {k: qblock.dequantize(qblock.quantize(w, "blockdialect", axis=1), w.shape,
                               "blockdialect", axis=1) for k, w in ws.items()}
    y_sim = make_transformer.reference(x, wq, g.heads)
    err = rel_l2(y_quant, y_float)
    print(f"expected for BlockDialect W4A16 (NumPy, dequantized weights): rel L2 "
          f"{rel_l2(y_sim, y_ref):.2e} vs float")
    if err > args.bound:
        print(f"WARNING: quantized error {err:.2e} exceeds {args.bound}: the quantized build "
              "is wrong, not just imprecise")
    else:
        print(f"quantized error {err:.2e} is within {args.bound}")

    if args.runs > 0:
        t_float = timed(m_float, x, args.runs)
        t_quant = timed(m_quant, x, args.runs)
        ratio = t_float / t_quant
        verdict = "faster" if ratio > 1 else "slower"
        print(f"time per forward (median of {args.runs}): float {t_float * 1e3:.3f} ms, "
              f"quantized {t_quant * 1e3:.3f} ms -> quantized is {max(ratio, 1 / ratio):.2f}x "
              f"{verdict} (threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'default')})")


if __name__ == "__main__":
    main()
