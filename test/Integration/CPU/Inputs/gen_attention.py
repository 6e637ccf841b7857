#!/usr/bin/env python3
"""Writes an attention-shaped module: @scores(Q [B,S,D], K^T [B,D,S])
(--op scores) or @scores(P [B,S,S], V [B,S,D]) (--op values: the
probabilities times V, reducing over S) as a linalg.batch_matmul of two
run-time activations, called by @main on random data that prints the
result. With --explicit SCHEME both operands are quantized and dequantized
explicitly (blocked along the reduction dimension) before a float
batch_matmul: the reference for full-path quantization."""
import argparse
import random


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--b", type=int, default=2)
    p.add_argument("--s", type=int, default=5)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--op", choices=["scores", "values"], default="scores")
    p.add_argument("--explicit", default="")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    b, s, d = args.b, args.s, args.d

    def dense(n):
        return "[" + ", ".join(f"{rng.gauss(0, 1):.6e}" for _ in range(n)) + "]"

    # lhs [B, M, K] x rhs [B, K, N]
    m, k, n = (s, d, s) if args.op == "scores" else (s, s, d)
    qt = f"tensor<{b}x{m}x{k}xf32>"
    kt = f"tensor<{b}x{k}x{n}xf32>"
    ot = f"tensor<{b}x{m}x{n}xf32>"
    lhs, rhs, prologue = "%q", "%k", ""
    if args.explicit:
        qq = f"!qblock.qtensor<{b}x{m}x{k}xf32, #qblock.scheme<{args.explicit}>, axis = 2>"
        kq = f"!qblock.qtensor<{b}x{k}x{n}xf32, #qblock.scheme<{args.explicit}>, axis = 1>"
        prologue = (f"  %q1 = qblock.quantize %q : {qt} -> {qq}\n"
                    f"  %q2 = qblock.dequantize %q1 : {qq} -> {qt}\n"
                    f"  %k1 = qblock.quantize %k : {kt} -> {kq}\n"
                    f"  %k2 = qblock.dequantize %k1 : {kq} -> {kt}\n")
        lhs, rhs = "%q2", "%k2"
    print(f"""func.func private @printMemrefF32(tensor<*xf32>)

func.func @scores(%q: {qt}, %k: {kt}) -> {ot} {{
{prologue}  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : {ot}
  %init = linalg.fill ins(%zero : f32) outs(%e : {ot}) -> {ot}
  %r = linalg.batch_matmul ins({lhs}, {rhs} : {qt}, {kt}) outs(%init : {ot}) -> {ot}
  return %r : {ot}
}}

func.func @main() {{
  %q0 = arith.constant dense<{dense(b * m * k)}> : tensor<{b * m * k}xf32>
  %k0 = arith.constant dense<{dense(b * k * n)}> : tensor<{b * k * n}xf32>
  %q = tensor.expand_shape %q0 [[0, 1, 2]] output_shape [{b}, {m}, {k}] : tensor<{b * m * k}xf32> into {qt}
  %k = tensor.expand_shape %k0 [[0, 1, 2]] output_shape [{b}, {k}, {n}] : tensor<{b * k * n}xf32> into {kt}
  %r = call @scores(%q, %k) : ({qt}, {kt}) -> {ot}
  %u = tensor.cast %r : {ot} to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}}""")


if __name__ == "__main__":
    main()
