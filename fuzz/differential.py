#!/usr/bin/env python3
"""Differential testing of the CPU pipeline against NumPy.

Each case is drawn at random: a constant weight of some distribution
(Gaussian, outliers, zero blocks, subnormals, ties, ...), a linalg op that
multiplies by it (matmul, transposed or batched, a generic, matvec,
vecmat), a scheme and its options (--qblock-quantize-linalg's block,
select, acts, tensor-scale, BCQ bits, group and fit, --qblock-fuse-
activation-quant, --qblock-select-formats' budget, --qblock-cpu-pipeline's
target and lut-tables), element types and a static or dynamic M. The module
is compiled and run through the Python package, and its output compared
with a float64 NumPy product of the activations and the weights the
compiler packed: the packed bytes must equal qblock.quantize of the same
weight (BCQ's are also decoded by an independent NumPy decoder), and for
acts= the activations go through the numerics core as well. The tolerance
allows f32 summation order (and the documented bound of int8 LUT tables).

  differential.py --seed S --count N [--out DIR]   run N cases of seed S
  differential.py --weights runtime --seed S ...    weights quantized at run time
  differential.py --case DIR/S_I.json               re-run one, verbosely

With --pipeline gpu-emulation the cases go through
--qblock-gpu-emulation-pipeline instead (random tensor-cores and
weight-decode options): the GPU kernels, run on the CPU by the emulator.

With --weights runtime no weight is a constant: activation-by-activation
products through --qblock-quantize-linalg acts=... full-path=true (both
operands quantized at run time with the acts scheme, NVFP4's run-time
tensor scales included), and hand-written qblock.matmul / qblock.lut_gemm
of a qblock.quantize of a weight argument or a qblock.from_storage view of
packed bytes passed in (presets or random formatbooks, BCQ bytes; float,
quantized, online-quantized or packed activations; static or dynamic
batch, M, K and byte count; a NaN or infinity now and then). The reference
decodes what qblock.quantize packs for the same inputs, within the same
tolerance (the split-K term only where a GPU kernel ran); on the GPU
pipeline each case prints its kernel remarks and the run tallies them
(weights quantized at run time run as generic-loop-nests).

A case that fails writes its JSON and MLIR to DIR (default
differential-findings); the exit status is 1 if any failed. Budgets below
the cheapest choice are refused by select-formats, as documented, and count
as such. fuzz/README.md has the campaigns run so far.
"""
import json
import math
import os
import re
import sys
import time
import traceback

import numpy as np
import qblock
from qblock import _build_info

# The GPU emulation pipeline's output calls the emulator's runtime.
EMULATOR = os.path.join(_build_info.QBLOCK_BINARY_DIR, "lib",
                        "libqblock_gpu_emulator.so")

# --------------------------------------------------------------------------
# float helpers


def to_bf16_bits(x):
    x = np.asarray(x, np.float32)
    b = x.view(np.uint32).astype(np.uint64)
    nan = np.isnan(x)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
    r = np.where(nan, np.uint16(0x7FC0), r)
    return r


def round_to(x, t):
    x = np.asarray(x, np.float32)
    if t == "f32":
        return x.copy()
    if t == "f16":
        with np.errstate(over="ignore"):
            return x.astype(np.float16).astype(np.float32)
    if t == "bf16":
        return (to_bf16_bits(x).astype(np.uint32) << 16).view(np.float32)
    raise ValueError(t)


def raw_bytes(x, t):
    x = np.ascontiguousarray(np.asarray(x, np.float32))
    if t == "f32":
        return x.tobytes()
    if t == "f16":
        return x.astype(np.float16).tobytes()
    return to_bf16_bits(x).tobytes()


def nvfp4_exponent(amax):
    """docs/formats.md section 1: smallest e with amax / 2^e <= 2688,
    clamped to [-126, 127]; 0 for amax == 0 / nonfinite."""
    amax = float(amax)
    if amax == 0 or not math.isfinite(amax):
        return 0
    e = math.ceil(math.log2(amax / 2688.0))
    while amax / 2.0 ** e > 2688.0:
        e += 1
    while amax / 2.0 ** (e - 1) <= 2688.0:
        e -= 1
    return min(max(e, -126), 127)


def nvfp4_act_exponent(amax):
    """Run-time rule (docs/formats.md sec. 1): from amax's f32 bits,
    e = E - 11 (+1 where mantissa > 2688's), clamped to [-126, 126]."""
    amax = np.float32(amax)
    if amax == 0 or not np.isfinite(amax):
        return 0
    bits = int(np.array(amax, np.float32).view(np.uint32))
    E = ((bits >> 23) & 0xFF)
    m = bits & 0x7FFFFF
    if E == 0:  # subnormal: E=-126 exponent with implicit 0
        # value = m * 2^-149; treat via frexp
        fr, ex = math.frexp(float(amax))
        E2 = ex - 1
        mant = fr * 2 - 1
        m = int(mant * 2 ** 23)
        Eu = E2
    else:
        Eu = E - 127
    lbits = int(np.array(np.float32(2688.0)).view(np.uint32))
    mL = lbits & 0x7FFFFF
    e = Eu - 11 + (1 if m > mL else 0)
    return min(max(e, -126), 126)


# --------------------------------------------------------------------------
# BCQ independent decoder (docs/formats.md 8.1)


def al64(x):
    return (x + 63) // 64 * 64


