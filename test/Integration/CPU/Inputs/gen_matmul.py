#!/usr/bin/env python3
"""Writes a runnable module for a CPU integration test: a linalg matmul (or
batch matmul) with random constant weights and random activations, whose
@main prints the result with printMemrefF32. The activations also go to a
JSON file so check_matmul.py can recompute the product from the decoded
weights. Standard library only; a fixed seed keeps tests reproducible."""
import argparse
import json
import math
import random
import sys
import struct


# A quiet NaN's bits in each type: MLIR reads a hex float literal as the
# type's own bits.
NAN_BITS = {"f32": "0x7FC00000", "f16": "0x7E00", "bf16": "0x7FC0"}


def fmt(v, kind):
    if v != v:
        return NAN_BITS[kind]
    text = f"{v:.9g}"
    # MLIR float literals need a '.' or an exponent.
    return text if any(c in text for c in ".en") else text + ".0"


def round_to(v, kind):
    """The value as the activation type stores it (round to nearest even),
    so the JSON the checker reads and the IR constant agree exactly."""
    if kind == "f16":
        return struct.unpack("<e", struct.pack("<e", v))[0]
    if kind == "bf16":
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        bits += 0x7FFF + ((bits >> 16) & 1)
        return struct.unpack("<f", struct.pack("<I", bits & 0xFFFF0000))[0]
    return struct.unpack("<f", struct.pack("<f", v))[0]


def dense(values, shape, kind):
    if len(shape) == 1:
        return "[" + ", ".join(fmt(v, kind) for v in values) + "]"
    step = len(values) // shape[0]
    return "[" + ", ".join(dense(values[i * step:(i + 1) * step], shape[1:],
                                 kind)
                           for i in range(shape[0])) + "]"


