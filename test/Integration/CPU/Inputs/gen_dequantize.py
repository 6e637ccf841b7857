#!/usr/bin/env python3
"""Writes a module whose @main quantizes a random constant (any scheme, e.g.
a BCQ one) and prints its qblock.dequantize with printMemrefF32. After
--qblock-select-formats the weight is a packed qblock.constant, so the
dequantize runs as compiled code; check_values.py compares the printout with
the numerics core's decoding (qblock-inspect --values). Standard library
only; a fixed seed keeps tests reproducible."""
import argparse
import random


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shape", required=True, help="e.g. 256x3")
    p.add_argument("--axis", type=int, required=True)
    p.add_argument("--scheme", required=True,
                   help="scheme attribute, e.g. '#qblock.bcq<bits = 3, group = 64>'")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    shape = [int(s) for s in args.shape.split("x")]
    rng = random.Random(args.seed)
    count = 1
    for d in shape:
        count *= d
    values = [f"{rng.gauss(0.0, 1.0):.6e}" for _ in range(count)]

    def nest(flat, dims):
        if len(dims) == 1:
            return "[" + ", ".join(flat) + "]"
        step = len(flat) // dims[0]
        return "[" + ", ".join(nest(flat[i * step:(i + 1) * step], dims[1:])
                               for i in range(dims[0])) + "]"
    dims = "x".join(str(d) for d in shape)
    tensor = f"tensor<{dims}xf32>"
    qtype = f"!qblock.qtensor<{dims}xf32, {args.scheme}, axis = {args.axis}>"
    print(f"""func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {{
  %w = arith.constant dense<{nest(values, shape)}> : {tensor}
  %q = qblock.quantize %w : {tensor} -> {qtype}
  %d = qblock.dequantize %q : {qtype} -> {tensor}
  %u = tensor.cast %d : {tensor} to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}}""")


if __name__ == "__main__":
    main()
