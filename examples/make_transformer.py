#!/usr/bin/python3
"""Writes one pre-norm transformer decoder block as linalg on tensors, the
way torch-mlir lowers a PyTorch module: nn.Linear weights (out x in) are
constants consumed through transposed indexing maps, attention is two
linalg.batch_matmul ops, RMSNorm, the causal softmax and GELU are
linalg.generic ops.

    h = x + Wo . attention(Wq . n1, Wk . n1, Wv . n1)      n1 = rmsnorm(x)
    y = h + Wdown . gelu(Wup . n2)                          n2 = rmsnorm(h)

Weights are Gaussian (std 0.02, a few outlier input channels x8, as in
real LLM weights) from a fixed seed and are stored as dense_resource blobs
with NameLocs such as loc("layers.0.attn.q_proj.weight"), so the
quantization report names them. The module's entry point is
`func.func @forward(%x: tensor<SxDxf32>) -> tensor<SxDxf32>`.

`reference(x, ws)` is the same block in NumPy (float64), used by
examples/run_transformer.py to check the compiled float build.

    /usr/bin/python3 examples/make_transformer.py [--d-model 256] [--heads 4]
        [--d-ff 1024] [--seq 32] [--seed 0] [-o build/demo/transformer_block.mlir]
"""
import argparse
import math

import numpy as np

EPS = 1e-5
GELU_C = math.sqrt(2.0 / math.pi)

# (name, rows = out features, cols = in features) in nn.Linear layout.
def weight_shapes(d, f):
    return [
        ("layers.0.attn.q_proj.weight", d, d),
        ("layers.0.attn.k_proj.weight", d, d),
        ("layers.0.attn.v_proj.weight", d, d),
        ("layers.0.attn.o_proj.weight", d, d),
        ("layers.0.mlp.up_proj.weight", f, d),
        ("layers.0.mlp.down_proj.weight", d, f),
    ]


