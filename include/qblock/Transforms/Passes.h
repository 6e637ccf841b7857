//===- Passes.h - qblock transformation passes ------------------*- C++ -*-===//

#ifndef QBLOCK_TRANSFORMS_PASSES_H
#define QBLOCK_TRANSFORMS_PASSES_H

#include "qblock/IR/QBlockDialect.h"
#include "qblock/Numerics/BlockQuant.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace qblock {

/// Weight formats `--qblock-quantize-linalg` can produce.
enum class QuantScheme { BlockDialect, MXFP4, NVFP4, INT4, BCQ };
/// Activation formats `--qblock-quantize-linalg acts=` can produce.
enum class ActScheme { None, BlockDialect, MXFP4, NVFP4, INT8 };

#define GEN_PASS_DECL
#include "qblock/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qblock/Transforms/Passes.h.inc"

} // namespace qblock

#endif // QBLOCK_TRANSFORMS_PASSES_H
