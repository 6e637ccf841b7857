//===- Passes.h - qblock conversion passes ----------------------*- C++ -*-===//

#ifndef QBLOCK_CONVERSION_PASSES_H
#define QBLOCK_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace qblock {

#define GEN_PASS_DECL
#include "qblock/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qblock/Conversion/Passes.h.inc"

/// Whether convert-qblock-to-cpu (and so the CPU pipeline) knows `name` as a
/// target= (generic, avx2, avx512, host) or a lut-tables= (f32, i8) value.
bool isCPUTarget(llvm::StringRef name);
bool isLutTablePrecision(llvm::StringRef name);

/// Whether lut-tables=i8 reaches a qblock.lut_gemm with this K, N and group
/// size on the CPU. Only its chunked vector path has int8 tables; other
/// shapes run f32 tables, and the lowering remarks so. Where it does, the
/// last N mod 16 output rows (the row-by-row remainder) still run f32
/// tables.
bool lutGemmTakesI8Tables(int64_t k, int64_t n, int64_t group);

} // namespace qblock

#endif // QBLOCK_CONVERSION_PASSES_H