def nvfp4_tensor_scale(weights):
    """2^e for the smallest e with max |w| / 2^e <= 448 * 6 (E4M3's largest
    scale times E2M1's largest value), clamped to 2^-126..2^127; 1 for
    all-zero weights. Written from the rule in docs/formats.md, not from
    the pass's code."""
    amax = max(abs(v) for v in weights)
    if amax == 0:
        return 1.0
    mantissa, exponent = math.frexp(amax / (448.0 * 6.0))
    # amax / 2688 = mantissa * 2^exponent, mantissa in [0.5, 1): ceil(log2)
    # is exponent, or exponent - 1 when the quotient is a power of two.
    e = exponent - 1 if mantissa == 0.5 else exponent
    # The quotient is rounded; settle e exactly on the unrounded condition.
    while amax / 2.0 ** e > 2688.0:
        e += 1
    while amax / 2.0 ** (e - 1) <= 2688.0:
        e -= 1
    return 2.0 ** min(max(e, -126), 127)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--batch", type=int, default=0, help="0: plain matmul")
    p.add_argument("--transposed", action="store_true",
                   help="weight stored N x K (nn.Linear layout)")
    p.add_argument("--transpose-op", nargs="?", const="named",
                   choices=["named", "generic"],
                   help="weight stored N x K and turned into K x N by a "
                        "linalg.transpose (how torch-mlir lowers nn.Linear) "
                        "or, with 'generic', a linalg.generic that copies "
                        "it transposed (older torch-mlir's aten.t), before "
                        "a plain matmul")
    p.add_argument("--widen-weight", action="store_true",
                   help="the weight constant is f16, widened to f32 by a "
                        "linalg.generic arith.extf (an f16 parameter in an "
                        "f32 model); with --transpose-op generic the one "
                        "generic transposes and widens; needs --act-type "
                        "f32")
    p.add_argument("--shared-weight", choices=["map", "broadcast"],
                   help="with --batch: one 2-D weight for every batch, "
                        "through batch_matmul's B indexing map or a "
                        "linalg.broadcast (torch.matmul of 3-D by 2-D)")
    p.add_argument("--vector", choices=["matvec", "vecmat"],
                   help="a GEMV on vectors: linalg.matvec (W: N x K, as "
                        "torch.mv) or linalg.vecmat (W: K x N); needs --m 1")
    p.add_argument("--dynamic-batch", action="store_true",
                   help="with --batch and --dynamic-m: the batch size is "
                        "dynamic too (two dynamic leading dimensions)")
    p.add_argument("--dynamic-k", action="store_true",
                   help="the matmul function takes a ?x? activation (K known "
                        "only from the weight); implies --dynamic-m except "
                        "with --vector")
    p.add_argument("--dynamic-m", action="store_true",
                   help="the matmul function takes a ?xK activation")
    p.add_argument("--act-type", default="f32", choices=["f32", "f16", "bf16"])
    # The result's element type; @main widens it to f32 for printing.
    p.add_argument("--out-type", default="f32", choices=["f32", "f16", "bf16"])
    p.add_argument("--outliers", action="store_true",
                   help="scale a few weight columns up, as LLM weights have")
    p.add_argument("--explicit-act-quant", default="",
                   help="scheme attribute body: quantize and dequantize the "
                        "activations explicitly before the matmul")
    p.add_argument("--act-tensor-scale", action="store_true",
                   help="with --explicit-act-quant: @main passes the "
                        "activations divided by NVFP4's per-tensor scale of "
                        "their largest finite magnitude (what acts=nvfp4 "
                        "does at run time), and --acts-out records it as "
                        "act_tensor_scale, which check_close.py "
                        "--want-scale-from multiplies the output by")
    p.add_argument("--nan-row", type=int, default=-1,
                   help="put a NaN into this activation row")
    p.add_argument("--weight-std", type=float, default=1.0,
                   help="standard deviation of the Gaussian weights")
    p.add_argument("--act-scale", type=float, default=1.0,
                   help="activations are uniform in [-scale, scale]")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--acts-out", required=True)
    args = p.parse_args()
    if {args.act_type, args.out_type} == {"f16", "bf16"}:
        # linalg.matmul's body would add a bf16 to an f16 (there is no cast
        # between the two), which does not verify.
        p.error("--act-type and --out-type cannot be f16 and bf16 together")
    if args.shared_weight and (not args.batch or
                               (args.transpose_op and
                                args.shared_weight == "map")):
        p.error("--shared-weight needs --batch, and --shared-weight map "
                "no --transpose-op")
    if args.shared_weight == "map" and args.transposed:
        p.error("--shared-weight map takes a K x N weight (the only "
                "broadcast linalg.batch_matmul's verifier accepts)")
    if args.vector and (args.m != 1 or args.batch or args.transpose_op or
                        args.shared_weight or args.dynamic_m or
                        args.explicit_act_quant):
        p.error("--vector takes --m 1 and none of --batch, --transpose-op, "
                "--shared-weight, --dynamic-m, --explicit-act-quant")
    if args.act_tensor_scale and not args.explicit_act_quant:
        p.error("--act-tensor-scale scales the activations of the explicit "
                "quantization; add --explicit-act-quant")
    if args.vector == "vecmat" and args.transposed:
        p.error("--vector vecmat takes a K x N matrix; --transposed is "
                "linalg.matvec (--vector matvec)")
    # matvec's matrix is N x K.
    args.transposed |= args.vector == "matvec"
    if args.widen_weight and (args.act_type != "f32" or args.vector or
                              args.shared_weight):
        p.error("--widen-weight needs --act-type f32 and neither --vector "
                "nor --shared-weight")
    if args.transpose_op and args.transposed:
        p.error("--transpose-op already stores the weight N x K")
    args.dynamic_m |= args.dynamic_k and not args.vector
    rng = random.Random(args.seed)
    m, n, k, b = args.m, args.n, args.k, args.batch
    a_t = args.act_type

    batch = [b] if b else []
    w_batch = [] if args.shared_weight else batch
    w_shape = w_batch + ([n, k] if args.transposed or args.transpose_op
                         else [k, n])
    w = [rng.gauss(0.0, args.weight_std)
         for _ in range(eval("*".join(map(str, w_shape))))]
    if args.outliers:
        for i in range(0, len(w), 37):
            w[i] *= 12.0
    x_shape = [k] if args.vector else batch + [m, k]
    x = [rng.uniform(-1.0, 1.0) * args.act_scale
         for _ in range((b or 1) * m * k)]
    x = [round_to(v, a_t) for v in x]
    if args.nan_row >= 0:
        x[args.nan_row * k + k // 2] = float("nan")
    # An f16 constant widened to f32 holds f16 values.
    w = [round_to(v, "f16" if args.widen_weight else a_t) for v in w]
    # NVFP4's per-tensor scale for these weights, which check_matmul.py
    # applies to NVFP4 weights (--qblock-quantize-linalg's tensor-scale).
    acts = {"shape": x_shape, "values": x,
            "nvfp4_tensor_scale": nvfp4_tensor_scale(w)}
    # NVFP4 activations' run-time scale: the same rule on the largest
    # magnitude, NaN ignored, none (1) when it is infinite.
    finite = [abs(v) for v in x if not math.isnan(v)]
    act_scale = 1.0
    if finite and not math.isinf(max(finite)):
        act_scale = nvfp4_tensor_scale(finite)
    acts["act_tensor_scale"] = act_scale
    x_main = x
    if args.act_tensor_scale:
        # Exact in double; printed and parsed as the activation type, it
        # rounds as the pass's f32 multiply and truncation do.
        x_main = [v / act_scale for v in x]
    with open(args.acts_out, "w") as f:
        json.dump(acts, f)

    def tensor(shape, t):
        return "tensor<" + "x".join(map(str, shape)) + f"x{t}>"

    if args.dynamic_batch and (not (b and args.dynamic_m) or args.transpose_op
                               or args.shared_weight == "broadcast"):
        sys.exit("gen_matmul: --dynamic-batch needs --batch and --dynamic-m, "
                 "and takes neither --transpose-op nor --shared-weight "
                 "broadcast")
    m_dim = "?" if args.dynamic_m else str(m)
    if args.dynamic_batch:
        batch = ["?"]
    x_arg = batch + [m_dim, "?" if args.dynamic_k else k]
    if args.vector:
        x_arg = ["?" if args.dynamic_k else k]
    # The matmul's A: the argument, with K made static again where the
    # activations are quantized explicitly (a quantized type's blocked axis
    # is static).
    xa_shape = batch + [m_dim, k] if args.explicit_act_quant else x_arg
    out = [n] if args.vector else batch + [m_dim, n]
    x_arg_t = "tensor<" + "x".join(map(str, x_arg)) + f"x{a_t}>"
    o_t = args.out_type
    out_t = "tensor<" + "x".join(map(str, out)) + f"x{o_t}>"
    out32_t = "tensor<" + "x".join(map(str, out)) + "xf32>"
    widen = (f"  %r32 = arith.extf %r : {out_t} to {out32_t}\n" if o_t != "f32"
             else f"  %r32 = tensor.cast %r : {out_t} to {out32_t}\n")
    if b:
        wb = "" if args.shared_weight == "map" else "b, "
        maps = ("affine_map<(b, m, n, k) -> (b, m, k)>",
                f"affine_map<(b, m, n, k) -> ({wb}n, k)>" if args.transposed
                else f"affine_map<(b, m, n, k) -> ({wb}k, n)>",
                "affine_map<(b, m, n, k) -> (b, m, n)>")
        op = "linalg.batch_matmul"
    else:
        maps = ("affine_map<(m, n, k) -> (m, k)>",
                "affine_map<(m, n, k) -> (n, k)>" if args.transposed
                else "affine_map<(m, n, k) -> (k, n)>",
                "affine_map<(m, n, k) -> (m, n)>")
        op = "linalg.matmul"
    empty_dims = "(%d)" if args.dynamic_m else "()"
    dim_line = (f"  %d = tensor.dim %x, %c{1 if b else 0} : {x_arg_t}\n"
                if args.dynamic_m else "")
    if args.dynamic_batch:
        empty_dims = "(%db, %d)"
        dim_line += f"  %db = tensor.dim %x, %c0 : {x_arg_t}\n"
    # The matmul's B: the constant, or its linalg.transpose.
    b_shape = w_shape
    transpose = ""
    # With --shared-weight broadcast too, the 2-D transpose is broadcast
    # over the batch: torch-mlir's nn.Linear on a 3-D input.
    b_value = "%w"
    w_t = "f16" if args.widen_weight else a_t
    if args.transpose_op == "named":
        b_shape = w_batch + [k, n]
        perm = "[0, 2, 1]" if w_batch else "[1, 0]"
        transpose = (f"  %we = tensor.empty() : {tensor(b_shape, a_t)}\n"
                     f"  %wt = linalg.transpose ins(%w : {tensor(w_shape, a_t)}) "
                     f"outs(%we : {tensor(b_shape, a_t)}) permutation = {perm}\n")
        b_value = "%wt"
    elif args.transpose_op == "generic" or args.widen_weight:
        # One linalg.generic: a copy, transposed and/or widened.
        dims = ["d0", "d1", "d2"][:len(w_shape)]
        source = list(dims)
        if args.transpose_op:
            b_shape = w_batch + [k, n]
            source[-2], source[-1] = source[-1], source[-2]
        body = (f"    %v = arith.extf %in : f16 to {a_t}\n"
                f"    linalg.yield %v : {a_t}\n" if args.widen_weight
                else f"    linalg.yield %in : {a_t}\n")
        ds = ", ".join(dims)
        iterators = ", ".join(['"parallel"'] * len(dims))
        transpose = (
            f"  %we = tensor.empty() : {tensor(b_shape, a_t)}\n"
            f"  %wt = linalg.generic {{indexing_maps = ["
            f"affine_map<({ds}) -> ({', '.join(source)})>, "
            f"affine_map<({ds}) -> ({ds})>], iterator_types = ["
            f"{iterators}]}}\n"
            f"      ins(%w : {tensor(w_shape, w_t)}) "
            f"outs(%we : {tensor(b_shape, a_t)}) {{\n"
            f"  ^bb0(%in: {w_t}, %out: {a_t}):\n{body}"
            f"  }} -> {tensor(b_shape, a_t)}\n")
        b_value = "%wt"
    if args.shared_weight == "broadcast":
        source_shape = b_shape
        b_shape = batch + source_shape
        transpose += (f"  %wbe = tensor.empty() : {tensor(b_shape, a_t)}\n"
                      f"  %wb = linalg.broadcast ins({b_value} : "
                      f"{tensor(source_shape, a_t)}) "
                      f"outs(%wbe : {tensor(b_shape, a_t)}) dimensions = [0]\n")
        b_value = "%wb"
    elif args.shared_weight == "map":
        b_shape = w_shape
    xa_t = "tensor<" + "x".join(map(str, xa_shape)) + f"x{a_t}>"
    if args.vector == "matvec":
        op_line = (f"%r = linalg.matvec ins(%w, %xa : {tensor(w_shape, a_t)}, "
                   f"{xa_t}) outs(%init : {out_t}) -> {out_t}")
    elif args.vector == "vecmat":
        op_line = (f"%r = linalg.vecmat ins(%xa, %w : {xa_t}, "
                   f"{tensor(w_shape, a_t)}) outs(%init : {out_t}) -> {out_t}")
    if not args.vector:
        op_line = (f"%r = {op} indexing_maps = [{', '.join(maps)}]\n"
                   f"       ins(%xa, {b_value} : {xa_t}, {tensor(b_shape, a_t)}) "
                   f"outs(%init : {out_t}) -> {out_t}")
    if args.explicit_act_quant:
        rank = len(x_arg)
        q_t = (f"!qblock.qtensor<{'x'.join(map(str, xa_shape))}x{a_t}, "
               f"#qblock.scheme<{args.explicit_act_quant}>, axis = {rank - 1}>")
        act_quant = (f"  %xs = tensor.cast %x : {x_arg_t} to {xa_t}\n"
                     f"  %xq = qblock.quantize %xs : {xa_t} -> {q_t}\n"
                     f"  %xa = qblock.dequantize %xq : {q_t} -> {xa_t}\n")
    else:
        act_quant = "  %xa = tensor.cast %x : " + x_arg_t + " to " + xa_t + "\n"
    print(f"""// Generated by gen_matmul.py {' '.join(f'--{k}={v}' for k, v in vars(args).items() if k != 'acts_out')}
func.func private @printMemrefF32(tensor<*xf32>)

func.func @matmul(%x: {x_arg_t}) -> {out_t} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
{dim_line}{act_quant}  %w = arith.constant dense<{dense(w, w_shape, w_t)}> : {tensor(w_shape, w_t)}
{transpose}  %zero = arith.constant 0.0 : {o_t}
  %e = tensor.empty{empty_dims} : {out_t}
  %init = linalg.fill ins(%zero : {o_t}) outs(%e : {out_t}) -> {out_t}
  {op_line}
  return %r : {out_t}
}}

func.func @main() {{
  %x = arith.constant dense<{dense(x_main, x_shape, args.act_type)}> : {tensor(x_shape, a_t)}
  %xa = tensor.cast %x : {tensor(x_shape, a_t)} to {x_arg_t}
  %r = call @matmul(%xa) : ({x_arg_t}) -> {out_t}
{widen}  %u = tensor.cast %r32 : {out32_t} to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}}""")


if __name__ == "__main__":
    main()