def make_weights(d, f, seed):
    rng = np.random.default_rng(seed)
    ws = {}
    for name, rows, cols in weight_shapes(d, f):
        w = rng.standard_normal((rows, cols)) * 0.02
        w[:, rng.choice(cols, size=max(1, cols // 64), replace=False)] *= 8.0
        ws[name] = w.astype(np.float32)
    return ws


def make_input(s, d, seed):
    return np.random.default_rng(seed + 1000).standard_normal(
        (s, d)).astype(np.float32)


def reference(x, ws, heads):
    """The block in float64 NumPy."""
    x = x.astype(np.float64)
    W = {k: v.astype(np.float64) for k, v in ws.items()}
    p = "layers.0."
    s, d = x.shape
    dh = d // heads

    def rms(t):
        return t / np.sqrt(np.mean(t * t, axis=1, keepdims=True) + EPS)

    n1 = rms(x)
    q = n1 @ W[p + "attn.q_proj.weight"].T
    k = n1 @ W[p + "attn.k_proj.weight"].T
    v = n1 @ W[p + "attn.v_proj.weight"].T
    split = lambda t: t.reshape(s, heads, dh).transpose(1, 0, 2)
    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(dh)
    mask = np.triu(np.ones((s, s), dtype=bool), 1)
    scores = np.where(mask, -np.inf, scores)
    scores = np.exp(scores - scores.max(axis=2, keepdims=True))
    probs = scores / scores.sum(axis=2, keepdims=True)
    ctx = (probs @ v).transpose(1, 0, 2).reshape(s, d)
    h = x + ctx @ W[p + "attn.o_proj.weight"].T
    n2 = rms(h)
    u = n2 @ W[p + "mlp.up_proj.weight"].T
    g = 0.5 * u * (1.0 + np.tanh(GELU_C * (u + 0.044715 * u ** 3)))
    return h + g @ W[p + "mlp.down_proj.weight"].T


def blob(w):
    # dense_resource hex: a 4-byte little-endian alignment, then the data.
    return "0x04000000" + np.ascontiguousarray(w, dtype="<f4").tobytes().hex().upper()


def module_text(s, d, heads, f, ws, header):
    dh = d // heads
    T = lambda *dims: "tensor<" + "x".join(map(str, dims)) + "xf32>"
    ids = {name: "w" + str(i) for i, (name, _, _) in enumerate(weight_shapes(d, f))}
    lin_maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")
    par2 = '["parallel", "parallel"]'
    id2 = "affine_map<(i, j) -> (i, j)>"
    lines = [header, f"func.func @forward(%x: {T(s, d)}) -> {T(s, d)} {{",
             "  %zero = arith.constant 0.0 : f32",
             "  %one = arith.constant 1.0 : f32",
             "  %half = arith.constant 0.5 : f32",
             f"  %eps = arith.constant {EPS:e} : f32",
             f"  %inv_d = arith.constant {1.0 / d:e} : f32",
             f"  %inv_sqrt_dh = arith.constant {1.0 / math.sqrt(dh):e} : f32",
             "  %ninf = arith.constant 0xFF800000 : f32",
             f"  %gelu_c = arith.constant {GELU_C:e} : f32",
             "  %gelu_k = arith.constant 4.471500e-02 : f32"]
    for name, rows, cols in weight_shapes(d, f):
        lines.append(f"  %{ids[name]} = arith.constant dense_resource<{ids[name]}> : "
                     f"{T(rows, cols)} loc(\"{name}\")")

    def rmsnorm(out, src):
        lines.extend([
            f"  %{out}_e1 = tensor.empty() : {T(s)}",
            f"  %{out}_z1 = linalg.fill ins(%zero : f32) outs(%{out}_e1 : {T(s)}) -> {T(s)}",
            f"  %{out}_ss = linalg.generic {{indexing_maps = [{id2}, affine_map<(i, j) -> (i)>], "
            f'iterator_types = ["parallel", "reduction"]}}',
            f"      ins(%{src} : {T(s, d)}) outs(%{out}_z1 : {T(s)}) {{",
            "  ^bb0(%a: f32, %acc: f32):",
            "    %sq = arith.mulf %a, %a : f32",
            "    %r = arith.addf %acc, %sq : f32",
            "    linalg.yield %r : f32",
            f"  }} -> {T(s)}",
            f"  %{out}_e2 = tensor.empty() : {T(s, d)}",
            f"  %{out} = linalg.generic {{indexing_maps = [{id2}, affine_map<(i, j) -> (i)>, {id2}], "
            f"iterator_types = {par2}}}",
            f"      ins(%{src}, %{out}_ss : {T(s, d)}, {T(s)}) outs(%{out}_e2 : {T(s, d)}) {{",
            "  ^bb0(%a: f32, %ss: f32, %o: f32):",
            "    %ms = arith.mulf %ss, %inv_d : f32",
            "    %mse = arith.addf %ms, %eps : f32",
            "    %rs = math.rsqrt %mse : f32",
            "    %r = arith.mulf %a, %rs : f32",
            "    linalg.yield %r : f32",
            f"  }} -> {T(s, d)}"])

    def linear(out, src, w, k, n):
        lines.extend([
            f"  %{out}_e = tensor.empty() : {T(s, n)}",
            f"  %{out}_z = linalg.fill ins(%zero : f32) outs(%{out}_e : {T(s, n)}) -> {T(s, n)}",
            f"  %{out} = linalg.matmul {lin_maps}",
            f"      ins(%{src}, %{ids[w]} : {T(s, k)}, {T(n, k)}) outs(%{out}_z : {T(s, n)}) -> {T(s, n)}"])

    def add(out, a, b, shape):
        lines.extend([
            f"  %{out}_e = tensor.empty() : {T(*shape)}",
            f"  %{out} = linalg.add ins(%{a}, %{b} : {T(*shape)}, {T(*shape)}) "
            f"outs(%{out}_e : {T(*shape)}) -> {T(*shape)}"])

    def heads_of(out, src, perm, shape):
        # [S, D] -> [S, H, dh] -> permuted
        lines.extend([
            f"  %{out}_r = tensor.expand_shape %{src} [[0], [1, 2]] output_shape [{s}, {heads}, {dh}] "
            f": {T(s, d)} into {T(s, heads, dh)}",
            f"  %{out}_e = tensor.empty() : {T(*shape)}",
            f"  %{out} = linalg.transpose ins(%{out}_r : {T(s, heads, dh)}) outs(%{out}_e : {T(*shape)}) "
            f"permutation = {perm}"])

    p = "layers.0."
    rmsnorm("n1", "x")
    linear("q", "n1", p + "attn.q_proj.weight", d, d)
    linear("k", "n1", p + "attn.k_proj.weight", d, d)
    linear("v", "n1", p + "attn.v_proj.weight", d, d)
    heads_of("qh", "q", "[1, 0, 2]", (heads, s, dh))
    heads_of("kt", "k", "[1, 2, 0]", (heads, dh, s))
    heads_of("vh", "v", "[1, 0, 2]", (heads, s, dh))
    id3 = "affine_map<(h, i, j) -> (h, i, j)>"
    red3 = "affine_map<(h, i, j) -> (h, i)>"
    lines.extend([
        f"  %sc_e = tensor.empty() : {T(heads, s, s)}",
        f"  %sc_z = linalg.fill ins(%zero : f32) outs(%sc_e : {T(heads, s, s)}) -> {T(heads, s, s)}",
        f"  %scores = linalg.batch_matmul ins(%qh, %kt : {T(heads, s, dh)}, {T(heads, dh, s)}) "
        f"outs(%sc_z : {T(heads, s, s)}) -> {T(heads, s, s)}",
        "  // Causal softmax: scale and mask, row max, exp, row sum, divide.",
        f"  %masked = linalg.generic {{indexing_maps = [{id3}, {id3}], "
        'iterator_types = ["parallel", "parallel", "parallel"]}',
        f"      ins(%scores : {T(heads, s, s)}) outs(%sc_e : {T(heads, s, s)}) {{",
        "  ^bb0(%a: f32, %o: f32):",
        "    %i = linalg.index 1 : index",
        "    %j = linalg.index 2 : index",
        "    %future = arith.cmpi ugt, %j, %i : index",
        "    %scaled = arith.mulf %a, %inv_sqrt_dh : f32",
        "    %r = arith.select %future, %ninf, %scaled : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(heads, s, s)}",
        f"  %mx_e = tensor.empty() : {T(heads, s)}",
        f"  %mx_z = linalg.fill ins(%ninf : f32) outs(%mx_e : {T(heads, s)}) -> {T(heads, s)}",
        f"  %mx = linalg.generic {{indexing_maps = [{id3}, {red3}], "
        'iterator_types = ["parallel", "parallel", "reduction"]}',
        f"      ins(%masked : {T(heads, s, s)}) outs(%mx_z : {T(heads, s)}) {{",
        "  ^bb0(%a: f32, %acc: f32):",
        "    %r = arith.maximumf %acc, %a : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(heads, s)}",
        f"  %ex = linalg.generic {{indexing_maps = [{id3}, {red3}, {id3}], "
        'iterator_types = ["parallel", "parallel", "parallel"]}',
        f"      ins(%masked, %mx : {T(heads, s, s)}, {T(heads, s)}) outs(%sc_e : {T(heads, s, s)}) {{",
        "  ^bb0(%a: f32, %m: f32, %o: f32):",
        "    %t = arith.subf %a, %m : f32",
        "    %r = math.exp %t : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(heads, s, s)}",
        f"  %sm_z = linalg.fill ins(%zero : f32) outs(%mx_e : {T(heads, s)}) -> {T(heads, s)}",
        f"  %sm = linalg.generic {{indexing_maps = [{id3}, {red3}], "
        'iterator_types = ["parallel", "parallel", "reduction"]}',
        f"      ins(%ex : {T(heads, s, s)}) outs(%sm_z : {T(heads, s)}) {{",
        "  ^bb0(%a: f32, %acc: f32):",
        "    %r = arith.addf %acc, %a : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(heads, s)}",
        f"  %probs = linalg.generic {{indexing_maps = [{id3}, {red3}, {id3}], "
        'iterator_types = ["parallel", "parallel", "parallel"]}',
        f"      ins(%ex, %sm : {T(heads, s, s)}, {T(heads, s)}) outs(%sc_e : {T(heads, s, s)}) {{",
        "  ^bb0(%a: f32, %z: f32, %o: f32):",
        "    %r = arith.divf %a, %z : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(heads, s, s)}",
        f"  %cx_e = tensor.empty() : {T(heads, s, dh)}",
        f"  %cx_z = linalg.fill ins(%zero : f32) outs(%cx_e : {T(heads, s, dh)}) -> {T(heads, s, dh)}",
        f"  %cx = linalg.batch_matmul ins(%probs, %vh : {T(heads, s, s)}, {T(heads, s, dh)}) "
        f"outs(%cx_z : {T(heads, s, dh)}) -> {T(heads, s, dh)}",
        f"  %ct_e = tensor.empty() : {T(s, heads, dh)}",
        f"  %ct = linalg.transpose ins(%cx : {T(heads, s, dh)}) outs(%ct_e : {T(s, heads, dh)}) "
        "permutation = [1, 0, 2]",
        f"  %ctx = tensor.collapse_shape %ct [[0], [1, 2]] : {T(s, heads, dh)} into {T(s, d)}"])
    linear("attn", "ctx", p + "attn.o_proj.weight", d, d)
    add("h", "x", "attn", (s, d))
    rmsnorm("n2", "h")
    linear("up", "n2", p + "mlp.up_proj.weight", d, f)
    lines.extend([
        "  // GELU, tanh approximation.",
        f"  %g_e = tensor.empty() : {T(s, f)}",
        f"  %gelu = linalg.generic {{indexing_maps = [{id2}, {id2}], iterator_types = {par2}}}",
        f"      ins(%up : {T(s, f)}) outs(%g_e : {T(s, f)}) {{",
        "  ^bb0(%u: f32, %o: f32):",
        "    %u2 = arith.mulf %u, %u : f32",
        "    %u3 = arith.mulf %u2, %u : f32",
        "    %ku3 = arith.mulf %u3, %gelu_k : f32",
        "    %in = arith.addf %u, %ku3 : f32",
        "    %arg = arith.mulf %in, %gelu_c : f32",
        "    %th = math.tanh %arg : f32",
        "    %th1 = arith.addf %th, %one : f32",
        "    %hu = arith.mulf %u, %half : f32",
        "    %r = arith.mulf %hu, %th1 : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {T(s, f)}"])
    linear("down", "gelu", p + "mlp.down_proj.weight", f, d)
    add("y", "h", "down", (s, d))
    lines.extend([f"  return %y : {T(s, d)}", "}", "", "{-#", "  dialect_resources: {",
                  "    builtin: {"])
    names = [n for n, _, _ in weight_shapes(d, f)]
    for i, name in enumerate(names):
        sep = "," if i + 1 < len(names) else ""
        lines.append(f'      {ids[name]}: "{blob(ws[name])}"{sep}')
    lines.extend(["    }", "  }", "#-}", ""])
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--d-ff", type=int, default=1024)
    parser.add_argument("--seq", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="build/demo/transformer_block.mlir")
    args = parser.parse_args(argv)
    if args.d_model % args.heads:
        parser.error("--d-model must be a multiple of --heads")
    return args


def header_of(args):
    return (f"// Generated by examples/make_transformer.py --d-model {args.d_model} "
            f"--heads {args.heads} --d-ff {args.d_ff} --seq {args.seq} --seed {args.seed}\n"
            "// One pre-norm decoder block (RMSNorm, causal multi-head attention, GELU MLP)\n"
            "// as linalg on tensors; weights in nn.Linear layout (out x in).")


def main():
    args = parse_args()
    ws = make_weights(args.d_model, args.d_ff, args.seed)
    text = module_text(args.seq, args.d_model, args.heads, args.d_ff, ws, header_of(args))
    import os
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as fh:
        fh.write(text)
    n = sum(w.size for w in ws.values())
    print(f"wrote {args.output}: d_model={args.d_model} heads={args.heads} "
          f"d_ff={args.d_ff} seq={args.seq}, {n} weights ({n * 4 / 2**20:.1f} MiB f32)")


if __name__ == "__main__":
    main()
