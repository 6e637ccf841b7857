//===- QBlockOps.td - qblock operations --------------------*- tablegen -*-===//

#ifndef QBLOCK_IR_QBLOCKOPS_TD
#define QBLOCK_IR_QBLOCKOPS_TD

include "qblock/IR/QBlockDialect.td"
include "qblock/IR/QBlockAttrs.td"
include "qblock/IR/QBlockTypes.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/RuntimeVerifiableOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def QBlock_QuantizedTensor : Type<
    CPred<"::llvm::isa<::qblock::QuantizedTensorType>($_self)">,
    "quantized tensor", "::qblock::QuantizedTensorType">;

def QBlock_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;

def QBlock_FloatOrQuantizedTensor : AnyTypeOf<[QBlock_FloatTensor,
                                               QBlock_QuantizedTensor]>;

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

def QBlock_QuantizeOp : QBlock_Op<"quantize", [Pure,
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>]> {
  let summary = "Quantize a float tensor block by block";
  let description = [{
    Quantizes `input` with the scheme of the result type: each block along the
    result's axis gets a shared scale and (for multi-dialect books) the
    dialect its selection rule picks; each element is rounded to the nearest
    magnitude of that dialect (ties to the smaller, clamping at the largest).
    On constants, `--qblock-select-formats` folds this op into a
    `qblock.constant`; at run time (activations) it is lowered in place.
    A size that is dynamic in the input but static in the result is checked
    when the op runs (RuntimeVerifiableOpInterface; the lowerings always
    emit the checks).

    ```mlir
    %q = qblock.quantize %x : tensor<?x4096xf32>
           -> !qblock.qtensor<?x4096xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>
    ```
  }];
  let arguments = (ins QBlock_FloatTensor:$input);
  let results = (outs QBlock_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QBlock_DequantizeOp : QBlock_Op<"dequantize", [Pure]> {
  let summary = "Decode a quantized tensor to floats";
  let description = [{
    Decodes every element: `sign * k * (scale / 2)` for block schemes,
    `sum_i alpha_i * b_i + z` for BCQ. `dequantize(quantize(%cst))` of a
    float constant folds to the decoded constant, unless the scheme stores
    the constant imprecisely (a block or group clipped by its scale's
    range, or more than 1% below it): that pair is left for
    `--qblock-select-formats`, which warns with the error it costs.

    ```mlir
    %x = qblock.dequantize %q : !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
           -> tensor<64x32xf32>
    ```
  }];
  let arguments = (ins QBlock_QuantizedTensor:$input);
  let results = (outs QBlock_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def QBlock_ConstantOp : QBlock_Op<"constant", [ConstantLike, Pure]> {
  let summary = "A quantized constant holding packed storage";
  let description = [{
    Packed codes, per-block dialect ids and scales (or BCQ bit planes, alphas
    and offsets) in the byte layout of docs/formats.md, held as a 1-D `i8`
    elements attribute, normally a `dense_resource` blob so that large
    weights stay out of the textual IR. The result type must be fully static
    and the blob exactly as large as its layout.

    ```mlir
    %w = qblock.constant dense_resource<w0> : tensor<4480xi8>
           -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
    ```
  }];
  let arguments = (ins ElementsAttr:$data);
  let results = (outs QBlock_QuantizedTensor:$result);
  let assemblyFormat = "$data attr-dict `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QBlock_FromStorageOp : QBlock_Op<"from_storage", [Pure,
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>]> {
  let summary = "View packed bytes as a quantized tensor";
  let description = [{
    Reinterprets a 1-D `i8` tensor holding the packed layout of
    docs/formats.md as the quantized tensor of the result type. This is how
    packed weights enter at run time (loaded from a file, passed to a
    compiled function) instead of being embedded as a `qblock.constant`.
    For a static result the storage must hold exactly its bytes: checked by
    the verifier where the storage's size is static, and when the op runs
    where it is `tensor<?xi8>` (RuntimeVerifiableOpInterface; the lowerings
    always emit the check). A quantized shape with dynamic sizes takes
    storage of dynamic size; a matmul reading it as a weight with a dynamic
    batch checks it against the batch it runs with.

    ```mlir
    %w = qblock.from_storage %bytes : tensor<4480xi8>
           -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
    ```
  }];
  let arguments = (ins 1DTensorOf<[I8]>:$storage);
  let results = (outs QBlock_QuantizedTensor:$result);
  let assemblyFormat =
      "$storage attr-dict `:` type($storage) `->` qualified(type($result))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// lookup (a lowering helper)
//===----------------------------------------------------------------------===//

def QBlock_LookupOp : QBlock_Op<"lookup", [Pure]> {
  let summary = "Look up vector lanes in a small table held in a register";
  let description = [{
    `result[i] = table[indices[i] mod size(table)]`, for a table of 8, 16
    or 32 f32 values with i32 indices, of 32 bf16 values with i16 indices,
    or of 64 i8 values with i8 indices.
    The CPU lowering decodes 4-bit codes with the f32 form (the table is a
    block's scaled dialect row, or two blocks' rows for 16-element blocks)
    or, for bf16 activations, with the bf16 form (a dialect's unscaled row,
    twice), and looks up LUT-GEMM's partial sums with the f32 or i8 form
    (`lut-tables=f32|i8`).
    It stays target-neutral, and free of memory effects, through
    bufferization; `--qblock-lower-lookups` then turns it into `vpermps` /
    `vpermt2ps` / `vpermw` / `vpermb` on x86 or per-lane extracts elsewhere.

    ```mlir
    %v = qblock.lookup %row[%codes] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
    %w = qblock.lookup %row[%idx] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
    %s = qblock.lookup %sums[%idx] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [F32, BF16, I8]>:$table,
                       VectorOfRankAndType<[1], [I32, I16, I8]>:$indices);
  let results = (outs VectorOfRankAndType<[1], [F32, BF16, I8]>:$result);
  let assemblyFormat = [{
    $table `[` $indices `]` attr-dict `:` type($table) `,` type($indices)
    `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$table, "::mlir::Value":$indices), [{
      auto lanes = ::llvm::cast<::mlir::VectorType>(indices.getType()).getShape();
      auto element =
          ::llvm::cast<::mlir::VectorType>(table.getType()).getElementType();
      build($_builder, $_state, ::mlir::VectorType::get(lanes, element), table,
            indices);
    }]>
  ];
  let hasVerifier = 1;
}

def QBlock_DotBytesOp : QBlock_Op<"dot_bytes",
    [Pure, AllTypesMatch<["acc", "result"]>, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Dot products of unsigned by signed bytes, four per 32-bit lane";
  let description = [{
    `result[i] = acc[i] + sum_{t<4} zext(lhs[4i+t]) * sext(rhs[4i+t])`, with
    32-bit wraparound. The W4A4 kernel multiplies activations (biased to
    unsigned) by decoded weights with it; with `lhs` all ones it adds up
    signed bytes (LUT-GEMM's int8 lookups, four sub-vectors of one output
    row per lane). `--qblock-lower-lookups` turns it
    into `vpdpbusd` on AVX-512 (VNNI), and into shifts, multiplies and adds
    elsewhere.

    ```mlir
    %r = qblock.dot_bytes %acc, %a, %w : vector<16xi32>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($acc) `,` type($lhs)
  }];
  let hasVerifier = 1;
}

def QBlock_DotBF16Op : QBlock_Op<"dot_bf16",
    [Pure, AllTypesMatch<["acc", "result"]>, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Dot products of bf16 pairs, accumulated in f32 lanes";
  let description = [{
    `result[i] = acc[i] + lhs[2i] * rhs[2i] + lhs[2i+1] * rhs[2i+1]`, the
    products exact in f32 and the two additions rounded in f32 in either
    order. The W4A16 kernel multiplies bf16 activations by decoded weights
    (small integers, exact in bf16) with it. `--qblock-lower-lookups` turns
    it into `vdpbf16ps` on AVX-512 (BF16), which also treats subnormal
    inputs and results as zero, and into widening multiplies and adds
    elsewhere.

    ```mlir
    %r = qblock.dot_bf16 %acc, %w, %a : vector<16xf32>, vector<32xbf16>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [F32]>:$acc,
                       VectorOfRankAndType<[1], [BF16]>:$lhs,
                       VectorOfRankAndType<[1], [BF16]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [F32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($acc) `,` type($lhs)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// matmul / lut_gemm
//===----------------------------------------------------------------------===//

class QBlock_MatmulLikeOp<string mnemonic, list<Trait> traits = []>
    : QBlock_Op<mnemonic, !listconcat(traits, [Pure,
        DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>])> {
  let results = (outs QBlock_FloatTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $lhs `,` $rhs `:` qualified(type($lhs)) `,` qualified(type($rhs)) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// Whether the weight has no elements (K, N or the batch is 0): the
    /// product sums nothing and its result is the init. The lowerings
    /// return the init for it instead of building kernels, which assume
    /// whole blocks and rows.
    bool hasEmptyWeight() {
      return ::llvm::is_contained(
          ::mlir::cast<::mlir::ShapedType>(getRhs().getType()).getShape(), 0);
    }
  }];
}

def QBlock_MatmulOp : QBlock_MatmulLikeOp<"matmul"> {
  let summary = "Matrix product with block-quantized weights";
  let description = [{
    `result = init + lhs * rhs` where `rhs` is a block-quantized weight and
    `lhs` a float activation (W4A16) or a block-quantized activation (W4A4).
    Shapes follow `linalg.matmul` / `linalg.batch_matmul`:
    `lhs` is `[B x] M x K`, `rhs` is `[B x] K x N` blocked along axis
    rank-2, or `[B x] N x K` (transposed weight) blocked along axis rank-1.
    Quantized activations are blocked along K (their last axis) with the
    weight's block size, so blocks pair up. An INT8 `rhs` (`#qblock.book<int8>`,
    an activation format) is accepted only with quantized activations: the
    right-hand side of an activation-by-activation product (full-path
    quantization). Sizes the types leave dynamic (the activations' K and
    batch, the result's rows and columns) are checked when the op runs
    (RuntimeVerifiableOpInterface; the lowerings always emit the checks).

    With `act_scheme`, float activations are quantized online with that
    scheme inside the matmul's loop nest (what
    `--qblock-fuse-activation-quant` produces from
    `matmul(quantize(x), w)`): the result equals the unfused form, but no
    quantized activation tensor exists.

    ```mlir
    %r = qblock.matmul ins(%a, %w : tensor<?x4096xf32>,
           !qblock.qtensor<4096x4096xf32, #qblock.scheme<blockdialect>, axis = 0>)
           outs(%init : tensor<?x4096xf32>) -> tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins QBlock_FloatOrQuantizedTensor:$lhs,
                       QBlock_QuantizedTensor:$rhs,
                       QBlock_FloatTensor:$init,
                       OptionalAttr<QBlock_SchemeAttr>:$act_scheme);
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$lhs,
                   "::mlir::Value":$rhs, "::mlir::Value":$init), [{
      build($_builder, $_state, result, lhs, rhs, init, SchemeAttr());
    }]>
  ];
}

def QBlock_LutGemmOp : QBlock_MatmulLikeOp<"lut_gemm"> {
  let summary = "Matrix product with BCQ weights through lookup tables";
  let description = [{
    `result = init + lhs * rhs` where `rhs` holds binary-coding-quantized
    weights (`#qblock.bcq`) and `lhs` is a float activation. Lowerings build,
    per sub-vector of `mu` activations, a table of the 2^mu signed partial
    sums and index it with the weight bits, so weights are never
    dequantized. Shapes, and their run-time checks, as for
    `qblock.matmul`. Activations stay float:
    the verifier rejects an `act_scheme` attribute, which only
    `qblock.matmul` takes.

    ```mlir
    %r = qblock.lut_gemm ins(%a, %w : tensor<1x4096xf32>,
           !qblock.qtensor<4096x4096xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>)
           outs(%init : tensor<1x4096xf32>) -> tensor<1x4096xf32>
    ```
  }];
  let arguments = (ins QBlock_FloatTensor:$lhs,
                       QBlock_QuantizedTensor:$rhs,
                       QBlock_FloatTensor:$init);
}

#endif // QBLOCK_IR_QBLOCKOPS_TD
