//===- Passes.td - qblock transformation passes ------------*- tablegen -*-===//

#ifndef QBLOCK_TRANSFORMS_PASSES_TD
#define QBLOCK_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QuantizeLinalg : Pass<"qblock-quantize-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite linalg matmuls with constant weights into qblock ops";
  let description = [{
    Finds matmul-shaped linalg ops (`linalg.matmul`, including transposed
    operands expressed with `indexing_maps`, `linalg.batch_matmul`,
    `linalg.matvec`, `linalg.vecmat`, and
    `linalg.generic` contractions with one N and K dimension and either one
    M dimension and at most one batch dimension, or several leading
    dimensions that the weight does not have) whose weight operand is a
    constant (a load of an immutable `ml_program.global` that holds a value,
    as exporters write parameters, becomes an `arith.constant` first), and
    rewrites them into `qblock.quantize` + `qblock.matmul` (block schemes) or
    `qblock.lut_gemm` (`scheme=bcq`). The weight is the constant operand;
    when both are constant, the right-hand one (B in C = A * B). Blocks run
    along the reduction dimension K. M (and the batch) may be dynamic, and so
    may the activation's K: the weight fixes it, and the activation is
    `tensor.cast` to it, with a `cf.assert` that the K at run time is the
    weight's (the message names the linalg op and its location). A 2-D weight shared by every batch (a
    `linalg.batch_matmul` whose B map has no batch dimension, or whose B is
    a `linalg.broadcast` of a constant over the batch: torch.matmul of a
    3-D activation and a 2-D weight) is quantized once; the batch and M
    dimensions collapse into one M (`tensor.collapse_shape`) and the result
    is expanded back. `linalg.matvec` (torch.mv: a constant N x K matrix
    times a vector) and `linalg.vecmat` become GEMVs on a 1 x K row.
    A weight made from a constant without changing a value counts as that
    constant, quantized in its own layout and type: a `linalg.transpose` of
    the last two axes (torch-mlir's `nn.Linear`), or a `linalg.generic`
    that only copies it so transposed and/or widens it with `arith.extf`
    (older torch-mlir's `aten.t`, an f16 parameter in an f32 model).

    Ops it cannot quantize are left unchanged with a remark that says why:
    a non-constant weight, a block or group size that does not divide K,
    element types other than f32/f16/bf16, or an unsupported operand layout.

    `--qblock-select-formats` then folds the weight quantization into packed
    constants.

    ```
    quant-opt --qblock-quantize-linalg="scheme=blockdialect select=two-stage"
    quant-opt --qblock-quantize-linalg="scheme=bcq bits=3 group=128"
    quant-opt --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect"
    ```

    With `acts=blockdialect|mxfp4|nvfp4|int8` the activation operand also gets a
    `qblock.quantize` (blocked along K with the weights' block size;
    two-stage selection for BlockDialect, as hardware would do online), and
    the matmul multiplies quantized values as products of scaled integers.
    `full-path=true` also quantizes matmuls whose right-hand operand is not a
    constant (attention's Q*K^T and scores*V), both operands with the acts=
    scheme, as the paper's full-path results do (with `acts=int8` both are
    INT8); their reduction dimension and the right-hand operand's N must
    be static (a dynamic batch, such as batch x heads, is fine; a dynamic
    sequence length as N leaves the product in float, with a remark).

    NVFP4 weights (`scheme=nvfp4`) get the format's per-tensor scale
    (`tensor-scale=true`, the default): E4M3 block scales keep their 3
    significant bits only from 2^-6 to 448 (subnormals reach down to
    2^-9), so block maxima below about 0.05, common in LLM weights, lose
    precision. The pass divides the constant by `2^e`, the smallest power of
    two that brings its largest magnitude to at most `448 * 6`, and
    multiplies the matmul's result by `2^e` in a `linalg.generic`
    (`init + 2^e * (A * W')`, the matmul accumulating into a zero f32
    tensor). Power-of-two scaling is exact, so in-range weights quantize
    to the same values as without it; small weights keep their precision.
    NVFP4 activations (`acts=nvfp4`, and both operands under
    `full-path=true`) get the same scale at run time: the IR computes the
    largest magnitude of the activation tensor (NaN ignored), picks `e` by
    the same rule, multiplies the activations by `2^-e` before quantizing
    them and the result by `2^e` (with the weight's). Without it,
    activations below about 0.006 quantized to zeros and those above 2688
    saturated.
    `tensor-scale=false` quantizes weights and activations as they are.
  }];
  let dependentDialects = ["::qblock::QBlockDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"scheme", "scheme", "::qblock::QuantScheme",
           "::qblock::QuantScheme::BlockDialect",
           "Weight format",
           [{::llvm::cl::values(
             clEnumValN(::qblock::QuantScheme::BlockDialect, "blockdialect",
                        "DialectFP4 book, E8M0 scale (default block 32)"),
             clEnumValN(::qblock::QuantScheme::MXFP4, "mxfp4",
                        "OCP MXFP4: E2M1, E8M0 scale (default block 32)"),
             clEnumValN(::qblock::QuantScheme::NVFP4, "nvfp4",
                        "NVFP4: E2M1, E4M3 scale (default block 16)"),
             clEnumValN(::qblock::QuantScheme::INT4, "int4",
                        "symmetric INT4, f16 scale (default block 32)"),
             clEnumValN(::qblock::QuantScheme::BCQ, "bcq",
                        "binary-coding quantization for qblock.lut_gemm"))}]>,
    Option<"block", "block", "int64_t", "32",
           "Block size along K: even, 2..4096 (nvfp4 defaults to 16 when not "
           "given)">,
    Option<"select", "select", "::qblock::numerics::SelectRule",
           "::qblock::numerics::SelectRule::MSE",
           "How each block picks its dialect",
           [{::llvm::cl::values(
             clEnumValN(::qblock::numerics::SelectRule::MSE, "mse",
                        "least squared error over all dialects"),
             clEnumValN(::qblock::numerics::SelectRule::TwoStage, "two-stage",
                        "the paper's two-stage hardware rule"))}]>,
    Option<"bits", "bits", "int64_t", "3",
           "BCQ bit planes q (1..4), scheme=bcq only">,
    Option<"group", "group", "int64_t", "128",
           "BCQ group size g along K, scheme=bcq only">,
    Option<"from", "from", "std::string", "\"fit\"",
           "scheme=bcq: 'fit' (non-uniform alternating fit) or 'uniform' "
           "(uniform INT-q per group converted exactly to BCQ)">,
    Option<"acts", "acts", "::qblock::ActScheme", "::qblock::ActScheme::None",
           "Quantize activations at run time too (W4A4), blocked along K "
           "with the weights' block size",
           [{::llvm::cl::values(
             clEnumValN(::qblock::ActScheme::None, "none",
                        "float activations (W4A16)"),
             clEnumValN(::qblock::ActScheme::BlockDialect, "blockdialect",
                        "DialectFP4 with two-stage selection, as hardware would"),
             clEnumValN(::qblock::ActScheme::MXFP4, "mxfp4", "OCP MXFP4"),
             clEnumValN(::qblock::ActScheme::NVFP4, "nvfp4",
                        "NVFP4 (E4M3 block scales, and with tensor-scale=true "
                        "a per-tensor scale chosen at run time)"),
             clEnumValN(::qblock::ActScheme::INT8, "int8",
                        "INT8 per block (f16 scale amax/127): the W4A8 integer path"))}]>,
    Option<"fullPath", "full-path", "bool", "false",
           "Also quantize activation-by-activation matmuls (attention's "
           "Q*K^T and scores*V) with the acts= scheme on both sides">,
    Option<"tensorScale", "tensor-scale", "bool", "true",
           "scheme=nvfp4, acts=nvfp4: give each weight, and at run time each "
           "activation tensor, NVFP4's second-level, per-tensor scale (a "
           "power of two that puts the largest block scale at the top of "
           "E4M3's range), applied to the matmul's result">,
  ];
}

def FuseActivationQuant : Pass<"qblock-fuse-activation-quant",
                                "::mlir::func::FuncOp"> {
  let summary = "Move online activation quantization into the matmul";
  let description = [{
    Rewrites `qblock.matmul(qblock.quantize(%x), %w)` into
    `qblock.matmul(%x, %w) {act_scheme = ...}` for activations quantized at
    run time: the matmul's lowering then quantizes each activation block
    once, inside its own loop nest, into a per-call scratch tile, and no
    quantized activation tensor exists in the IR. Quantizations of
    constants (weights) are left to `--qblock-select-formats`; a quantize
    with other users stays for them.

    ```mlir
    // before
    %q = qblock.quantize %x : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>
    %r = qblock.matmul ins(%q, %w : ...) outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
    // after
    %r = qblock.matmul ins(%x, %w : tensor<?x64xf32>, ...) outs(%init : tensor<?x16xf32>)
           {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<?x16xf32>
    ```
  }];
  let dependentDialects = ["::qblock::QBlockDialect"];
}

def SelectFormats : Pass<"qblock-select-formats", "::mlir::ModuleOp"> {
  let summary = "Fold quantization of constant weights into packed constants";
  let description = [{
    Replaces every `qblock.quantize` of a constant (`arith.constant` with
    dense or `dense_resource` float data) by a `qblock.constant` whose
    packed storage (docs/formats.md) is held in a `dense_resource` blob.
    Each block's dialect is chosen with the scheme's selection rule; BCQ
    weights are fitted (greedy start, alternating refinement). Tensors are
    processed in parallel on MLIR's thread pool.

    A NaN or Inf in a weight is an error that names the element and its
    block. Dense data of any float type and `dense_resource` blobs of f32,
    f16 or bf16 are read; a constant whose values cannot be read (an elided
    or missing blob) gets a warning and stays a run-time `qblock.quantize`.

    Packing a large model takes minutes (a BCQ fit longer): every
    `progress` seconds (default 10; 0 turns them off) a line on stderr says
    how many weights are packed, of how many, and about how long the rest
    will take, and a last line gives the total time. A run shorter than
    `progress` seconds prints nothing. With `budget=` each weight is packed
    once per block size it may take, and the counts include those.

    `report=FILE.json` writes, per quantized tensor, its name, shape,
    scheme, block size, selection rule, `rel_mse` =
    sum((w - deq(w))^2) / sum(w^2), bits per element and a histogram of
    blocks per dialect id: `{"tensors": [{...}, ...]}`.

    `budget=BITS` goes beyond the paper: each weight may use blocks of 16, 32
    or 64 (those dividing K), and the pass picks per tensor the sizes that
    minimize the total squared error while the average bits per element
    over all packed weights stays within the budget (smaller blocks help
    outlier-heavy layers). The choice is exact (branch and bound over the
    weights, bounded by the linear relaxation); should a very large model
    exhaust the search's node limit, a remark says so and how far above
    the least possible error the choice may be. BCQ weights, and block weights whose matmul
    pins their block size, count in that average with their fixed bits.
    The report then also holds `budget` and `average_bits_per_element`
    (`null` when no weight was packed), and each tensor's `block` is the
    choice.
  }];
  let dependentDialects = ["::qblock::QBlockDialect"];
  let options = [
    Option<"report", "report", "std::string", "\"\"",
           "Write a JSON accuracy report to this file">,
    Option<"budget", "budget", "double", "0.0",
           "Average bits per element over all packed weights (BCQ ones "
           "count with their fixed bits); chooses each block-scheme "
           "tensor's block size among 16, 32 and 64 to minimize the total "
           "squared error (0: keep the block sizes as given)">,
    Option<"progress", "progress", "double", "10.0",
           "Seconds between progress lines on stderr while weights are "
           "packed; the first comes only after that long, so quick runs "
           "print none (0: never)">,
  ];
}

def NumberConstantGlobals
    : Pass<"qblock-number-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Give bufferization's constant globals reproducible names";
  let description = [{
    One-shot bufferization across function boundaries turns each tensor
    constant into a private `memref.global` named `__constant_<type>_<n>`,
    but numbers and orders them in an order that depends on where the
    functions were allocated (it differs from run to run of the same
    compiler on the same input, with or without threading). This pass
    renumbers them in the order of their first `memref.get_global` in the
    module (globals nobody reads come last, in name order) and puts their
    definitions in that order, so the pipelines print the same module every
    run. Other globals are untouched.
  }];
}

#endif // QBLOCK_TRANSFORMS_PASSES_TD
