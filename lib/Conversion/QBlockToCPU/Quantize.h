//===- Quantize.h - Run-time block quantization on CPUs ---------*- C++ -*-===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_QUANTIZE_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_QUANTIZE_H

#include "qblock/IR/QBlockTypes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace qblock::cpu {

/// Emits loops that quantize the float tensor `input` into the packed bytes
/// of `type` (docs/formats.md), bit-exact with the numerics core. Returns
/// the bytes as a tensor<?xi8>, or failure (with a diagnostic on `op`) for
/// schemes without a run-time lowering.
mlir::FailureOr<mlir::Value> emitQuantize(mlir::ImplicitLocOpBuilder &b,
                                          mlir::Operation *op,
                                          mlir::Value input,
                                          QuantizedTensorType type,
                                          mlir::ModuleOp module,
                                          mlir::SymbolTable &symbols);

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_QUANTIZE_H