def bcq_decode_numpy(packed, rows, K, q, g, offset=True):
    packed = np.asarray(packed, np.uint8)
    pbytes = rows * q * K // 8
    planes = packed[:pbytes].reshape(rows, q, K // 8)
    bits = np.unpackbits(planes, axis=2, bitorder="little").reshape(rows, q, K)
    b = bits.astype(np.float64) * 2 - 1
    a_off = al64(pbytes)
    na = rows * (K // g) * q
    alphas = packed[a_off:a_off + 2 * na].view(np.float16).astype(
        np.float64).reshape(rows, K // g, q)
    z = np.zeros((rows, K // g))
    if offset:
        z_off = al64(a_off + 2 * na)
        nz = rows * (K // g)
        z = packed[z_off:z_off + 2 * nz].view(np.float16).astype(
            np.float64).reshape(rows, K // g)
    ar = np.repeat(alphas, g, axis=1)  # rows, K, q
    val = np.einsum("rkq,rqk->rk", ar, b) + np.repeat(z, g, axis=1)
    return val.astype(np.float32), alphas, z


# --------------------------------------------------------------------------
# case generation

M_CHOICES = [1, 2, 3, 5, 7, 8, 9, 16, 17, 33]


def gen_case(rng, idx, backend="cpu"):
    c = {"id": idx, "seed": int(rng.integers(1 << 30)), "backend": backend}
    kind = rng.choice(["block"] * 7 + ["bcq"] * 3)
    if kind == "block":
        c["scheme"] = str(rng.choice(["blockdialect", "mxfp4", "nvfp4", "int4"]))
        c["block"] = int(rng.choice([0, 0, 0, 16, 32, 64, 8, 2, 128]))
        c["select"] = (str(rng.choice(["", "mse", "two-stage"]))
                       if c["scheme"] == "blockdialect" else "")
        c["acts"] = str(rng.choice(["", "", "", "blockdialect", "mxfp4",
                                    "nvfp4", "int8"]))
        c["fuse"] = bool(rng.integers(2)) if c["acts"] else False
        c["tensor_scale"] = (str(rng.choice(["", "true", "false"]))
                             if "nvfp4" in (c["scheme"], c["acts"]) else "")
        c["budget"] = (float(rng.choice([0, 0, 0, 4.4, 4.6, 5.0, 4.3]
                                        if not c["acts"] else [0, 0, 0, 0, 5.0]))
                       if c["block"] == 0 else 0)
    else:
        c["scheme"] = "bcq"
        c["bits"] = int(rng.integers(1, 5))
        c["group"] = int(rng.choice([8, 16, 32, 64, 128, 256, 512]))
        c["from"] = str(rng.choice(["", "fit", "uniform"]))
        c["lut"] = str(rng.choice(["", "f32", "i8"]))
        c["acts"] = ""
        c["fuse"] = False
        c["budget"] = float(rng.choice([0, 0, 0, 0, 5.0])) if c["group"] >= 64 else 0
    c["target"] = str(rng.choice(["", "generic", "avx2", "avx512"]))
    c["atype"] = str(rng.choice(["f32", "f32", "f16", "bf16"]))
    c["otype"] = str(rng.choice(["f32", c["atype"]]))
    c["op"] = str(rng.choice(["mm", "mm", "mm", "mm_tb", "mm_transop", "bmm",
                              "bmm_shared", "bmm_bcast", "matvec", "vecmat"]))
    c["dyn_m"] = bool(rng.integers(2))
    c["M"] = int(rng.choice(M_CHOICES))
    c["N"] = int(rng.choice([1, 3, 5, 7, 13, 16, 17, 31, 33, 47, 64, 65, 129]))
    unit = block_unit(c)
    mult = int(rng.choice([1, 2, 3, 4, 5, 8, 16]))
    c["K"] = unit * mult
    if rng.random() < 0.15:
        c["K"] = int(rng.choice([512, 1024, 1536]))
        if c["K"] % unit:
            c["K"] = unit * max(1, 512 // unit)
    c["B"] = int(rng.choice([1, 2, 3])) if c["op"].startswith("bmm") else 0
    if c["op"] in ("matvec", "vecmat"):
        c["M"] = 1
        c["dyn_m"] = False
    if rng.random() < 0.35:
        c["op"] = str(rng.choice(["gen", "gen_t", "gen4"]))
        if c["atype"] == "f32" and c["otype"] == "f32" and rng.random() < 0.5:
            c["wtype"] = str(rng.choice(["f16", "bf16"]))
    if c["op"].startswith("bmm") and c["dyn_m"] and rng.random() < 0.5:
        c["dyn_b"] = True
    c["wdist"] = str(rng.choice(["gauss", "gauss", "small", "tiny", "subnormal",
                                 "zeroblocks", "outlier", "negzero", "ties",
                                 "heavy", "const", "huge", "onesign"]))
    c["adist"] = str(rng.choice(["gauss", "gauss", "uniform", "outlier", "tiny",
                                 "large", "zerorows", "negzero", "small"]))
    c["wenc"] = str(rng.choice(["resource", "hex"]))
    if c.get("backend") == "gpu-emulation":
        # Drawn last, so that a seed gives the same cases on both backends.
        c["target"] = ""
        c["lut"] = ""
        c["tensor_cores"] = bool(rng.integers(2))
        c["weight_decode"] = str(rng.choice(["", "permute", "table"]))
    return c


def block_unit(c):
    if c["scheme"] == "bcq":
        return c["group"]
    b = c.get("block") or (16 if c["scheme"] == "nvfp4" else 32)
    if c.get("budget"):
        b = 64  # budget may pick 16/32/64 among divisors; keep all possible
    return b


def weight_values(c, rng, shape):
    d = c["wdist"]
    n = int(np.prod(shape))
    if d == "gauss":
        w = rng.standard_normal(n) * float(rng.choice([1.0, 0.02, 0.05]))
    elif d == "small":
        w = rng.standard_normal(n) * 1e-3
    elif d == "tiny":
        w = rng.standard_normal(n) * 1e-30
    elif d == "subnormal":
        w = rng.standard_normal(n) * 1e-39
        w[::3] *= 1e35
    elif d == "zeroblocks":
        w = rng.standard_normal(n)
        w = w.reshape(-1)
    elif d == "outlier":
        w = rng.standard_normal(n) * 0.02
        w[rng.integers(n)] = float(rng.choice([50.0, -300.0, 1e4, 7e4]))
    elif d == "negzero":
        w = rng.standard_normal(n)
        w[rng.random(n) < 0.5] = -0.0
    elif d == "ties":
        w = rng.integers(-16, 17, n) * 0.25
    elif d == "heavy":
        w = rng.standard_t(2, n)
    elif d == "const":
        w = np.full(n, float(rng.choice([1.0, -0.75, 3.0])))
    elif d == "huge":
        w = rng.standard_normal(n) * 1e30
    elif d == "onesign":
        w = 0.5 + 0.1 * rng.standard_normal(n)
    w = np.asarray(w, np.float64).reshape(shape)
    if (c.get("wtype") or c["atype"]) == "f16":
        w = np.clip(w, -6e4, 6e4)
    if d == "zeroblocks":
        # zero out contiguous chunks along the K axis (last or first dep. layout)
        flat = w.reshape(-1)
        for _ in range(max(1, n // 64)):
            s = int(rng.integers(n))
            flat[s:s + 32] = 0.0
        w = flat.reshape(shape)
    return w.astype(np.float32)


def act_values(c, rng, shape):
    d = c["adist"]
    n = int(np.prod(shape))
    if d == "gauss":
        a = rng.standard_normal(n)
    elif d == "uniform":
        a = rng.uniform(-1, 1, n)
    elif d == "outlier":
        a = rng.standard_normal(n)
        a[rng.integers(n)] = 500.0
    elif d == "tiny":
        a = rng.standard_normal(n) * 1e-3
    elif d == "small":
        a = rng.standard_normal(n) * 1e-20
    elif d == "large":
        a = rng.standard_normal(n) * 3e4
    elif d == "zerorows":
        a = rng.standard_normal(n).reshape(-1, shape[-1])
        a[::2] = 0.0
        a = a.reshape(-1)
    elif d == "negzero":
        a = rng.standard_normal(n)
        a[rng.random(n) < 0.5] = -0.0
    return np.asarray(a, np.float32).reshape(shape)


# --------------------------------------------------------------------------
# module text


def tt(shape, t):
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{t}>"


class Gen:
    def __init__(self):
        self.lines = []
        self.n = 0

    def v(self, p="v"):
        self.n += 1
        return f"%{p}{self.n}"

    def emit(self, s):
        self.lines.append("  " + s)

    def dims(self, val, shape, t):
        ds = []
        for i, s in enumerate(shape):
            if s == "?":
                ci = self.v("c")
                self.emit(f"{ci} = arith.constant {i} : index")
                d = self.v("d")
                self.emit(f"{d} = tensor.dim {val}, {ci} : {tt(shape, t)}")
                ds.append(d)
        return ds

    def convert(self, val, shape, src, dst):
        if src == dst:
            return val
        ds = self.dims(val, shape, src)
        e = self.v("e")
        self.emit(f"{e} = tensor.empty({', '.join(ds)}) : {tt(shape, dst)}")
        r = len(shape)
        idm = "affine_map<(" + ", ".join(f"d{i}" for i in range(r)) + ") -> (" + \
            ", ".join(f"d{i}" for i in range(r)) + ")>"
        op = "arith.truncf" if src == "f32" else "arith.extf"
        y = self.v("y")
        its = ", ".join(['"parallel"'] * r)
        self.emit(f"{y} = linalg.generic {{indexing_maps = [{idm}, {idm}], "
                  f"iterator_types = [{its}]}} "
                  f"ins({val} : {tt(shape, src)}) outs({e} : {tt(shape, dst)}) {{")
        self.emit(f"^bb0(%in: {src}, %out: {dst}):")
        self.emit(f"  %cv = {op} %in : {src} to {dst}")
        self.emit(f"  linalg.yield %cv : {dst}")
        self.emit(f"}} -> {tt(shape, dst)}")
        return y


def layout(c):
    """Shapes: activation arg shape (with ?), static activation shape,
    weight constant shape, how the weight is stored (axis of K in the
    constant), output shape."""
    M, N, K, B = c["M"], c["N"], c["K"], c["B"]
    m = "?" if c["dyn_m"] else M
    op = c["op"]
    kx = "?" if c.get("dyn_k") else K
    if op == "matvec":
        return dict(x=[kx], xs=[K], w=[N, K], waxis=1, o=[N], os=[N])
    if op == "vecmat":
        return dict(x=[kx], xs=[K], w=[K, N], waxis=0, o=[N], os=[N])
    if op in ("mm", "mm_tb", "mm_transop"):
        wshape = [K, N] if op == "mm" else [N, K]
        return dict(x=[m, kx], xs=[M, K], w=wshape, waxis=0 if op == "mm" else 1,
                    o=[m, N], os=[M, N])
    if op in ("gen", "gen_t"):
        return dict(x=[m, kx], xs=[M, K], w=[K, N] if op == "gen" else [N, K],
                    waxis=0 if op == "gen" else 1, o=[m, N], os=[M, N])
    if op == "gen4":
        return dict(x=[2, 3, m, kx], xs=[2, 3, M, K], w=[K, N], waxis=0,
                    o=[2, 3, m, N], os=[2, 3, M, N])
    bd = "?" if c.get("dyn_b") else B
    if op == "bmm":
        return dict(x=[bd, m, kx], xs=[B, M, K], w=[B, K, N], waxis=1,
                    o=[bd, m, N], os=[B, M, N])
    if op in ("bmm_shared", "bmm_bcast"):
        return dict(x=[bd, m, kx], xs=[B, M, K], w=[K, N], waxis=0,
                    o=[bd, m, N], os=[B, M, N])
    raise ValueError(op)


def weight_attr(c, w, name):
    t = c.get("wtype") or c["atype"]
    shape = list(w.shape)
    data = raw_bytes(w, t).hex().upper()
    if c["wenc"] == "resource":
        return f"dense_resource<{name}> : {tt(shape, t)}", (name, "0x04000000" + data)
    return f'dense<"0x{data}"> : {tt(shape, t)}', None


def build_module(c, w):
    L = layout(c)
    at, ot = c["atype"], c["otype"]
    g = Gen()
    x_t32 = tt(L["x"], "f32")
    o_t32 = tt(L["o"], "f32")
    xa = g.convert("%x", L["x"], "f32", at)
    ia = g.convert("%init", L["o"], "f32", ot)
    attr, res = weight_attr(c, w, "w0")
    g.emit(f"%w = arith.constant {attr}")
    x_t = tt(L["x"], at)
    o_t = tt(L["o"], ot)
    wt = c.get("wtype") or at
    w_t = tt(L["w"], wt)
    op = c["op"]
    if op in ("gen", "gen_t", "gen4"):
        if op == "gen4":
            dims = "(a, b, m, n, k)"
            mp = ["(a, b, m, k)", "(k, n)", "(a, b, m, n)"]
            its = '"parallel", "parallel", "parallel", "parallel", "reduction"'
        else:
            dims = "(m, n, k)"
            mp = ["(m, k)", "(k, n)" if op == "gen" else "(n, k)", "(m, n)"]
            its = '"parallel", "parallel", "reduction"'
        maps = ", ".join(f"affine_map<{dims} -> {x}>" for x in mp)
        g.emit(f"%r = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{its}]}}")
        g.emit(f"   ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) {{")
        g.emit(f"^bb0(%ga: {at}, %gb: {wt}, %go: {ot}):")
        va, vb = "%ga", "%gb"
        if at != ot:
            g.emit(f"  %gae = arith.extf %ga : {at} to {ot}"); va = "%gae"
        if wt != ot:
            g.emit(f"  %gbe = arith.extf %gb : {wt} to {ot}"); vb = "%gbe"
        g.emit(f"  %gp = arith.mulf {va}, {vb} : {ot}")
        g.emit(f"  %gs = arith.addf %go, %gp : {ot}")
        g.emit(f"  linalg.yield %gs : {ot}")
        g.emit(f"}} -> {o_t}")
    elif op == "mm":
        g.emit(f"%r = linalg.matmul ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "mm_tb":
        g.emit("%r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
               "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")
        g.emit(f"   ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "mm_transop":
        K, N = c["K"], c["N"]
        g.emit(f"%we = tensor.empty() : {tt([K, N], at)}")
        g.emit(f"%wt = linalg.transpose ins(%w : {w_t}) outs(%we : {tt([K, N], at)}) permutation = [1, 0]")
        g.emit(f"%r = linalg.matmul ins({xa}, %wt : {x_t}, {tt([K, N], at)}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "bmm":
        g.emit(f"%r = linalg.batch_matmul ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "bmm_shared":
        g.emit("%r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, "
               "affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]")
        g.emit(f"   ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "bmm_bcast":
        B, K, N = c["B"], c["K"], c["N"]
        bt = tt([B, K, N], at)
        g.emit(f"%wbe = tensor.empty() : {bt}")
        g.emit(f"%wb = linalg.broadcast ins(%w : {w_t}) outs(%wbe : {bt}) dimensions = [0]")
        g.emit(f"%r = linalg.batch_matmul ins({xa}, %wb : {x_t}, {bt}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "matvec":
        g.emit(f"%r = linalg.matvec ins(%w, {xa} : {w_t}, {x_t}) outs({ia} : {o_t}) -> {o_t}")
    elif op == "vecmat":
        g.emit(f"%r = linalg.vecmat ins({xa}, %w : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
    r32 = g.convert("%r", L["o"], ot, "f32")
    g.emit(f"return {r32} : {o_t32}")
    text = f"func.func @f(%x: {x_t32}, %init: {o_t32}) -> {o_t32} {{\n" + \
        "\n".join(g.lines) + "\n}\n"
    if res:
        text += ("{-#\n  dialect_resources: {\n    builtin: {\n      "
                 f"{res[0]}: \"{res[1]}\"\n    }}\n  }}\n#-}}\n")
    return text


def pass_options(c):
    o = [f"scheme={c['scheme']}"]
    if c["scheme"] == "bcq":
        o.append(f"bits={c['bits']}")
        o.append(f"group={c['group']}")
        if c["from"]:
            o.append(f"from={c['from']}")
    else:
        if c["block"]:
            o.append(f"block={c['block']}")
        if c["select"]:
            o.append(f"select={c['select']}")
        if c["acts"]:
            o.append(f"acts={c['acts']}")
        if c.get("tensor_scale"):
            o.append(f"tensor-scale={c['tensor_scale']}")
    return " ".join(o)


def backend_pipeline(c):
    """The lowering pipeline with the case's options."""
    options = []
    if c.get("backend") == "gpu-emulation":
        if c.get("tensor_cores"):
            options.append("tensor-cores=true")
        if c.get("weight_decode"):
            options.append(f"weight-decode={c['weight_decode']}")
        cp = "qblock-gpu-emulation-pipeline"
    else:
        if c["target"]:
            options.append(f"target={c['target']}")
        if c.get("lut"):
            options.append(f"lut-tables={c['lut']}")
        cp = "qblock-cpu-pipeline"
    if options:
        cp += f"{{{' '.join(options)}}}"
    return cp


def pipelines(c):
    ql = f"qblock-quantize-linalg{{{pass_options(c)}}}"
    fuse = ",qblock-fuse-activation-quant" if c.get("fuse") else ""
    sf = "qblock-select-formats"
    if c.get("budget"):
        sf += f"{{budget={c['budget']}}}"
    cp = backend_pipeline(c)
    stage1 = f"builtin.module(func.func({ql}{fuse}),{sf})"
    full = f"builtin.module(func.func({ql}{fuse}),{sf},{cp})"
    return stage1, full


# --------------------------------------------------------------------------
# parse packed constants from stage-1 text

CONST_RE = re.compile(
    r"qblock\.constant dense_resource<([^>]+)> : tensor<(\d+)xi8> -> "
    r"!qblock\.qtensor<([0-9x]+)x(f32|f16|bf16), (#qblock\.[a-z]+<[^>]*>), axis = (\d+)>")


def parse_scheme(s):
    m = re.match(r"#qblock\.(scheme|bcq)<(.*)>", s)
    kind, body = m.group(1), m.group(2)
    parts = [p.strip() for p in body.split(",") if p.strip()]
    if kind == "bcq":
        kv = dict(p.split(" = ") for p in parts)
        return qblock.BCQScheme(bits=int(kv["bits"]), group=int(kv["group"]),
                                offset=kv.get("offset", "true") != "false"), kv
    preset = parts[0]
    kv = dict(p.split(" = ") for p in parts[1:])
    sel = kv.get("select", "mse").replace("_", "-")
    return qblock.Scheme(preset, block=int(kv.get("block", 0)), select=sel), kv


def parse_stage1(text):
    consts = []
    for m in CONST_RE.finditer(text):
        name, nbytes, shape, et, sch, axis = m.groups()
        consts.append(dict(name=name, nbytes=int(nbytes),
                           shape=[int(s) for s in shape.split("x")], et=et,
                           scheme=sch, axis=int(axis)))
    blobs = dict(re.findall(r'^\s*([\w.]+): "0x([0-9A-F]+)"', text, re.M))
    for cst in consts:
        cst["bytes"] = np.frombuffer(bytes.fromhex(blobs[cst["name"]])[4:], np.uint8)
    return consts


# --------------------------------------------------------------------------
# reference


def kxn_from_const(c, wq):
    """The decoded constant (layout of the constant) as [B,]K x N."""
    op = c["op"]
    if op in ("mm_tb", "mm_transop", "matvec", "gen_t"):
        return wq.T
    return wq


def act_scheme_obj(c, wblock):
    a = c["acts"]
    if a == "blockdialect":
        return qblock.Scheme("blockdialect", block=wblock, select="two-stage")
    return qblock.Scheme(a, block=wblock)


def compute_reference(c, w, x, init, consts, notes):
    """Returns (ref float64 in output shape, absprod, extra-bound)."""
    at = c["atype"]
    assert len(consts) == 1, f"expected one packed constant, got {len(consts)}"
    cst = consts[0]
    sch, kv = parse_scheme(cst["scheme"])
    # independent re-quantization of the same weight
    ew = 0
    wsrc = round_to(w, c.get("wtype") or at)
    if c["scheme"] == "nvfp4" and c.get("tensor_scale") != "false":
        ew = nvfp4_exponent(np.abs(wsrc).max())
        wsrc = (wsrc.astype(np.float64) / 2.0 ** ew).astype(np.float32)
    if cst["shape"] != list(w.shape):
        notes.append(f"constant shape {cst['shape']} != weight {list(w.shape)}")
    axis = cst["axis"]
    packed = cst["bytes"]
    # qblock.quantize has no from=uniform fit; the NumPy decoder below still
    # checks those bytes against qblock.dequantize.
    if not (c["scheme"] == "bcq" and c.get("from") == "uniform"):
        mine = qblock.quantize(wsrc, sch, axis=axis)
        if mine.tobytes() != packed.tobytes():
            nd = int(np.sum(mine != packed)) if mine.size == packed.size else -1
            notes.append(f"BYTES differ from qblock.quantize ({nd} bytes, sizes {mine.size}/{packed.size}, ew={ew})")
    wq = qblock.dequantize(packed, cst["shape"], sch, axis=axis).astype(np.float64)
    bcq_info = None
    if c["scheme"] == "bcq":
        # independent numpy decoder on the blocked-rows view
        K = cst["shape"][axis]
        moved = np.moveaxis(wq, axis, -1)
        rows = int(np.prod(moved.shape[:-1]))
        mine_v, alphas, z = bcq_decode_numpy(packed, rows, K, int(kv["bits"]),
                                             int(kv["group"]),
                                             kv.get("offset", "true") != "false")
        if not np.array_equal(mine_v.reshape(moved.shape), moved.astype(np.float32)) and \
                not (np.isnan(mine_v).any()):
            d = np.abs(mine_v.reshape(moved.shape) - moved).max()
            notes.append(f"BCQ numpy decode differs from qblock.dequantize by {d}")
        bcq_info = (alphas, z, rows, K)
    wq = wq * 2.0 ** ew
    W = kxn_from_const(c, wq) if wq.ndim == 2 else wq  # bmm: [B,K,N]
    # activations as the matmul sees them
    xa = round_to(x, at).astype(np.float32)
    ea = 0
    if c["acts"]:
        K = c["K"]
        wblock = int(kv.get("block", 16 if c["scheme"] == "nvfp4" else 32))
        xs = xa
        if c["acts"] == "nvfp4" and c.get("tensor_scale") != "false":
            amax = np.nanmax(np.abs(xa)) if (~np.isnan(xa)).any() else 0
            ea = nvfp4_act_exponent(amax)
            xs = round_to((xa * np.float32(2.0 ** -ea)).astype(np.float32), at)
        flat = xs.reshape(-1, K)
        s = act_scheme_obj(c, wblock)
        xq = qblock.dequantize(qblock.quantize(flat, s, axis=1), flat.shape, s, axis=1)
        A = xq.astype(np.float64).reshape(x.shape) * 2.0 ** ea
    else:
        A = xa.astype(np.float64)
    I = round_to(init, c["otype"]).astype(np.float64)
    op = c["op"]
    if op in ("matvec", "vecmat"):
        prod = A @ W
        absprod = np.abs(A) @ np.abs(W)
    elif op == "bmm":
        prod = np.einsum("bmk,bkn->bmn", A, W)
        absprod = np.einsum("bmk,bkn->bmn", np.abs(A), np.abs(W))
    else:
        prod = A @ W
        absprod = np.abs(A) @ np.abs(W)
    ref = I + prod
    extra = np.zeros_like(ref)
    if c["scheme"] == "bcq":
        # LUT-GEMM sums alpha_i * (+-a) and z * sum(a): its rounding scales
        # with (sum_i |alpha_i| + |z|) |a|, not |w| |a|.
        alphas, z, rows, K = bcq_info
        g = int(kv["group"])
        mag = np.repeat(np.abs(alphas).sum(-1) + np.abs(z), g, axis=1)  # rows x K
        magw = np.moveaxis(mag.reshape(np.moveaxis(wq, axis, -1).shape), -1, axis)
        magw = magw * 2.0 ** ew
        MW = magw.T if (magw.ndim == 2 and c["op"] in ("mm_tb", "mm_transop", "matvec", "gen_t")) else magw
        if c["op"] == "bmm":
            absprod = np.maximum(absprod, np.einsum("bmk,bkn->bmn", np.abs(A), MW))
        else:
            absprod = np.maximum(absprod, np.abs(A) @ MW)
    if c["scheme"] == "bcq" and c.get("lut") == "i8":
        alphas, z, rows, K = bcq_info
        g = int(kv["group"])
        ng = K // g
        # docs/lut-gemm.md: |err| <= sum_groups sum_i |alpha_i| (g/4) scale/2
        Arows = A.reshape(-1, K)
        sub = np.abs(Arows).reshape(Arows.shape[0], ng, g // 4, 4).sum(-1)
        scale = sub.max(-1) / 127.0  # [m, ng]
        asum = np.abs(alphas).sum(-1)  # [rows(N), ng]
        if c["op"] == "bmm":
            Bn = c["B"]
            sc = scale.reshape(Bn, -1, ng)
            asb = asum.reshape(Bn, -1, ng)
            bound = np.einsum("bmg,bng->bmn", sc, asb) * (g / 4) / 2
        else:
            bound = (scale[:, None, :] * asum[None, :, :]).sum(-1) * (g / 4) / 2
        extra = bound.reshape(ref.shape) * 1.05 * 2.0 ** ew
    return ref, absprod, extra, dict(ew=ew, ea=ea, sch=cst["scheme"], axis=axis)


def make_inputs(c, rng):
    L = layout(c)
    w = weight_values(c, rng, L["w"])
    x = act_values(c, rng, L["xs"]) if min(L["xs"]) > 0 else np.zeros(L["xs"], np.float32)
    sp = c.get("aspecial")
    if sp and x.size:
        xf = x.reshape(-1, x.shape[-1])
        row = int(c.get("special_row", 0)) % xf.shape[0]
        xf[row, xf.shape[1] // 2] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[sp]
        x = xf.reshape(x.shape)
    if c["atype"] == "f16":
        x = np.clip(x, -6e4, 6e4)
    init = (rng.standard_normal(L["os"]) * float(rng.choice([0.0, 1.0]))).astype(np.float32)
    return w, x, init


def out_rounding(t):
    return {"f32": 2.0 ** -24, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}[t]


def run_case(c, verbose=False):
    rng = np.random.default_rng(c["seed"])
    w, x, init = make_inputs(c, rng)
    text = build_module(c, w)
    stage1, full = pipelines(c)
    res = {"id": c["id"]}
    notes = []
    try:
        m1 = qblock.compile(text, stage1, c_wrappers=False)
    except qblock.CompileError as e:
        # A budget below the cheapest choice is refused, as documented.
        refused = "raise the budget" in str(e)
        res.update(status="refused_budget" if refused else "compile_error",
                   msg=str(e)[:2000])
        return res, text
    s1 = str(m1)
    consts = parse_stage1(s1)
    res["remarks1"] = (m1.remarks or "")[:1500]
    if not consts:
        res.update(status="not_quantized", msg=(m1.remarks or "")[:1500])
        return res, text
    try:
        ref, absprod, extra, info = compute_reference(c, w, x, init, consts, notes)
    except Exception as e:
        res.update(status="ref_error", msg=traceback.format_exc()[-1500:])
        return res, text
    res.update(info)
    try:
        gpu = c.get("backend") == "gpu-emulation"
        m = qblock.compile(text, full, shared_libs=[EMULATOR] if gpu else [])
    except qblock.CompileError as e:
        res.update(status="compile_error", msg=str(e)[:2000], notes=notes)
        return res, text
    try:
        y = m.run("f", x, init)
    except Exception as e:
        res.update(status="run_error", msg=f"{type(e).__name__}: {e}"[:2000], notes=notes)
        return res, text
    compare(c, y, ref, absprod, extra, init, notes, res, verbose)
    return res, text


def compare(c, y, ref, absprod, extra, init, notes, res, verbose=False,
            split_adds=None):
    """Checks output `y` against float64 `ref` within the tolerance that
    |A| |W| (`absprod`), the output type and the backend allow; sets
    res's status and error figures. `split_adds`: whether a GPU kernel
    added partial sums to the output (default: on the GPU pipeline)."""
    y = np.asarray(y, np.float64)
    K = c["K"]
    tol = (absprod * (2e-6 + 4 * math.sqrt(K) * 6e-8) +
           np.abs(ref) * out_rounding(c["otype"]) * 1.01 + {'f32': 0.0, 'f16': 2.0**-24, 'bf16': 2.0**-133}[c['otype']] + extra + 1e-37)
    if split_adds is None:
        split_adds = c.get("backend") == "gpu-emulation"
    if split_adds:
        # The GPU kernels add partial sums of K splits, LUT-GEMM's 256-input
        # chunks and tensor-core K steps to the output (which starts as
        # init) one by one (docs/gpu-lowering.md, Split-K): up to K / 16
        # roundings at the size of |init| + the running sum, where the
        # reference rounds once.
        adds = max(1, math.ceil(K / 16))
        tol = tol + adds * (np.abs(round_to(init, c["otype"])) + absprod) * 2.0 ** -24
    if c["otype"] != "f32":
        # output rounding of intermediate (scaled) sums plus init
        tol += absprod * out_rounding(c["otype"]) * 0.01
    with np.errstate(invalid="ignore"):
        err = np.abs(y - ref)
    if c["otype"] != "f32":
        big = {"f16": 65504.0, "bf16": 3.3895314e38}[c["otype"]]
        err = np.where(np.isinf(y) & (np.abs(ref) > big * (1 - 8 * out_rounding(c["otype"])))
                       & (np.sign(y) == np.sign(ref)), 0.0, err)
    bothnan = np.isnan(y) & np.isnan(ref)
    if c["scheme"] == "bcq":
        bothnan |= np.isnan(y) & np.isinf(ref)  # docs/lut-gemm.md: documented
    sameinf = np.isinf(y) & np.isinf(ref) & (np.sign(y) == np.sign(ref))
    bad = ~(bothnan | sameinf) & ~(err <= tol)
    with np.errstate(invalid="ignore", divide="ignore"):
        res["max_ratio"] = float(np.nanmax(np.where(tol > 0, err / tol, 0))) if err.size and not np.isnan(err).all() else 0.0
        res["max_abs_err"] = float(np.nanmax(err)) if err.size and not np.isnan(err).all() else 0.0
        res["max_ref"] = float(np.nanmax(np.abs(ref))) if ref.size and not np.isnan(ref).all() else 0.0
    res["nbad"] = int(bad.sum())
    res["notes"] = notes
    if bad.any():
        i = np.argwhere(bad)[0]
        res["first_bad"] = dict(index=[int(v) for v in i], got=float(y[tuple(i)]),
                                want=float(ref[tuple(i)]), tol=float(tol[tuple(i)]))
        res["status"] = "MISMATCH"
    elif any(n.startswith("BYTES") or n.startswith("BCQ numpy") for n in notes):
        res["status"] = "bytes_differ"
    else:
        res["status"] = "ok"
    if verbose:
        np.set_printoptions(linewidth=200, precision=6)
        print("got\n", y.reshape(-1)[:20], "\nref\n", ref.reshape(-1)[:20])


# --------------------------------------------------------------------------
# weights quantized at run time (--weights runtime)
#
# Three routes, none of which has a constant weight:
#   fullpath  a linalg product of two function arguments (or of one and
#             its transpose or negation) through --qblock-quantize-linalg
#             acts=... full-path=true: both operands quantized at run time
#             with the acts scheme;
#   quantize  hand-written qblock.quantize of a weight argument, then
#             qblock.matmul with float, quantized or online-quantized
#             (act_scheme) activations;
#   storage   hand-written qblock.from_storage of packed bytes passed in
#             (qblock.quantize in NumPy; static or dynamic size, BCQ bytes
#             through qblock.lut_gemm), activations as for quantize or
#             packed too.
# The reference decodes what the numerics core packs for the same inputs.

def gen_block_spec(rng, block, acts=False):
    """A block scheme with `block`: a preset or a random custom book."""
    if rng.random() < 0.25:
        book = [[0] + sorted(int(v) for v in rng.choice(np.arange(1, 128), 7,
                                                         replace=False))
                for _ in range(int(rng.integers(1, 17)))]
        return dict(book=book, scale=str(rng.choice(["e8m0", "e4m3", "f16"])),
                    block=block,
                    select=str(rng.choice(["mse", "two-stage"])))
    names = (["blockdialect", "mxfp4", "nvfp4", "int8"] if acts else
             ["blockdialect", "mxfp4", "nvfp4", "int4"])
    preset = str(rng.choice(names))
    select = (str(rng.choice(["mse", "two-stage"]))
              if preset == "blockdialect" else "mse")
    return dict(preset=preset, block=block, select=select)


def spec_text(sp):
    if "bits" in sp:
        return (f"#qblock.bcq<bits = {sp['bits']}, group = {sp['group']}"
                + ("" if sp["offset"] else ", offset = false") + ">")
    sel = ", select = two_stage" if sp["select"] == "two-stage" else ""
    if "book" in sp:
        book = ", ".join("[" + ", ".join(map(str, d)) + "]" for d in sp["book"])
        return (f"#qblock.scheme<book = #qblock.book<[{book}]>, "
                f"scale = {sp['scale']}, block = {sp['block']}{sel}>")
    return f"#qblock.scheme<{sp['preset']}, block = {sp['block']}{sel}>"


def spec_obj(sp):
    if "bits" in sp:
        return qblock.BCQScheme(bits=sp["bits"], group=sp["group"],
                                offset=sp["offset"])
    if "book" in sp:
        return qblock.Scheme.custom(sp["book"], scale=sp["scale"],
                                    block=sp["block"], select=sp["select"])
    return qblock.Scheme(sp["preset"], block=sp["block"], select=sp["select"])


def gen_runtime_case(rng, idx, backend="cpu"):
    c = {"id": idx, "seed": int(rng.integers(1 << 30)), "backend": backend,
         "weights": "runtime"}
    c["route"] = str(rng.choice(["fullpath", "fullpath", "quantize",
                                 "quantize", "storage"]))
    c["atype"] = str(rng.choice(["f32", "f32", "f16", "bf16"]))
    c["otype"] = str(rng.choice(["f32", c["atype"]]))
    c["dyn_m"] = bool(rng.integers(2))
    c["M"] = int(rng.choice(M_CHOICES))
    c["N"] = int(rng.choice([1, 3, 5, 7, 13, 16, 17, 31, 33, 47, 64, 65, 129]))
    c["adist"] = str(rng.choice(["gauss", "gauss", "uniform", "outlier", "tiny",
                                 "large", "zerorows", "negzero", "small"]))
    if c["route"] == "fullpath":
        c["scheme"] = str(rng.choice(["blockdialect", "mxfp4", "nvfp4", "int4"]))
        c["block"] = int(rng.choice([0, 0, 0, 16, 32, 64, 8, 2, 128]))
        c["select"] = ""
        c["acts"] = str(rng.choice(["blockdialect", "mxfp4", "nvfp4", "int8"]))
        c["fuse"] = bool(rng.integers(2))
        c["tensor_scale"] = (str(rng.choice(["", "true", "false"]))
                             if "nvfp4" in (c["scheme"], c["acts"]) else "")
        c["op"] = str(rng.choice(["mm", "mm_tb", "mm_tr", "mm_neg", "bmm",
                                  "bmm_tb"]))
        # The right-hand activation (B) is another activation distribution.
        c["bdist"] = str(rng.choice(["gauss", "gauss", "uniform", "outlier",
                                     "tiny", "large", "zerorows", "negzero",
                                     "small"]))
        unit = c["block"] or (16 if c["scheme"] == "nvfp4" else 32)
        c["B"] = int(rng.integers(1, 4)) if c["op"].startswith("bmm") else 0
        # A dynamic batch x heads (quantized since 2026-12-07).
        c["dyn_b"] = bool(c["B"] and rng.integers(2))
    else:
        c["layout"] = str(rng.choice(["kn", "nk", "bkn", "bnk"]))
        c["B"] = int(rng.integers(1, 4)) if c["layout"][0] == "b" else 0
        c["wtype"] = str(rng.choice(["f32", "f32", "f16", "bf16"]))
        c["wdist"] = str(rng.choice(["gauss", "gauss", "small", "tiny",
                                     "subnormal", "zeroblocks", "outlier",
                                     "negzero", "ties", "heavy", "const",
                                     "huge", "onesign"]))
        modes = ["float", "float", "quantize", "fused"]
        if c["route"] == "storage" and not c["dyn_m"]:
            modes.append("storage")
        if c["route"] == "storage" and rng.random() < 0.25:
            c["wspec"] = dict(bits=int(rng.integers(1, 5)),
                              group=int(rng.choice([8, 16, 32, 64, 128])),
                              offset=bool(rng.random() < 0.7))
            c["amode"] = "float"
            unit = c["wspec"]["group"]
            c["scheme"] = "bcq"
        else:
            unit = int(rng.choice([16, 32, 32, 64, 8, 2, 128]))
            c["amode"] = str(rng.choice(modes))
            if c["amode"] != "float":
                c["aspec"] = gen_block_spec(rng, unit, acts=True)
            # An INT8 right-hand side needs quantized activations.
            c["wspec"] = (dict(preset="int8", block=unit, select="mse")
                          if c["amode"] != "float" and rng.random() < 0.15
                          else gen_block_spec(rng, unit))
            c["scheme"] = c["wspec"].get("preset", "custom")
        # A weight of dynamic batch lowers with a block scheme (the LUT-GEMM
        # lowering refuses it with an error); packed activations would not
        # say their batch.
        c["dyn_b"] = bool(c["B"] and c["amode"] != "storage"
                          and rng.integers(2) and c["scheme"] != "bcq")
        if c["route"] == "storage":
            c["dyn_bytes"] = bool(c["dyn_b"] or rng.integers(2))
    c["K"] = unit * int(rng.choice([1, 2, 3, 4, 5, 8, 16]))
    if rng.random() < 0.1:
        c["K"] = unit * max(1, 512 // unit)
    if c["backend"] == "gpu-emulation":
        c["tensor_cores"] = bool(rng.integers(2))
        c["weight_decode"] = str(rng.choice(["", "permute", "table"]))
    else:
        c["target"] = str(rng.choice(["", "generic", "avx2", "avx512"]))
    # A NaN or infinity in one element of x or w: its blocks decode to NaN.
    if rng.random() < 0.1:
        c["special"] = str(rng.choice(["nan", "inf", "-inf"]))
        c["special_in"] = str(rng.choice(["x", "w"]))
        c["special_at"] = int(rng.integers(1 << 20))
    if c["dyn_m"] and rng.random() < 0.05:
        c["M"] = 0
    # Float activations of dynamic K (the weight fixes it; checked at run
    # time): no GPU kernel takes them.
    c["dyn_k"] = bool(c["route"] != "fullpath" and c["amode"] != "storage"
                      and rng.random() < 0.2)
    return c


def runtime_shapes(c):
    """Argument shapes (with ?), static shapes and the blocked axis of the
    activation x, the weight (or right-hand activation) w and the output."""
    M, N, K, B = c["M"], c["N"], c["K"], c["B"]
    m = "?" if c["dyn_m"] else M
    b = "?" if c.get("dyn_b") else B
    lay = c.get("layout") or {"mm": "kn", "mm_neg": "kn", "mm_tb": "nk",
                              "mm_tr": "nk", "bmm": "bkn",
                              "bmm_tb": "bnk"}[c["op"]]
    w = {"kn": [K, N], "nk": [N, K], "bkn": [b, K, N], "bnk": [b, N, K]}[lay]
    ws = [B if d == "?" else d for d in w]
    lead = [b] if B else []
    return dict(x=lead + [m, "?" if c.get("dyn_k") else K], xs=([B] if B else []) + [M, K], w=w, ws=ws,
                waxis=len(w) - (1 if lay[-1] == "k" else 2),
                o=lead + [m, N], os=([B] if B else []) + [M, N])


def qt(shape, t, spec, axis):
    return ("!qblock.qtensor<" + "x".join(str(s) for s in shape) +
            f"x{t}, {spec_text(spec)}, axis = {axis}>")


def build_runtime_module(c, nbytes, xbytes):
    S = runtime_shapes(c)
    at, ot = c["atype"], c["otype"]
    g = Gen()
    xa = g.convert("%x", S["x"], "f32", at)
    ia = g.convert("%init", S["o"], "f32", ot)
    x_t, o_t = tt(S["x"], at), tt(S["o"], ot)
    args = [f"%x: {tt(S['x'], 'f32')}"]
    if c["route"] == "fullpath":
        args.append(f"%w: {tt(S['w'], 'f32')}")
        wa = g.convert("%w", S["w"], "f32", at)
        w_t = tt(S["w"], at)
        op = c["op"]
        if op == "mm_tr":
            N, K = c["N"], c["K"]
            g.emit(f"%we = tensor.empty() : {tt([K, N], at)}")
            g.emit(f"%wt = linalg.transpose ins({wa} : {w_t}) outs(%we : "
                   f"{tt([K, N], at)}) permutation = [1, 0]")
            wa, w_t = "%wt", tt([K, N], at)
        elif op == "mm_neg":
            g.emit(f"%we = tensor.empty() : {w_t}")
            g.emit("%wn = linalg.generic {indexing_maps = [affine_map<(k, n) "
                   "-> (k, n)>, affine_map<(k, n) -> (k, n)>], iterator_types "
                   f"= [\"parallel\", \"parallel\"]}} ins({wa} : {w_t}) "
                   f"outs(%we : {w_t}) {{")
            g.emit(f"^bb0(%in: {at}, %out: {at}):")
            g.emit(f"  %ng = arith.negf %in : {at}")
            g.emit(f"  linalg.yield %ng : {at}")
            g.emit(f"}} -> {w_t}")
            wa = "%wn"
        if op in ("mm", "mm_tr", "mm_neg"):
            g.emit(f"%r = linalg.matmul ins({xa}, {wa} : {x_t}, {w_t}) "
                   f"outs({ia} : {o_t}) -> {o_t}")
        elif op == "mm_tb":
            g.emit("%r = linalg.matmul indexing_maps = [affine_map<(m, n, k) "
                   "-> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
                   "affine_map<(m, n, k) -> (m, n)>]")
            g.emit(f"   ins({xa}, {wa} : {x_t}, {w_t}) outs({ia} : {o_t}) -> {o_t}")
        elif op == "bmm":
            g.emit(f"%r = linalg.batch_matmul ins({xa}, {wa} : {x_t}, {w_t}) "
                   f"outs({ia} : {o_t}) -> {o_t}")
        else:  # bmm_tb: attention's Q*K^T as torch-mlir emits it
            maps = ", ".join(f"affine_map<(b, m, n, k) -> {x}>" for x in
                             ["(b, m, k)", "(b, n, k)", "(b, m, n)"])
            g.emit(f"%r = linalg.generic {{indexing_maps = [{maps}], "
                   "iterator_types = [\"parallel\", \"parallel\", "
                   "\"parallel\", \"reduction\"]}")
            g.emit(f"   ins({xa}, {wa} : {x_t}, {w_t}) outs({ia} : {o_t}) {{")
            g.emit(f"^bb0(%ga: {at}, %gb: {at}, %go: {ot}):")
            va, vb = "%ga", "%gb"
            if at != ot:
                g.emit(f"  %gae = arith.extf %ga : {at} to {ot}")
                g.emit(f"  %gbe = arith.extf %gb : {at} to {ot}")
                va, vb = "%gae", "%gbe"
            g.emit(f"  %gp = arith.mulf {va}, {vb} : {ot}")
            g.emit(f"  %gs = arith.addf %go, %gp : {ot}")
            g.emit(f"  linalg.yield %gs : {ot}")
            g.emit(f"}} -> {o_t}")
    else:
        wt = c["wtype"]
        q_t = qt(S["w"], wt, c["wspec"], S["waxis"])
        if c["route"] == "quantize":
            args.append(f"%w: {tt(S['w'], 'f32')}")
            wa = g.convert("%w", S["w"], "f32", wt)
            g.emit(f"%q = qblock.quantize {wa} : {tt(S['w'], wt)} -> {q_t}")
        else:
            b_t = tt(["?" if c["dyn_bytes"] else nbytes], "i8")
            args.append(f"%wb: {b_t}")
            g.emit(f"%q = qblock.from_storage %wb : {b_t} -> {q_t}")
        lhs, l_t, attr = xa, x_t, ""
        rank = len(S["x"])
        if c["amode"] in ("quantize", "storage"):
            # Quantized activations have a static K (their blocked axis).
            l_t = qt(S["x"][:-1] + [c["K"]], at, c["aspec"], rank - 1)
        if c["amode"] == "quantize":
            g.emit(f"%qa = qblock.quantize {xa} : {x_t} -> {l_t}")
            lhs = "%qa"
        elif c["amode"] == "storage":
            args.append(f"%xb: tensor<{xbytes}xi8>")
            g.emit(f"%qa = qblock.from_storage %xb : tensor<{xbytes}xi8> -> {l_t}")
            lhs = "%qa"
        elif c["amode"] == "fused":
            attr = f" {{act_scheme = {spec_text(c['aspec'])}}}"
        name = "lut_gemm" if "bits" in c["wspec"] else "matmul"
        g.emit(f"%r = qblock.{name} ins({lhs}, %q : {l_t}, {q_t}) "
               f"outs({ia} : {o_t}){attr} -> {o_t}")
    args.append(f"%init: {tt(S['o'], 'f32')}")
    r32 = g.convert("%r", S["o"], ot, "f32")
    g.emit(f"return {r32} : {tt(S['o'], 'f32')}")
    return (f"func.func @f({', '.join(args)}) -> {tt(S['o'], 'f32')} {{\n" +
            "\n".join(g.lines) + "\n}\n")


def runtime_pipeline(c):
    """(pipeline to check that full-path rewrote the product, or None;
    the whole pipeline)."""
    cp = backend_pipeline(c)
    if c["route"] != "fullpath":
        return None, f"builtin.module({cp})"
    ql = f"qblock-quantize-linalg{{{pass_options(c)} full-path=true}}"
    fuse = ",qblock-fuse-activation-quant" if c["fuse"] else ""
    stage1 = f"builtin.module(func.func({ql}{fuse}))"
    return stage1, f"builtin.module(func.func({ql}{fuse}),{cp})"


def quant_roundtrip(v, scheme, axis, at, tensor_scale):
    """What the compiled code multiplies for run-time-quantized `v`
    (float64): v quantized and decoded by the numerics core along `axis`,
    with NVFP4's run-time tensor scale (whole tensor) where it applies."""
    e = 0
    if tensor_scale:
        amax = np.nanmax(np.abs(v)) if (~np.isnan(v)).any() else 0
        e = nvfp4_act_exponent(amax)
        v = round_to((v * np.float32(2.0 ** -e)).astype(np.float32), at)
    d = qblock.dequantize(qblock.quantize(v, scheme, axis=axis), v.shape,
                          scheme, axis=axis)
    return d.astype(np.float64) * 2.0 ** e


def runtime_reference(c, x, w, packed, notes):
    """A * W in float64 (without init) and the magnitude its rounding
    scales with, |A| |W| (for BCQ, (sum_i |alpha_i| + |z|) |A|), in the
    output's static shape."""
    S = runtime_shapes(c)
    at = c["atype"]
    xa = round_to(x, at)
    batched = c["B"] > 0
    if c["route"] == "fullpath":
        wa = round_to(w, at)
        if c["op"] == "mm_neg":
            wa = -wa
        if S["waxis"] == len(S["w"]) - 1:  # N x K: the product reads B^T
            wa = np.ascontiguousarray(np.swapaxes(wa, -1, -2))
        blk = c["block"] or (16 if c["scheme"] == "nvfp4" else 32)
        s = act_scheme_obj(c, blk)
        ts = c["acts"] == "nvfp4" and c.get("tensor_scale") != "false"
        # The pass scales and quantizes B (here K x N, blocked along K)
        # and A each with their own run-time tensor scale.
        W = quant_roundtrip(wa, s, wa.ndim - 2, at, ts)
        A = quant_roundtrip(xa, s, xa.ndim - 1, at, ts)
        mag = np.abs(W)
    else:
        ws = spec_obj(c["wspec"])
        if packed is None:
            packed = qblock.quantize(round_to(w, c["wtype"]), ws, axis=S["waxis"])
        wd = qblock.dequantize(packed, S["ws"], ws, axis=S["waxis"]).astype(np.float64)
        mag = np.abs(wd)
        if "bits" in c["wspec"]:
            # LUT-GEMM rounds at the size of (sum_i |alpha_i| + |z|) |a|
            # (as for constant BCQ weights above); its bytes are also
            # decoded independently.
            sp = c["wspec"]
            moved = np.moveaxis(wd, S["waxis"], -1)
            rows = int(np.prod(moved.shape[:-1]))
            mine, alphas, z = bcq_decode_numpy(packed, rows, c["K"], sp["bits"],
                                               sp["group"], sp["offset"])
            if not np.array_equal(mine.reshape(moved.shape),
                                  moved.astype(np.float32), equal_nan=True):
                notes.append("BCQ numpy decode differs from qblock.dequantize")
            m = np.repeat(np.abs(alphas).sum(-1) + np.abs(z), sp["group"], axis=1)
            mag = np.maximum(mag, np.moveaxis(m.reshape(moved.shape), -1,
                                              S["waxis"]))
        W = wd
        if S["waxis"] == len(S["w"]) - 1:
            W, mag = np.swapaxes(W, -1, -2), np.swapaxes(mag, -1, -2)
        if c["amode"] == "float":
            A = xa.astype(np.float64)
        else:
            A = quant_roundtrip(xa, spec_obj(c["aspec"]), xa.ndim - 1, at, False)
    if batched:
        ref = np.einsum("bmk,bkn->bmn", A, W)
        absprod = np.einsum("bmk,bkn->bmn", np.abs(A), mag)
    else:
        ref, absprod = A @ W, np.abs(A) @ mag
    return ref, absprod


KERNEL_REMARK_RE = re.compile(r"\[(Passed|Missed)\] ([\w-]+) \| Category:qblock-gpu")


def run_runtime_case(c, verbose=False):
    rng = np.random.default_rng(c["seed"])
    S = runtime_shapes(c)
    x = act_values(c, rng, S["xs"]) if c["M"] else np.zeros(S["xs"], np.float32)
    if c["route"] == "fullpath":
        w = act_values(dict(adist=c["bdist"]), rng, S["ws"])
        if c["atype"] == "f16":
            x, w = np.clip(x, -6e4, 6e4), np.clip(w, -6e4, 6e4)
    else:
        w = weight_values(c, rng, S["ws"])
        if c["atype"] == "f16":
            x = np.clip(x, -6e4, 6e4)
    init = (rng.standard_normal(S["os"]) * float(rng.choice([0.0, 1.0]))).astype(np.float32)
    v = x if c.get("special_in") == "x" else w
    if c.get("special") and v.size:
        v.reshape(-1)[c["special_at"] % v.size] = float(c["special"])
    args, packed, xbytes = [x], None, 0
    if c["route"] != "storage":
        args.append(w)
    else:
        packed = qblock.quantize(round_to(w, c["wtype"]), spec_obj(c["wspec"]),
                                 axis=S["waxis"])
        args.append(packed)
        if c["amode"] == "storage":
            xp = qblock.quantize(round_to(x, c["atype"]), spec_obj(c["aspec"]),
                                 axis=-1)
            args.append(xp)
            xbytes = xp.size
    args.append(init)
    text = build_runtime_module(c, packed.size if packed is not None else 0,
                                xbytes)
    stage1, full = runtime_pipeline(c)
    res = {"id": c["id"]}
    notes = []
    if stage1:
        try:
            m1 = qblock.compile(text, stage1, c_wrappers=False)
        except qblock.CompileError as e:
            res.update(status="compile_error", msg=str(e)[:2000])
            return res, text
        if "qblock.matmul" not in str(m1):
            res.update(status="not_quantized", msg=(m1.remarks or "")[:1500])
            return res, text
    try:
        ref, absprod = runtime_reference(c, x, w, packed, notes)
    except Exception:
        res.update(status="ref_error", msg=traceback.format_exc()[-1500:])
        return res, text
    ref = round_to(init, c["otype"]).astype(np.float64) + ref
    gpu = c["backend"] == "gpu-emulation"
    try:
        m = qblock.compile(text, full, shared_libs=[EMULATOR] if gpu else [],
                           remarks="qblock-gpu" if gpu else None)
    except qblock.CompileError as e:
        res.update(status="compile_error", msg=str(e)[:2000], notes=notes)
        return res, text
    if gpu:
        res["kernels"] = sorted({f"{k}:{n}" for k, n in
                                 KERNEL_REMARK_RE.findall(m.remarks or "")})
    try:
        y = m.run("f", *args)
    except Exception as e:
        res.update(status="run_error", msg=f"{type(e).__name__}: {e}"[:2000], notes=notes)
        return res, text
    # The constant-weight mode's tolerance: the same kernels and loop nests
    # sum the same kind of products in f32 (W4A16: rounded products; W4A4:
    # exact block dot products, one scaling each). Ops no GPU kernel takes
    # run as the CPU lowering's loop nests, one thread per output, which
    # round as on the CPU: no split-K adds.
    compare(c, y, ref, absprod, 0.0, init, notes, res, verbose,
            split_adds=any(k.startswith("Passed:")
                           for k in res.get("kernels", ())))
    return res, text


FAILED = ("MISMATCH", "bytes_differ", "compile_error", "run_error",
          "ref_error", "driver_error", "not_quantized")


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", default="differential-findings")
    parser.add_argument("--case", help="re-run one case from its JSON")
    parser.add_argument("--pipeline", choices=["cpu", "gpu-emulation"],
                        default="cpu",
                        help="lower with --qblock-cpu-pipeline, or run the "
                             "GPU kernels through the emulator")
    parser.add_argument("--weights", choices=["constant", "runtime"],
                        default="constant",
                        help="constant weights, or weights quantized at run "
                             "time (full-path=true, hand-written "
                             "qblock.quantize and qblock.from_storage)")
    args = parser.parse_args()
    if args.pipeline == "gpu-emulation":
        # The emulator's OpenMP threads wait for each block; spinning would
        # take the cores from the threads that work.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    if args.case:
        with open(args.case) as f:
            c = json.load(f)
        run = run_runtime_case if c.get("weights") == "runtime" else run_case
        res, _ = run(c, verbose=True)
        print(json.dumps(res, indent=1))
        return 1 if res["status"] in FAILED else 0
    rng = np.random.default_rng(args.seed)
    gen, run = ((gen_runtime_case, run_runtime_case)
                if args.weights == "runtime" else (gen_case, run_case))
    cases = [gen(rng, i, args.pipeline) for i in range(args.count)]
    counts = {}
    kernels = {}
    for c in cases:
        t = time.time()
        try:
            res, text = run(c)
        except Exception:
            res, text = {"id": c["id"], "status": "driver_error",
                         "msg": traceback.format_exc()[-1500:]}, ""
        status = res["status"]
        counts[status] = counts.get(status, 0) + 1
        for k in res.get("kernels", ()):
            kernels[k] = kernels.get(k, 0) + 1
        print(f"case {args.seed}_{c['id']}: {status}"
              f" (error/tolerance {res.get('max_ratio', 0):.2g},"
              f" {time.time() - t:.1f} s)" +
              "".join(f" {k}" for k in res.get("kernels", ())), flush=True)
        if status in FAILED:
            os.makedirs(args.out, exist_ok=True)
            stem = os.path.join(args.out, f"{args.seed}_{c['id']}")
            with open(stem + ".json", "w") as f:
                json.dump(c, f)
            with open(stem + ".mlir", "w") as f:
                f.write(text)
            print("  " + json.dumps({k: v for k, v in res.items()
                                     if k not in ("remarks1",)})[:2000])
    failed = sum(n for s, n in counts.items() if s in FAILED)
    print(f"differential: {args.count} cases: " +
          ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) +
          f"; {failed} failed")
    if kernels:
        print("GPU kernel remarks (cases): " +
              ", ".join(f"{k} {n}" for k, n in sorted(kernels.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
