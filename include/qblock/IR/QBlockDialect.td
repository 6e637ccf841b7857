//===- QBlockDialect.td - The qblock dialect ---------------*- tablegen -*-===//

#ifndef QBLOCK_IR_QBLOCKDIALECT_TD
#define QBLOCK_IR_QBLOCKDIALECT_TD

include "mlir/IR/OpBase.td"

def QBlock_Dialect : Dialect {
  let name = "qblock";
  let cppNamespace = "::qblock";
  let summary = "Block-wise mixed-format and binary-coding quantization";
  let description = [{
    The `qblock` dialect describes low-bit (4-bit and below) tensors for LLM
    inference and the matrix products that consume them.

    * Block-wise formats: a tensor is split into blocks along its reduction
      axis; each block has one shared scale and picks a 4-bit number format
      ("dialect") from a formatbook (`#qblock.book`). DialectFP4 has 16
      dialects; MXFP4, NVFP4 and INT4 are one-dialect books
      (`#qblock.scheme`).
    * Binary-coding quantization (`#qblock.bcq`): `w = sum_i alpha_i * b_i + z`
      with `b_i` in {-1, +1}, consumed by `qblock.lut_gemm` through lookup
      tables of partial sums.

    A `!qblock.qtensor` states what a value is (logical shape, element type,
    scheme, blocked axis); how it is stored is fixed by docs/formats.md and
    materialized by `qblock.constant` or the lowering passes.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // Folding dequantize(quantize(constant)) yields an arith.constant.
  // cf and tensor: the matmuls' run-time shape checks
  // (generateRuntimeVerification) create cf.assert and tensor.dim.
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::tensor::TensorDialect"];
  // Set by --qblock-quantize-linalg on a qblock.quantize whose input it
  // scaled by 2^-e (NVFP4's per-tensor scale, tensor-scale=true); the
  // matmul's result is scaled back by 2^e. --qblock-select-formats reads it
  // to tell a weight that no per-tensor scale can bring into E4M3's range
  // (e is at f32's limit) from one that was quantized without it.
  let discardableAttrs = (ins "::mlir::IntegerAttr":$tensor_scale_exponent);
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class QBlock_Op<string mnemonic, list<Trait> traits = []>
    : Op<QBlock_Dialect, mnemonic, traits>;

#endif // QBLOCK_IR_QBLOCKDIALECT_TD
